"""The 2-D GAN lab (in the spirit of Kahng et al.'s GAN Lab): a GAN small enough to watch.

Real data P_data is a 2-D point cloud (a ring, a mixture of 8 Gaussians, a line, a spiral,
or Gaussians around points the student places); noise z is 1-D or 2-D, uniform or Gaussian.
G and D are small MLPs trained by ``GAN.discriminator_step`` / ``GAN.generator_step`` (the
notes' alternating algorithm, k D-steps per G-step) inside one compiled loop, so hundreds of
steps run between two pictures. Each picture shows:

- real points and fake points G(z);
- D's decision heatmap: D(x) = σ(s(x)) over the plane (for LSGAN/WGAN the raw score s);
- at each fake point the direction G's loss pushes it, -∂L_G/∂x (Eq. 1);
- the modes covered (Eq. 2): P_data is summarised by M anchor points (the 8 Gaussians'
  centres, or points evenly spaced along the ring / line / spiral); a mode is covered when
  at least a share s_min/M of the fakes lie within radius r of its anchor.

    g(x) = -∂L_G/∂x  at x = G(z)      (per sample, L_G of gan_losses Eqs. 3, 4, 6, 8)  (1)
    covered = #{ m : |{ i : ‖G(z_i) - a_m‖ < r }| ≥ s_min N / M }                        (2)
"""

from __future__ import annotations

import dataclasses
import math
import time

import keras
import numpy as np
import tensorflow as tf

from toolkit.generative.gan import GAN, NOISES, numpy_noise
from toolkit.generative.gan_losses import LOSSES, generator_loss

DISTRIBUTIONS = ("ring", "gaussians8", "line", "spiral", "custom")
DISTRIBUTION_LABELS = {"ring": "ring", "gaussians8": "mixture of 8 Gaussians", "line": "line",
                       "spiral": "spiral", "custom": "my points (Gaussians around them)"}
OPTIMIZERS = ("adam", "sgd", "rmsprop")
EXTENT = (-2.0, 2.0, -2.0, 2.0)
MODES = 8  # anchors of the continuous distributions
MODE_SHARE = 0.25  # s_min of Eq. 2
LEARNING_RATE_RANGE = (1e-5, 1.0)
MAX_UNITS, MAX_LAYERS = 128, 6
EXPLODED = 1e4  # |loss| or |G(z)| above this counts as diverged (an unbounded critic)


def _anchors_along(curve, count=MODES):
    """`count` points evenly spaced by arc length along a dense (P, 2) polyline."""
    lengths = np.r_[0, np.cumsum(np.linalg.norm(np.diff(curve, axis=0), axis=1))]
    targets = (np.arange(count) + 0.5) / count * lengths[-1]
    return np.stack([np.interp(targets, lengths, curve[:, i]) for i in (0, 1)], axis=1)


def _curve(name):
    t = np.linspace(0, 1, 2000)
    if name == "ring":
        return np.stack([np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)], 1) * 1.2
    if name == "line":
        return np.stack([-1.4 + 2.8 * t, -0.7 + 1.4 * t], 1)
    angle = 0.5 + 3.5 * np.pi * t  # spiral: r grows with the angle
    return np.stack([np.cos(angle), np.sin(angle)], 1) * (0.15 + 1.35 * t)[:, None]


def check_centres(centres):
    """Points the student placed: (M, 2) finite, 1 <= M <= 20, inside the drawing area."""
    try:
        centres = np.asarray(centres if centres is not None else np.zeros((0, 2)), np.float32).reshape(-1, 2)
    except (TypeError, ValueError):
        raise ValueError("`centres` must be points (x, y) given as numbers; fill in or delete the "
                         "empty cells.") from None
    if not 1 <= len(centres) <= 20 or not np.all(np.isfinite(centres)) or np.abs(centres).max() > 1.8:
        raise ValueError(f"`centres` must be 1 to 20 points (x, y) with coordinates in [-1.8, 1.8], "
                         f"received {len(centres)} points{'' if not len(centres) else f' up to |{np.abs(centres).max():.3g}|'}.")
    return centres


def real_distribution(name: str, n: int = 1000, seed: int = 0, centres=None):
    """(points (n, 2), anchors (M, 2), radius r): samples of P_data and its modes for Eq. 2."""
    if name not in DISTRIBUTIONS:
        raise ValueError(f"`name` must be one of {', '.join(DISTRIBUTIONS)}, received name={name!r}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 16 <= n <= 100_000:
        raise ValueError(f"`n` must be an integer in [16, 100000], received n={n!r}.")
    rng = np.random.default_rng(seed)
    if name in ("gaussians8", "custom"):
        angles = np.arange(8) * 2 * np.pi / 8
        anchors = (np.stack([np.cos(angles), np.sin(angles)], 1) * 1.3 if name == "gaussians8"
                   else check_centres(centres))
        points = anchors[rng.integers(0, len(anchors), n)] + rng.normal(0, 0.08, (n, 2))
        return points.astype(np.float32), anchors.astype(np.float32), 0.3
    curve = _curve(name)
    points = curve[rng.integers(0, len(curve), n)] + rng.normal(0, 0.04, (n, 2))
    return points.astype(np.float32), _anchors_along(curve).astype(np.float32), 0.3


def modes_covered(fake, anchors, radius: float, share: float = MODE_SHARE) -> int:
    """Eq. 2: anchors with at least share·N/M fake points within `radius`."""
    fake, anchors = np.asarray(fake, np.float32), np.asarray(anchors, np.float32)
    distance = np.linalg.norm(fake[:, None, :] - anchors[None, :, :], axis=-1)  # (N, M)
    counts = np.sum(distance < radius, axis=0)
    return int(np.sum(counts >= share * len(fake) / len(anchors)))


def mlp(inputs: int, outputs: int, layers: int, units: int, activation: str, name: str) -> keras.Model:
    """A plain MLP inputs -> [units] * layers -> outputs (linear output)."""
    model = keras.Sequential([keras.Input((inputs,))], name=name)
    for i in range(layers):
        model.add(keras.layers.Dense(units, activation=activation, name=f"hidden_{i + 1}"))
    model.add(keras.layers.Dense(outputs, name="output"))
    return model


def make_optimizer(name: str, learning_rate: float, who: str) -> keras.optimizers.Optimizer:
    """Adam (β1 = 0.5, as DCGAN), SGD or RMSprop at `learning_rate`, validated."""
    if name not in OPTIMIZERS:
        raise ValueError(f"The optimizer of {who} must be one of {', '.join(OPTIMIZERS)}, received {name!r}.")
    low, high = LEARNING_RATE_RANGE
    if not (isinstance(learning_rate, (int, float)) and math.isfinite(learning_rate) and low <= learning_rate <= high):
        raise ValueError(f"The learning rate of {who} must be in [{low:g}, {high:g}], received {learning_rate!r}.")
    if name == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=0.5)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    return keras.optimizers.SGD(learning_rate)


@dataclasses.dataclass
class GanLabConfig:
    """Everything the lab's student can set."""

    data: str = "gaussians8"
    noise: str = "gaussian"
    noise_dim: int = 2
    g_layers: int = 2
    g_units: int = 32
    d_layers: int = 2
    d_units: int = 32
    loss: str = "non_saturating"
    g_optimizer: str = "adam"
    g_lr: float = 2e-3
    d_optimizer: str = "adam"
    d_lr: float = 2e-3
    d_steps: int = 1
    clip_value: float = 0.01  # WGAN's weight clipping c; 0 turns it off
    batch_size: int = 128
    n_real: int = 1000
    seed: int = 0
    centres: tuple | None = None

    def validate(self) -> GanLabConfig:
        checks = (("noise_dim", 1, 2), ("g_layers", 1, MAX_LAYERS), ("d_layers", 1, MAX_LAYERS),
                  ("g_units", 1, MAX_UNITS), ("d_units", 1, MAX_UNITS), ("d_steps", 1, 10))
        for name, low, high in checks:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                label = "`d_steps` (k, D steps per G step)" if name == "d_steps" else f"`{name}`"
                raise ValueError(f"{label} must be an integer in [{low}, {high}], received {value!r}.")
        if self.noise not in NOISES:
            raise ValueError(f"`noise` must be one of {', '.join(NOISES)}, received {self.noise!r}.")
        if self.loss not in LOSSES:
            raise ValueError(f"`loss` must be one of {', '.join(LOSSES)}, received {self.loss!r}.")
        if not isinstance(self.batch_size, (int, np.integer)) or not 1 <= self.batch_size <= self.n_real:
            raise ValueError(f"`batch_size` must be between 1 and the {self.n_real} real points, "
                             f"received batch_size={self.batch_size!r}.")
        return self


@dataclasses.dataclass
class LabSnapshot:
    """What one picture of the lab shows (NumPy arrays, ready for ``viz.gan_lab_figure``)."""

    real: np.ndarray
    fake: np.ndarray
    grid_x: np.ndarray
    grid_y: np.ndarray
    d_values: np.ndarray  # (res, res) D(x) or raw score
    probability: bool  # d_values are probabilities σ(s)
    arrows: np.ndarray  # (N, 2) -∂L_G/∂x at each fake point
    modes_covered: int
    modes: int
    anchors: np.ndarray
    g_steps: int
    d_steps: int
    history: dict
    status: str
    message: str


class GanLab:
    """A 2-D GAN with its real data, trained a few steps at a time (module docstring)."""

    def __init__(self, config: GanLabConfig):
        self.config = config.validate()
        self.real, self.anchors, self.radius = real_distribution(config.data, config.n_real, config.seed, config.centres)
        keras.utils.set_random_seed(config.seed)
        generator = mlp(config.noise_dim, 2, config.g_layers, config.g_units, "relu", "generator")
        discriminator = mlp(2, 1, config.d_layers, config.d_units, "relu", "discriminator")
        self.gan = GAN(generator, discriminator, loss=config.loss, d_steps=config.d_steps,
                       clip_value=config.clip_value, noise=config.noise, seed=config.seed)
        self.gan.compile(make_optimizer(config.d_optimizer, config.d_lr, "D"),
                         make_optimizer(config.g_optimizer, config.g_lr, "G"))
        self.gan.d_optimizer.build(discriminator.trainable_variables)
        self.gan.g_optimizer.build(generator.trainable_variables)
        self._real = tf.constant(self.real)
        self._z = numpy_noise(config.noise, 500, config.noise_dim, seed=config.seed + 1)  # fixed fakes to draw
        self.history = {"g_step": [], "d_loss": [], "g_loss": []}
        self.g_steps = self.d_steps_done = 0
        self.status, self.message = "ready", ""
        self.steps_per_second = float("nan")  # of the last play(), drawing included
        self._functions = {}

    # -- training ---------------------------------------------------------------------
    def _loop(self, mode):
        """One compiled function running `steps` iterations of `mode` ("both", "d" or "g")."""
        gan, batch = self.gan, self.config.batch_size
        n = self.real.shape[0]

        def body(i, d_losses, g_losses):
            idx = keras.random.randint((batch,), 0, n, seed=gan.seed_generator)
            real = tf.gather(self._real, idx)  # a minibatch of real points
            d_loss = g_loss = tf.constant(np.nan, tf.float32)
            if mode in ("both", "d"):
                for _ in range(gan.d_steps if mode == "both" else 1):  # k D-steps
                    d_loss = tf.cast(gan.discriminator_step(real, None, batch), tf.float32)
            if mode in ("both", "g"):
                g_loss = tf.cast(gan.generator_step(real, None, batch), tf.float32)
            return i + 1, d_losses.write(i, d_loss), g_losses.write(i, g_loss)

        def run(steps):
            arrays = (tf.TensorArray(tf.float32, size=steps), tf.TensorArray(tf.float32, size=steps))
            _, d_losses, g_losses = tf.while_loop(lambda i, *_: i < steps, body, (tf.constant(0), *arrays))
            return d_losses.stack(), g_losses.stack()

        return tf.function(run, input_signature=[tf.TensorSpec([], tf.int32)], autograph=False)

    def train(self, steps: int, mode: str = "both") -> None:
        """Runs `steps` steps: "both" (k D-steps + 1 G-step each), "d" (D only) or "g" (G only)."""
        if mode not in ("both", "d", "g"):
            raise ValueError(f"`mode` must be 'both', 'd' or 'g', received mode={mode!r}.")
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= 100_000:
            raise ValueError(f"`steps` must be an integer in [1, 100000], received steps={steps!r}.")
        if self.status == "diverged":
            return
        if mode not in self._functions:
            self._functions[mode] = self._loop(mode)
        weights = self.gan.get_weights()
        d_losses, g_losses = (a.numpy() for a in self._functions[mode](tf.constant(int(steps))))
        self._record(mode, int(steps), d_losses, g_losses, weights)

    def _record(self, mode, steps, d_losses, g_losses, weights):
        if mode != "d":
            first = self.g_steps
            self.g_steps += steps
            self.history["g_step"].extend(range(first + 1, self.g_steps + 1))
            self.history["d_loss"].extend(d_losses.tolist())
            self.history["g_loss"].extend(g_losses.tolist())
        if mode != "g":
            self.d_steps_done += steps * (self.config.d_steps if mode == "both" else 1)
        trained = [d_losses] * (mode != "g") + [g_losses] * (mode != "d")
        values = np.concatenate(trained)
        fake = self.fake()
        if not (np.all(np.isfinite(values)) and np.all(np.isfinite(fake))) or max(
                np.abs(values).max(), np.abs(fake).max()) > EXPLODED:
            self.gan.set_weights(weights)
            self.status = "diverged"
            self.message = ("The losses or the fake points became NaN or exploded; the weights before "
                            "the last chunk were restored. Try a smaller learning rate"
                            + (", or WGAN's weight clipping / WGAN-GP" if self.config.loss == "wgan" else "") + ".")
        else:
            self.status = "training"

    def play(self, steps: int, mode: str = "both", frame_steps: int = 25):
        """Trains `steps` steps in chunks of `frame_steps`, yielding a snapshot after each chunk.

        The page draws every yielded snapshot, so the points move while the lab trains;
        it stops early if the run diverges.
        """
        if isinstance(frame_steps, bool) or not isinstance(frame_steps, (int, np.integer)) or frame_steps < 1:
            raise ValueError(f"`frame_steps` must be a positive integer, received frame_steps={frame_steps!r}.")
        done, started = 0, time.perf_counter()
        while done < steps and self.status != "diverged":
            chunk = min(frame_steps, steps - done)
            self.train(chunk, mode)
            done += chunk
            snapshot = self.snapshot()
            yield snapshot  # the caller draws it before the next chunk trains
            self.steps_per_second = done / (time.perf_counter() - started)

    def diagnosis(self, snapshot: LabSnapshot | None = None) -> tuple[str, str]:
        """("diverged" | "collapsed" | "ok", one sentence) for the lab's current state."""
        snapshot = snapshot or self.snapshot()
        if self.status == "diverged":
            return "diverged", self.message
        distance = np.linalg.norm(snapshot.fake[:, None] - snapshot.anchors[None], axis=-1).min(axis=1)
        on_modes = float(np.mean(distance < self.radius))  # share of fakes sitting on some mode
        if self.g_steps >= 300 and on_modes >= 0.5 and snapshot.modes_covered <= max(1, snapshot.modes // 4):
            return "collapsed", (f"Mode collapse: the fakes cover {snapshot.modes_covered} of the "
                                 f"{snapshot.modes} modes of the real data. Try the non-saturating or "
                                 "LSGAN loss, more D steps k, or a smaller learning rate for G.")
        return "ok", ""

    # -- what the picture shows -----------------------------------------------------
    def fake(self) -> np.ndarray:
        return self.gan.generate_numpy(self._z)

    def snapshot(self, resolution: int = 40) -> LabSnapshot:
        fake = self.fake()
        low, high = EXTENT[0], EXTENT[1]
        axis = np.linspace(low, high, resolution, dtype=np.float32)
        grid_x, grid_y = np.meshgrid(axis, axis)
        points = np.stack([grid_x.ravel(), grid_y.ravel()], 1)
        scores = keras.ops.convert_to_numpy(self.gan.score(points))[:, 0].reshape(resolution, resolution)
        probability = self.config.loss in ("minimax", "non_saturating")
        d_values = 1 / (1 + np.exp(-np.clip(scores, -50, 50))) if probability else scores
        return LabSnapshot(
            real=self.real[:500], fake=fake, grid_x=axis, grid_y=axis, d_values=d_values,
            probability=probability, arrows=self.generator_directions(fake),
            modes_covered=modes_covered(fake, self.anchors, self.radius), modes=len(self.anchors),
            anchors=self.anchors, g_steps=self.g_steps, d_steps=self.d_steps_done,
            history={k: np.asarray(v, float) for k, v in self.history.items()},
            status=self.status, message=self.message)

    def generator_directions(self, fake) -> np.ndarray:
        """Eq. 1: -∂L_G/∂x at each fake point, the way G's loss pushes it."""
        x = tf.constant(np.asarray(fake, np.float32))
        with tf.GradientTape() as tape:
            tape.watch(x)
            scores = self.gan.score(x)
            total = generator_loss(self.config.loss, scores) * tf.cast(tf.shape(x)[0], tf.float32)
        return -tape.gradient(total, x).numpy()
