"""The 2-D GAN lab (in the spirit of Kahng et al.'s GAN Lab): a GAN small enough to watch.

Real data P_data is a 2-D point cloud (a ring, a mixture of 8 Gaussians, a line, a spiral,
or Gaussians around points the student places); noise z is 1-D or 2-D, uniform or Gaussian.
G and D are small MLPs trained by ``GAN.discriminator_step`` / ``GAN.generator_step`` (the
notes' alternating algorithm, k D-steps per G-step) inside one compiled loop, so hundreds of
steps run between two pictures. ``GanLab.play`` reports through the toolkit's progress
protocol (a ``toolkit.train.Run`` per call, ``Callback.on_start / on_progress / on_end``,
``stop`` checked between chunks), so a page shows it in its live panel; ``snapshot`` is what
one picture shows:

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
import time

import keras
import numpy as np
import tensorflow as tf

from toolkit import validation
from toolkit.config import Config, setting
from toolkit.generative.gan import GAN, NOISES, numpy_noise
from toolkit.generative.gan_losses import ALTERNATION_LATEX, CLIP_LATEX, LOSSES, LOSSES_LATEX, generator_loss
from toolkit.optim.optimizers import UPDATE_RULES
from toolkit.train import Run
from toolkit.train.callbacks import as_callbacks, as_stop_predicate

DISTRIBUTIONS = ("ring", "gaussians8", "line", "spiral", "custom")
LAB_OPTIMIZERS = ("adam", "sgd", "rmsprop")  # keras optimizers by name (make_optimizer), not toolkit.optim's
# their update rules in the notes' notation (ĝ: the gradient of the network's loss, L_D or L_G)
OPTIMIZERS_LATEX = (r"\begin{array}{l}" + r" \\ ".join(UPDATE_RULES[name] for name in ("Adam", "SGD", "RMSProp"))
                    + r"\end{array}")
MODES_OF_TRAINING = {"both": "Train", "d": "Train D only", "g": "Train G only"}
EXTENT = (-2.0, 2.0, -2.0, 2.0)
MODES = 8  # anchors of the continuous distributions
MODE_SHARE = 0.25  # s_min of Eq. 2
CHUNK_STEPS = 25  # steps per compiled call: callbacks and Stop are checked between chunks
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
    validation.check_choice("name", name, DISTRIBUTIONS)
    n = validation.check_int("n", n, 16, 100_000)
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


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """Adam (β1 = 0.5, as DCGAN), SGD or RMSprop at `learning_rate` (checked by ``GanLabConfig``)."""
    validation.check_choice("optimizer", name, LAB_OPTIMIZERS)
    if name == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=0.5)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    return keras.optimizers.SGD(learning_rate)


def _network_settings(who: str, name: str) -> dict:
    return {
        f"{who}_layers": setting(2, lo=1, hi=6, label=f"{name}: hidden layers", widget="number"),
        f"{who}_units": setting(32, lo=1, hi=128, label=f"{name}: neurons per layer", widget="number"),
        f"{who}_opt": setting("adam", choices=LAB_OPTIMIZERS, label=f"{name}: optimizer", formula=OPTIMIZERS_LATEX),
        f"{who}_lr": setting(2e-3, lo=1e-5, hi=1.0, step=5e-4, label=f"{name}: learning rate"),
    }


_G, _D = _network_settings("g", "G"), _network_settings("d", "D")


@dataclasses.dataclass(frozen=True)
class GanLabConfig(Config):
    """Everything the lab's student can set (field names are the page's URL parameters)."""

    data: str = setting("gaussians8", choices=DISTRIBUTIONS, label="Real data",
                        help="P_data: a ring, a mixture of 8 Gaussians, a line, a spiral, or 'custom': a small "
                             "Gaussian around each point of the table below.")
    noise: str = setting("gaussian", choices=NOISES, label="Noise p_z",
                         formula=r"z \sim \mathcal{N}(0, I) \;\text{ or }\; z \sim U(-1, 1)^{d}")
    noise_dim: int = setting(2, lo=1, hi=2, label="Noise dimensions", widget="number")
    loss: str = setting("non_saturating", choices=LOSSES, label="Loss", formula=LOSSES_LATEX)
    k: int = setting(1, lo=1, hi=10, label="k: D steps per G step", widget="number", formula=ALTERNATION_LATEX)
    clip: float = setting(0.01, lo=0.0, hi=10.0, step=0.01, label="WGAN weight clip c (0 = off)",
                          formula=CLIP_LATEX)
    # 1,000: every seed 0-6 then covers the 8 Gaussians (after 500, seed 0 covered 1 mode)
    steps: int = setting(1000, lo=1, hi=5000, step=50, label="Generator steps per Train", widget="number")
    g_layers: int = _G["g_layers"]
    g_units: int = _G["g_units"]
    g_opt: str = _G["g_opt"]
    g_lr: float = _G["g_lr"]
    d_layers: int = _D["d_layers"]
    d_units: int = _D["d_units"]
    d_opt: str = _D["d_opt"]
    d_lr: float = _D["d_lr"]
    batch_size: int = setting(128, lo=1, hi=100_000, label="Batch size")
    n_real: int = setting(1000, lo=16, hi=100_000, label="Real points")
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")
    centres: tuple | None = None  # the points of data="custom", (x, y) pairs

    def check(self) -> None:
        if self.batch_size > self.n_real:
            raise ValueError(f"`batch_size` must be between 1 and the {self.n_real} real points, "
                             f"received batch_size={self.batch_size}.")
        if self.data == "custom" or self.centres is not None:
            points = check_centres(self.centres)
            object.__setattr__(self, "centres", tuple((float(x), float(y)) for x, y in points))


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

    def __init__(self, config: GanLabConfig | None = None):
        self.config = config = config or GanLabConfig()
        self.real, self.anchors, self.radius = real_distribution(config.data, config.n_real, config.seed, config.centres)
        keras.utils.set_random_seed(config.seed)
        generator = mlp(config.noise_dim, 2, config.g_layers, config.g_units, "relu", "generator")
        discriminator = mlp(2, 1, config.d_layers, config.d_units, "relu", "discriminator")
        self.gan = GAN(generator, discriminator, loss=config.loss, d_steps=config.k,
                       clip_value=config.clip, noise=config.noise, seed=config.seed)
        self.gan.compile(make_optimizer(config.d_opt, config.d_lr), make_optimizer(config.g_opt, config.g_lr))
        self.gan.build_optimizers()  # their variables cannot be created inside the compiled loop
        self._real = tf.constant(self.real)
        self._z = numpy_noise(config.noise, 500, config.noise_dim, seed=config.seed + 1)  # fixed fakes to draw
        self.history = {"g_step": [], "d_loss": [], "g_loss": []}
        self.g_steps = self.d_steps_done = 0
        self.status, self.message = "ready", ""
        self._functions = {}

    def matches(self, config: GanLabConfig) -> bool:
        """Whether this lab is the one `config` builds (the steps per Train do not change it)."""
        return self.config.replace(steps=config.steps) == config

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

    def train(self, steps: int, mode: str = "both") -> dict:
        """Runs `steps` steps in one compiled call: "both" (k D-steps + 1 G-step each), "d" (D
        only) or "g" (G only). Returns this call's losses per step ({"d_loss": ...} and/or
        {"g_loss": ...}); nothing when the lab has diverged."""
        validation.check_choice("mode", mode, tuple(MODES_OF_TRAINING))
        steps = validation.check_int("steps", steps, 1, 100_000)
        if self.status == "diverged":
            return {}
        if mode not in self._functions:
            self._functions[mode] = self._loop(mode)
        weights = self.gan.get_weights()
        d_losses, g_losses = (a.numpy() for a in self._functions[mode](tf.constant(steps)))
        return self._record(mode, steps, d_losses, g_losses, weights)

    def _record(self, mode, steps, d_losses, g_losses, weights) -> dict:
        losses = {**({"d_loss": d_losses} if mode != "g" else {}), **({"g_loss": g_losses} if mode != "d" else {})}
        values, fake = np.concatenate(list(losses.values())), self.fake()
        if not (np.all(np.isfinite(values)) and np.all(np.isfinite(fake))) or max(
                np.abs(values).max(), np.abs(fake).max()) > EXPLODED:
            self.gan.set_weights(weights)
            self.status = "diverged"
            self.message = ("The losses or the fake points became NaN or exploded; the weights before "
                            "the last chunk were restored. Try a smaller learning rate"
                            + (", or WGAN's weight clipping / WGAN-GP" if self.config.loss == "wgan" else "") + ".")
            return {}
        if mode != "d":
            first = self.g_steps
            self.g_steps += steps
            self.history["g_step"].extend(range(first + 1, self.g_steps + 1))
            self.history["d_loss"].extend(d_losses.tolist())
            self.history["g_loss"].extend(g_losses.tolist())
        if mode != "g":
            self.d_steps_done += steps * (self.config.k if mode == "both" else 1)
        self.status = "training"
        return losses

    def play(self, steps: int | None = None, mode: str = "both", *, callbacks=(), stop=None,
             chunk: int = CHUNK_STEPS) -> Run:
        """Trains `steps` steps (default ``config.steps``) in chunks of `chunk`, reporting through
        the toolkit's progress protocol; returns this call's ``Run``.

        The run's "epochs" are this call's steps, its history the losses per step. Every
        callback gets ``on_start``, ``on_progress`` after each chunk and ``on_end``; `stop` (an
        Event or callable) is checked between chunks. The lab keeps its weights and its whole
        history between calls, so the next call continues where this one stopped.
        """
        steps = validation.check_int("steps", self.config.steps if steps is None else steps, 1, 100_000)
        chunk = validation.check_positive_int("chunk", chunk)
        callbacks, should_stop = as_callbacks(callbacks), as_stop_predicate(stop)
        run = Run(name=f"{MODES_OF_TRAINING[validation.check_choice('mode', mode, tuple(MODES_OF_TRAINING))]}"
                       f" · {steps} steps", model=self.gan, epochs=steps, config=dataclasses.asdict(self.config),
                  status="running")
        for cb in callbacks:
            cb.on_start(run)
        while run.epochs_done < steps and self.status != "diverged":
            if should_stop():
                run.status, run.message = "stopped", f"Stopped after step {run.epochs_done}."
                break
            started, now = time.perf_counter(), min(chunk, steps - run.epochs_done)
            losses = self.train(now, mode)
            run.wall_time += time.perf_counter() - started
            if losses:
                run.append_epochs(losses)
                run.epochs_done += now
            for cb in callbacks:
                cb.on_progress(run)
        if self.status == "diverged":
            run.status, run.message = "diverged", self.message
        elif run.status == "running":
            run.status, run.message = "completed", f"Trained {run.epochs_done} steps in {run.wall_time:.2f} s."
        for cb in callbacks:
            cb.on_end(run)
        return run

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
