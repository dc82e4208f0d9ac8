"""Which values share one (μ, σ²), and where batch norm takes them from in training and at test.

Batch, layer, instance and group normalization differ only in the axes of an
(N, C, H, W) batch that μ and σ² average over (``normalization_axes``);
``shared_statistics`` marks, for one chosen value, every value standardized with the same
μ and σ², the cube picture of the notes (H and W flattened into one axis).

Batch norm alone changes behaviour between training and test (normalization.py Eqs. 1-6):

    (1) training:   H' = (H - mu_batch) / sqrt(sigma^2_batch + eps)       batch statistics
    (2)             moving_mu <- m * moving_mu + (1 - m) * mu_batch        (and sigma^2 alike)
    (3) inference:  H' = (H - moving_mu) / sqrt(moving_sigma^2 + eps)     running averages

``batchnorm_modes`` feeds a fresh ``BatchNorm`` batches whose features have a known mean
and standard deviation, and records both modes' outputs and the moving averages step by
step: the moving statistics start at (0, 1), so inference mode barely normalizes at first,
and approach the data's statistics as training steps accumulate, as 1 - m^t.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toolkit import validation
from toolkit.optim.normalization import BatchNorm, normalization_axes

KINDS = ("batch", "layer", "instance", "group")


# -- the cube picture ---------------------------------------------------------------------
def shared_statistics(kind: str, shape=(6, 6, 4, 4), groups: int = 3, sample: int = 0,
                      channel: int = 0) -> np.ndarray:
    """(N, C, H*W) booleans: True where a value shares μ, σ² with value (sample, channel).

    Args:
        kind: "batch", "layer", "instance" or "group".
        shape: (N, C, H, W) of the batch.
        groups: G for group norm; must divide C.
        sample, channel: the chosen value's sample n and channel c.
    """
    validation.check_choice("kind", kind, KINDS)
    if not (isinstance(shape, (tuple, list)) and len(shape) == 4
            and all(isinstance(d, (int, np.integer)) and 1 <= d <= 64 for d in shape)):
        raise ValueError(f"`shape` must be four sizes (N, C, H, W) in [1, 64], received shape={shape!r}.")
    n, c, h, w = shape
    sample = validation.check_int("sample", sample, 0, n - 1)
    channel = validation.check_int("channel", channel, 0, c - 1)
    averaged = normalization_axes(kind, "NCHW")
    mask = np.ones((n, c, h * w), bool)  # (N, C, H*W)
    if 0 not in averaged:
        mask[np.arange(n) != sample] = False
    if kind == "group":
        if not (isinstance(groups, (int, np.integer)) and 1 <= groups <= c and c % groups == 0):
            raise ValueError(f"`groups` must divide the {c} channels, received groups={groups!r}.")
        size = c // groups
        mask[:, np.arange(c) // size != channel // size] = False
    elif 1 not in averaged:
        mask[:, np.arange(c) != channel] = False
    return mask


def axes_table() -> list[dict]:
    """One row per norm: the (N, C, H, W) axes it averages over and what gets its own μ, σ²."""
    per = {"batch": "channel", "layer": "sample", "instance": "sample and channel",
           "group": "sample and group of C/G channels"}
    return [{"norm": kind, "averages over": ", ".join("NCHW"[a] for a in normalization_axes(kind))
             + (" (C within a group)" if kind == "group" else ""), "one (μ, σ²) per": per[kind]}
            for kind in KINDS]


# -- batch norm in training and in inference mode -----------------------------------------
@dataclasses.dataclass(frozen=True)
class BatchNormModes:
    """What a fresh ``BatchNorm`` does over ``steps`` training steps.

    Attributes:
        mean, std: (C,) the true per-feature mean and standard deviation of the data.
        batch_mean, batch_variance: (steps, C) the statistics of each training batch.
        moving_mean, moving_variance: (steps + 1, C) the moving averages before the first
            step and after every step (Eq. 2).
        probe: (B, C) one held-out batch.
        training_output: (B, C) the probe through the layer in training mode (Eq. 1).
        inference_before: (B, C) the probe in inference mode before any training step (Eq. 3).
        inference_after: (B, C) the probe in inference mode after the last step.
        momentum: m.
    """

    mean: np.ndarray
    std: np.ndarray
    batch_mean: np.ndarray
    batch_variance: np.ndarray
    moving_mean: np.ndarray
    moving_variance: np.ndarray
    probe: np.ndarray
    training_output: np.ndarray
    inference_before: np.ndarray
    inference_after: np.ndarray
    momentum: float

    @property
    def steps(self) -> int:
        return len(self.batch_mean)


def batchnorm_modes(*, mean=(3.0, -1.0), std=(2.0, 0.5), batch_size: int = 32,
                    steps: int = 100, momentum: float = 0.9, seed: int = 0) -> BatchNormModes:
    """Runs a fresh ``BatchNorm`` on ``steps`` batches of x ~ N(mean, std²) per feature.

    Args:
        mean, std: per-feature mean and standard deviation (C features; std > 0).
        batch_size: B >= 2, samples per batch.
        steps: training steps, in [1, 5000].
        momentum: m in [0, 1) of the moving averages.
        seed: seeds the batches.
    """
    mean, std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
    if mean.ndim != 1 or mean.shape != std.shape or not np.all(std > 0):
        raise ValueError(f"`mean` and `std` must be equal-length lists with std > 0, "
                         f"received mean={mean.tolist()} and std={std.tolist()}.")
    batch_size = validation.check_int("batch_size", batch_size, 2, 4096)
    steps = validation.check_int("steps", steps, 1, 5000)
    layer = BatchNorm(momentum=momentum)  # validates momentum in [0, 1)
    rng = np.random.default_rng(seed)
    draw = lambda: (mean + std * rng.standard_normal((batch_size, len(mean)))).astype(np.float32)
    probe = draw()
    layer.build(probe.shape)
    before = np.array(layer(probe, training=False))
    moving = [(layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy())]
    batch_stats = []
    for _ in range(steps):
        x = draw()
        batch_stats.append((x.mean(axis=0), x.var(axis=0)))
        # Eqs. 1-2: a training step standardizes with the batch and moves the averages
        layer(x, training=True)
        moving.append((layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy()))
    training = _training_output(layer, probe)
    return BatchNormModes(
        mean, std, *(np.array(s) for s in zip(*batch_stats)), *(np.array(s) for s in zip(*moving)),
        probe, training, before, np.array(layer(probe, training=False)), float(momentum))


def _training_output(layer, probe):
    """Eq. 1 on the probe without letting the probe move the moving averages."""
    saved = [layer.moving_mean.numpy(), layer.moving_variance.numpy()]
    output = np.array(layer(probe, training=True))
    layer.moving_mean.assign(saved[0])
    layer.moving_variance.assign(saved[1])
    return output
