"""Which values share one (μ, σ²) in each norm, and batch norm's training and inference modes."""

import numpy as np
import pytest

from toolkit.optim import batchnorm_modes, shared_statistics
from toolkit.optim.norm_statistics import axes_table

SHAPE = (6, 6, 4, 4)  # (N, C, H, W)


@pytest.mark.parametrize("kind, count", [
    ("batch", 6 * 16),      # every sample, one channel, all of H, W
    ("layer", 6 * 16),      # one sample, every channel, all of H, W
    ("instance", 16),       # one sample, one channel
    ("group", 2 * 16),      # one sample, the 6 / 3 = 2 channels of a group
])
def test_each_norm_shares_statistics_over_its_axes(kind, count):
    mask = shared_statistics(kind, SHAPE, groups=3, sample=2, channel=3)
    assert mask.shape == (6, 6, 16) and mask.dtype == bool and mask.sum() == count
    assert mask[2, 3].all()  # the chosen value's own (sample, channel) row is always in


def test_the_masks_match_a_direct_transcription_of_the_table():
    n, c, s = np.meshgrid(np.arange(6), np.arange(6), np.arange(16), indexing="ij")
    expected = {"batch": c == 3, "layer": n == 2, "instance": (n == 2) & (c == 3),
                "group": (n == 2) & (c // 2 == 3 // 2)}
    for kind, want in expected.items():
        np.testing.assert_array_equal(shared_statistics(kind, SHAPE, 3, 2, 3), want)


def test_group_norm_extremes_are_layer_and_instance_norm():
    np.testing.assert_array_equal(shared_statistics("group", SHAPE, groups=1),
                                  shared_statistics("layer", SHAPE))
    np.testing.assert_array_equal(shared_statistics("group", SHAPE, groups=6),
                                  shared_statistics("instance", SHAPE))


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "weight"}, "`kind` must be one of 'batch', 'layer', 'instance', 'group'"),
    ({"kind": "group", "groups": 4}, "`groups` must divide the 6 channels, received groups=4"),
    ({"kind": "batch", "sample": 6}, r"`sample` must be an integer in \[0, 5\], received sample=6"),
    ({"kind": "batch", "shape": (6, 6, 4)}, "`shape` must be four sizes"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        shared_statistics(**{"shape": SHAPE, **kwargs})


def test_axes_table_names_every_norm():
    rows = {row["norm"]: row for row in axes_table()}
    assert rows["batch"]["averages over"] == "N, H, W"
    assert rows["instance"]["one (μ, σ²) per"] == "sample and channel"


def test_training_mode_uses_batch_statistics_and_inference_the_moving_ones():
    modes = batchnorm_modes(mean=(3.0, -1.0), std=(2.0, 0.5), batch_size=64, steps=300,
                            momentum=0.9)
    eps = 1e-3
    # Eq. 1: the probe standardized with its own statistics
    expected = (modes.probe - modes.probe.mean(0)) / np.sqrt(modes.probe.var(0) + eps)
    np.testing.assert_allclose(modes.training_output, expected, atol=1e-4)
    # Eq. 3 before any step: moving mu = 0, sigma^2 = 1, so the output is x / sqrt(1 + eps)
    np.testing.assert_allclose(modes.inference_before, modes.probe / np.sqrt(1 + eps), rtol=1e-5)
    # after many steps the moving averages are the data's statistics
    np.testing.assert_allclose(modes.moving_mean[-1], [3.0, -1.0], atol=0.4)
    np.testing.assert_allclose(modes.moving_variance[-1], [4.0, 0.25], rtol=0.35)
    np.testing.assert_allclose(modes.inference_after.mean(0), 0, atol=0.4)


def test_moving_averages_follow_eq2_step_by_step():
    modes = batchnorm_modes(batch_size=16, steps=20, momentum=0.8)
    mean, variance = np.zeros(2), np.ones(2)
    for t in range(20):
        mean = 0.8 * mean + 0.2 * modes.batch_mean[t]          # Eq. 2
        variance = 0.8 * variance + 0.2 * modes.batch_variance[t]
        np.testing.assert_allclose(modes.moving_mean[t + 1], mean, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(modes.moving_variance[t + 1], variance, rtol=1e-5)
    assert modes.moving_mean.shape == (21, 2) and modes.steps == 20


@pytest.mark.parametrize("kwargs, message", [
    ({"momentum": 1.0}, r"`momentum` must be a finite number in \[0, 1\), received momentum=1.0"),
    ({"batch_size": 1}, r"`batch_size` must be an integer in \[2, 4096\]"),
    ({"steps": 0}, r"`steps` must be an integer in \[1, 5000\]"),
    ({"std": (1.0, 0.0)}, "`mean` and `std` must be equal-length lists with std > 0"),
])
def test_bad_modes_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        batchnorm_modes(**kwargs)
