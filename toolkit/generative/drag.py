"""DragGAN (Pan et al., 2023, "Drag Your GAN") in miniature, on the trained glyph generator.

The student picks a handle point p and a target point t on a generated glyph; the glyph's
latent w is optimized until the content at p has moved to t. Each step alternates two parts,
both in the generator's own feature map F (an intermediate layer, bilinearly resized to the
image's H x W, so a feature sits under every pixel):

    d = (t - p) / ||t - p||                                                            (1)
    L = sum_{q in Omega1(p, r1)} || F(q + d) - sg(F(q)) ||_1
        + lambda || (F - F_0) * (1 - M) ||_1                                           (2)
    w <- Adam step on L                                                                (3)
    p <- argmin_{q in Omega2(p, r2)} || F'(q) - f_0 ||_1,   f_0 = F_0(p_0)               (4)

Eq. 2 (motion supervision) pulls the features a step d ahead of every point of the disk
Omega1(p, r1) towards the features now at that point, sg() (stop-gradient) keeping the
latter fixed, so the content moves by d; the second term keeps the features outside the mask
M (pixels within `mask_radius` of the segment p_0 -> t) where they were. Eq. 4 (point
tracking) finds the handle again in the new feature map F' as the point of the square patch
Omega2(p, r2) whose feature is nearest to the handle's initial feature f_0. The drag stops
when ||t - p|| < 1 pixel or after `steps`.

The latent w is either z itself or, as DragGAN optimizes StyleGAN's per-layer w rather than
z, the output h of the DCGAN's projection layer (its 7x7x2F map, ``split_generator``). Measured
on 12 random 3-6 pixel drags of the page's generator at the defaults (``benchmarks/drag_gan.py``):
with h the handle reached its target in all 12 (mean distance 4.3 -> 0.8 pixels after 20 steps,
0 after 40) and 10 of the 12 glyphs kept their class; with z (16 numbers, every step re-drawing
the whole glyph) only 1 of 12 got within a pixel (5 of 12 with a lighter mask term, λ = 0.05).

Features are read at sub-pixel positions q + d by bilinear interpolation (``bilinear_sample``).
Points are (x, y) pixel coordinates: x the column, y the row, as in a picture of the image.

Any generator fits the small protocol ``Draggable``: z -> w (``encode``) and a ``keras.Model``
w (1, n) -> [image (1, H, W, C), features (1, H, W, K)] (``draggable`` builds both for the
DCGAN, features from its 14x14 layer ``act_refine_2_1``). ``DragGAN`` is a ``keras.Model``
whose ``train_step`` is one drag step (Eqs. 1-4), so ``toolkit.train.fit`` runs it, one
epoch per step, and the app's live panel can watch and stop it like any training run.

Symbols -> names: p ``handle``, t ``target``, p_0 ``handle_start``, r1 ``r1``, r2 ``r2``,
lambda ``mask_weight``, f_0 ``handle_feature``, F_0 ``initial_features``, w ``latent``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from toolkit import validation
from toolkit.config import Config, setting, setting_of
from toolkit.generative.glyph_gan import GlyphGanConfig
from toolkit.train import Callback, fit

DRAG_LATEX = {
    "direction": r"d = \frac{t - p}{\lVert t - p \rVert}",
    "motion": r"\mathcal{L} = \sum_{q \in \Omega_1(p, r_1)} \lVert F(q + d) - \operatorname{sg}(F(q)) \rVert_1"
              r" + \lambda \lVert (F - F_0) \odot (1 - M) \rVert_1",
    "tracking": r"p \leftarrow \arg\min_{q \in \Omega_2(p, r_2)} \lVert F'(q) - f_0 \rVert_1, \quad f_0 = F_0(p_0)",
}
FEATURE_LAYERS = ("act_refine_2_1", "act_1")  # the DCGAN's 14x14 layers, the last one first
LATENTS = ("map", "z")
LATENT_LABELS = {"map": "h: G's 7×7 map (a per-layer latent)", "z": "z (the 16 numbers sampled)"}


@dataclasses.dataclass(frozen=True)
class DragConfig(Config):
    """Every setting of one drag (the page's URL parameters are the field names)."""

    sample: int = setting(3, lo=0, hi=9999, widget="number", label="Sample (seed of z)")
    handle_x: int = setting(12, lo=0, hi=27, widget="number", label="Handle p: x (column)")
    handle_y: int = setting(5, lo=0, hi=27, widget="number", label="Handle p: y (row)")
    target_x: int = setting(12, lo=0, hi=27, widget="number", label="Target t: x (column)")
    target_y: int = setting(2, lo=0, hi=27, widget="number", label="Target t: y (row)")
    latent: str = setting("map", choices=LATENTS, label="Optimized latent",
                          help="map: the 7×7×2F output h of G's projection (many numbers, local edits, as DragGAN's "
                               "per-layer latent w). z: only the 16 numbers of z, so every edit changes the "
                               "whole glyph.", formula={"map": r"h = \operatorname{reshape}(W z) \in "
                                                                r"\mathbb{R}^{7 \times 7 \times 2F}",
                                                        "z": r"z \in \mathbb{R}^{d}"})
    steps: int = setting(60, lo=1, hi=300, widget="number", label="Steps (most)")
    lr: float = setting(0.03, lo=1e-4, hi=1.0, step=0.005, label="Step size η (Adam on the latent w)",
                        formula=r"w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)")
    r1: int = setting(3, lo=1, hi=8, label="r₁: radius of the motion disk Ω₁",
                      formula=r"\Omega_1(p, r_1) = \{q : \lVert q - p \rVert_2 \le r_1\}")
    r2: int = setting(3, lo=1, hi=8, label="r₂: half-side of the tracking patch Ω₂",
                      formula=r"\Omega_2(p, r_2) = \{q : \lVert q - p \rVert_\infty \le r_2\}")
    mask_weight: float = setting(0.2, lo=0.0, hi=1.0, step=0.01, label="λ: keep the rest unchanged (0 = off)",
                                 help="Weight of the second term of L: features farther than the mask radius "
                                      "from the segment p₀ → t are pulled back to where they started.")
    mask_radius: int = setting(6, lo=1, hi=28, label="Mask radius (pixels around p₀ → t that may move)")

    def check(self) -> None:
        if (self.handle_x, self.handle_y) == (self.target_x, self.target_y):
            raise ValueError(f"The target t must differ from the handle p, received both at "
                             f"({self.handle_x}, {self.handle_y}); pick another target point.")

    @property
    def handle(self) -> tuple[float, float]:
        return float(self.handle_x), float(self.handle_y)

    @property
    def target(self) -> tuple[float, float]:
        return float(self.target_x), float(self.target_y)


@dataclasses.dataclass(frozen=True)
class DragGeneratorConfig(GlyphGanConfig):
    """The glyph DCGAN the DragGAN page trains first: ``GlyphGanConfig`` with 4 epochs, unscored
    (4 epochs already draw recognizable glyphs, ``benchmarks/drag_gan.py``)."""

    epochs: int = setting_of(GlyphGanConfig, "epochs", 4)
    score: bool = setting_of(GlyphGanConfig, "score", False)

    def check(self) -> None:
        super().check()
        if self.model != "dcgan":
            raise ValueError(f"DragGAN drags an unconditional generator: `model` must be 'dcgan', "
                             f"received model={self.model!r}.")


# ---------------------------------------------------------------- the two operations
def bilinear_sample(features, points):
    """F at sub-pixel (x, y) `points`: features (H, W, K), points (N, 2) -> (N, K).

    Positions outside the map are clamped to its border (as ``tf.image`` resizing does).
    """
    features = keras.ops.convert_to_tensor(features)
    points = keras.ops.cast(keras.ops.convert_to_tensor(points), features.dtype)
    height, width = features.shape[0], features.shape[1]
    x = keras.ops.clip(points[:, 0], 0.0, width - 1.0)
    y = keras.ops.clip(points[:, 1], 0.0, height - 1.0)
    x0, y0 = keras.ops.floor(x), keras.ops.floor(y)
    wx, wy = (x - x0)[:, None], (y - y0)[:, None]  # (N, 1) weights of the right / lower neighbours
    x0i, y0i = keras.ops.cast(x0, "int32"), keras.ops.cast(y0, "int32")
    x1i, y1i = keras.ops.minimum(x0i + 1, width - 1), keras.ops.minimum(y0i + 1, height - 1)
    flat = keras.ops.reshape(features, (height * width, -1))  # (H·W, K)

    def at(yi, xi):
        return keras.ops.take(flat, yi * width + xi, axis=0)  # (N, K)

    top = (1 - wx) * at(y0i, x0i) + wx * at(y0i, x1i)
    bottom = (1 - wx) * at(y1i, x0i) + wx * at(y1i, x1i)
    return (1 - wy) * top + wy * bottom


def disk_offsets(radius: int) -> np.ndarray:
    """Omega1: the integer (dx, dy) with dx² + dy² <= radius², (N, 2) float32."""
    r = validation.check_positive_int("radius", radius)
    grid = np.stack(np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="xy"), -1).reshape(-1, 2)
    return grid[(grid ** 2).sum(1) <= r * r].astype(np.float32)


def square_offsets(half_side: int) -> np.ndarray:
    """Omega2: the integer (dx, dy) with |dx|, |dy| <= half_side, (N, 2) float32."""
    r = validation.check_positive_int("half_side", half_side)
    return np.stack(np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="xy"),
                    -1).reshape(-1, 2).astype(np.float32)


def motion_loss(features, handle, target, offsets):
    """Eqs. 1-2 (first term): sum over q in Omega1 of ||F(q + d) - sg(F(q))||_1; features (H, W, K)."""
    handle = keras.ops.cast(handle, features.dtype)
    step = keras.ops.cast(target, features.dtype) - handle
    d = step / keras.ops.maximum(keras.ops.norm(step), 1e-6)  # Eq. 1
    q = handle[None, :] + offsets  # (N, 2) points of the disk
    here = keras.ops.stop_gradient(bilinear_sample(features, q))  # sg(F(q))
    return keras.ops.sum(keras.ops.abs(bilinear_sample(features, q + d[None, :]) - here))  # Eq. 2


def track_point(features, handle, handle_feature, offsets):
    """Eq. 4: the point of handle + offsets (clamped to the map) whose feature is nearest to f_0 in L1."""
    height, width = features.shape[0], features.shape[1]
    candidates = keras.ops.cast(handle, features.dtype)[None, :] + offsets  # (N, 2)
    upper = keras.ops.convert_to_tensor([width - 1.0, height - 1.0], features.dtype)
    candidates = keras.ops.clip(candidates, 0.0, upper)
    distances = keras.ops.sum(keras.ops.abs(bilinear_sample(features, candidates) - handle_feature[None, :]), axis=1)
    return candidates[keras.ops.argmin(distances)]


def segment_mask(height: int, width: int, start, target, radius: float) -> np.ndarray:
    """M: 1 on the pixels within `radius` of the segment start -> target, else 0; (H, W, 1) float32."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    a, b = np.asarray(start, np.float32), np.asarray(target, np.float32)
    ab = b - a
    s = np.clip(((xs - a[0]) * ab[0] + (ys - a[1]) * ab[1]) / max(float(ab @ ab), 1e-6), 0.0, 1.0)
    distance = np.hypot(xs - (a[0] + s * ab[0]), ys - (a[1] + s * ab[1]))
    return (distance <= radius).astype(np.float32)[..., None]


# ---------------------------------------------------------------- the generator protocol
@dataclasses.dataclass
class Draggable:
    """What a drag needs of a generator: the latent w of a z, and w -> [image, F].

    Attributes:
        encode: z (1, d) -> the optimized latent w (1, n), as NumPy (z itself for latent "z").
        feature_model: w (1, n) -> [image (1, H, W, C), F (1, H, W, K)], a ``keras.Model``.
        latent_dim: d, the length of z.
        noise: how z is drawn ("gaussian" or "uniform", ``GAN.noise``).
    """

    encode: Callable[[np.ndarray], np.ndarray]
    feature_model: keras.Model
    latent_dim: int
    noise: str = "gaussian"


def _feature_layer(generator, layer):
    names = [each.name for each in generator.layers]
    layer = layer or next((name for name in FEATURE_LAYERS if name in names), None)
    if layer not in names:
        raise ValueError(f"`layer` must name a layer of the generator with a spatial feature map, received "
                         f"layer={layer!r}; the generator has {names}.")
    if len(generator.get_layer(layer).output.shape) != 4:
        raise ValueError(f"`layer` must output a (B, H, W, K) feature map, received {layer!r} of shape "
                         f"{generator.get_layer(layer).output.shape}.")
    return layer


def _to_image_size(hidden, image):
    """F resized (bilinearly) from its layer's H' x W' to the image's H x W: (B, H, W, K)."""
    return keras.layers.Resizing(image.shape[1], image.shape[2], interpolation="bilinear")(hidden)


def feature_generator(generator: keras.Model, layer: str | None = None) -> keras.Model:
    """z -> [image, F]: the generator's image and its `layer` output resized to the image's H x W.

    `layer` defaults to the DCGAN's last 14x14 layer (``FEATURE_LAYERS``). The weights are the
    generator's own (shared, frozen by ``DragGAN``).
    """
    hidden = generator.get_layer(_feature_layer(generator, layer)).output  # (B, H/2, W/2, K) for the DCGAN
    return keras.Model(generator.input, [generator.output, _to_image_size(hidden, generator.output)],
                       name=f"{generator.name}_with_features")


def split_generator(generator: keras.Model, at: str = "to_maps", layer: str | None = None):
    """(z -> w, w -> [image, F]) with w the flattened output of layer `at` (a per-layer latent).

    The generator must be a chain (each layer feeding the next, as the unconditional DCGAN);
    the second model applies the layers after `at` to w reshaped to `at`'s map.
    """
    names = [each.name for each in generator.layers]
    if at not in names:
        raise ValueError(f"`at` must name a layer of the generator, received at={at!r}; it has {names}.")
    layer = _feature_layer(generator, layer)
    mapped = generator.get_layer(at).output  # (B, H/4, W/4, 2F) for the DCGAN
    head = keras.Model(generator.input, keras.layers.Flatten()(mapped), name=f"{generator.name}_to_{at}")
    w = keras.Input((int(np.prod(mapped.shape[1:])),), name="w")
    h, hidden = keras.layers.Reshape(mapped.shape[1:])(w), None
    for each in generator.layers[names.index(at) + 1:]:
        h = each(h)
        hidden = h if each.name == layer else hidden
    if hidden is None:
        raise ValueError(f"The feature layer {layer!r} must come after the latent layer {at!r}.")
    return head, keras.Model(w, [h, _to_image_size(hidden, h)], name=f"{generator.name}_from_{at}")


def draggable(gan, latent: str = "map") -> Draggable:
    """The ``Draggable`` of a trained unconditional ``GAN``'s sampling network (Ḡ when on).

    `latent` "z" optimizes z itself; "map" the 7x7 map h = G's layer ``to_maps`` (``LATENTS``).
    """
    validation.check_choice("latent", latent, LATENTS)
    generator = gan.ema_generator if getattr(gan, "ema_generator", None) is not None else gan.generator
    if isinstance(generator.input, (list, tuple)) or len(generator.input.shape) != 2:
        raise ValueError("DragGAN needs an unconditional generator z -> image; train the DCGAN, "
                         "not the conditional GAN.")
    noise, latent_dim = getattr(gan, "noise", "gaussian"), int(generator.input.shape[-1])
    if latent == "z":
        return Draggable(lambda z: np.asarray(z, np.float32), feature_generator(generator), latent_dim, noise)
    head, tail = split_generator(generator)
    return Draggable(lambda z: keras.ops.convert_to_numpy(head(z, training=False)), tail, latent_dim, noise)


# ---------------------------------------------------------------- the drag as a model
@keras.saving.register_keras_serializable(package="toolkit")
class DragGAN(keras.Model):
    """One drag of one sample: ``train_step`` is Eqs. 1-4 (see the module docstring).

    Args:
        feature_model: z (1, d) -> [image (1, H, W, C), features (1, H, W, K)]; frozen.
        latent: the sample's z, (d,) or (1, d); the only trainable weight.
        handle, target: p_0 and t as (x, y) pixels.
        steps: most drag steps (frames are recorded for steps + 1 images).
        r1, r2, mask_weight, mask_radius: as in ``DragConfig``.

    After ``fit`` (one epoch per step), ``recorded()`` gives the frames, handles and distances.
    """

    def __init__(self, feature_model, latent, handle, target, *, steps=60, r1=3, r2=3, mask_weight=0.0,
                 mask_radius=6, **kwargs):
        super().__init__(**kwargs)
        self.feature_model = feature_model
        self.feature_model.trainable = False
        latent = np.asarray(latent, np.float32).reshape(1, -1)
        if latent.shape[1] != feature_model.input.shape[-1]:
            raise ValueError(f"`latent` must hold {feature_model.input.shape[-1]} numbers (the generator's z), "
                             f"received {latent.shape[1]}.")
        height, width = feature_model.output[0].shape[1:3]
        self.handle_start = _point("handle", handle, height, width)
        self.target_point = _point("target", target, height, width)
        self.steps = validation.check_int("steps", steps, 1, 10_000)
        self.r1, self.r2 = validation.check_int("r1", r1, 1, 64), validation.check_int("r2", r2, 1, 64)
        self.mask_weight = validation.check_float("mask_weight", mask_weight, 0.0, 1e3)
        self.mask_radius = validation.check_float("mask_radius", mask_radius, 0.0, 1e4)
        self.disk, self.patch = disk_offsets(self.r1), square_offsets(self.r2)
        self.mask = segment_mask(height, width, self.handle_start, self.target_point, self.mask_radius)
        image, features = (keras.ops.convert_to_numpy(t) for t in feature_model(latent, training=False))
        start_feature = keras.ops.convert_to_numpy(bilinear_sample(features[0], np.array([self.handle_start])))[0]
        self.latent = self._weight("latent", latent, trainable=True)
        self.initial_features = self._weight("initial_features", features[0])  # F_0 (H, W, K)
        self.handle_feature = self._weight("handle_feature", start_feature)  # f_0 (K,)
        self.handle = self._weight("handle", np.array(self.handle_start, np.float32))  # p
        self.step_count = self._weight("step_count", np.zeros((), np.int32), dtype="int32")
        self.frames = self._weight("frames", np.repeat(image, self.steps + 1, axis=0))  # (steps + 1, H, W, C)
        self.handles = self._weight("handles", np.tile(np.array(self.handle_start, np.float32), (self.steps + 1, 1)))
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.distance_tracker = keras.metrics.Mean(name="distance")
        self.built = True  # every weight exists now

    def _weight(self, name, value, trainable=False, dtype="float32"):
        value = np.asarray(value)
        return self.add_weight(name=name, shape=value.shape, dtype=dtype, trainable=trainable,
                               initializer=keras.initializers.Constant(value))

    @property
    def metrics(self):
        return [self.loss_tracker, self.distance_tracker]

    def call(self, z=None, training=False):
        """The image and features of the current latent (or of `z`)."""
        return self.feature_model(self.latent if z is None else z, training=False)

    def distance(self):
        """||t - p||: the handle's distance to the target, in pixels."""
        return keras.ops.norm(keras.ops.convert_to_tensor(self.target_point) - self.handle)

    def loss_of(self, features):
        """Eq. 2 on the feature map (1, H, W, K) of the current latent."""
        loss = motion_loss(features[0], self.handle, self.target_point, self.disk)
        if self.mask_weight > 0:  # second term: the features outside M stay as they were
            loss = loss + self.mask_weight * keras.ops.sum(
                keras.ops.abs((features[0] - self.initial_features) * (1.0 - self.mask)))
        return loss

    def train_step(self, data):
        # 1. motion supervision: one Adam step on z down the gradient of L (Eqs. 1-3)
        with tf.GradientTape() as tape:
            _, features = self.feature_model(self.latent, training=False)
            loss = self.loss_of(features)
        gradients = tape.gradient(loss, [self.latent])
        self.optimizer.apply(gradients, [self.latent])
        # 2. point tracking in the new feature map F' (Eq. 4)
        image, features = self.feature_model(self.latent, training=False)
        self.handle.assign(track_point(features[0], self.handle, self.handle_feature, self.patch))
        # 3. record the frame and the handle of this step
        self.step_count.assign_add(1)
        index = keras.ops.minimum(self.step_count, self.steps)
        self.frames.assign(keras.ops.scatter_update(self.frames, [[index]], image))
        self.handles.assign(keras.ops.scatter_update(self.handles, [[index]], self.handle[None, :]))
        self.loss_tracker.update_state(loss)
        self.distance_tracker.update_state(self.distance())
        return {"loss": self.loss_tracker.result(), "distance": self.distance_tracker.result()}

    def recorded(self) -> dict:
        """What the drag did so far: frames (S + 1, H, W, C), handles (S + 1, 2) and distances (S + 1,)."""
        count = int(min(keras.ops.convert_to_numpy(self.step_count), self.steps))
        handles = keras.ops.convert_to_numpy(self.handles)[:count + 1]
        return {"frames": np.clip(keras.ops.convert_to_numpy(self.frames)[:count + 1], 0, 1), "handles": handles,
                "distances": np.linalg.norm(np.asarray(self.target_point) - handles, axis=1),
                "target": np.asarray(self.target_point), "steps": count}

    def get_config(self):
        return {**super().get_config(), "feature_model": keras.saving.serialize_keras_object(self.feature_model),
                "latent": keras.ops.convert_to_numpy(self.latent).tolist(), "handle": list(self.handle_start),
                "target": list(self.target_point), "steps": self.steps, "r1": self.r1, "r2": self.r2,
                "mask_weight": self.mask_weight, "mask_radius": self.mask_radius}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["feature_model"] = keras.saving.deserialize_keras_object(config["feature_model"])
        return cls(**config)


def _point(name, point, height, width) -> tuple[float, float]:
    values = tuple(float(v) for v in np.asarray(point, float).reshape(-1))
    if len(values) != 2 or not (0 <= values[0] <= width - 1 and 0 <= values[1] <= height - 1):
        raise ValueError(f"`{name}` must be an (x, y) pixel inside the {width}x{height} image, "
                         f"received {name}={point!r}.")
    return values


# ---------------------------------------------------------------- running a drag
class StopAtTarget(Callback):
    """Ends a drag (status "completed") once ||t - p|| < 1 pixel."""

    def on_progress(self, run) -> None:
        distances = run.history.get("distance", ())
        if len(distances) and distances[-1] < 1.0:
            run.model.stop_training = True


@dataclasses.dataclass
class DragResult:
    """One finished drag: the run (history "loss" and "distance" per step) and its recording."""

    run: object
    config: DragConfig
    frames: np.ndarray  # (S + 1, H, W, C), frame 0 the sample before the drag
    handles: np.ndarray  # (S + 1, 2) the handle p after each step, (x, y)
    distances: np.ndarray  # (S + 1,) ||t - p||

    @property
    def reached(self) -> bool:
        return bool(self.distances[-1] < 1.0)


def sample_latent(latent_dim: int, sample: int, noise: str = "gaussian") -> np.ndarray:
    """The z (1, d) of sample number `sample` (drawn as ``glyph_gan.sample_grid`` draws its z)."""
    from toolkit.generative.gan import numpy_noise

    return numpy_noise(noise, 1, latent_dim, seed=validation.check_seed(sample, "sample"))


def build_drag(subject: Draggable, config: DragConfig) -> DragGAN:
    """The compiled ``DragGAN`` of `config`'s sample, handle and target (Adam with step size `lr`)."""
    z = sample_latent(subject.latent_dim, config.sample, subject.noise)
    drag = DragGAN(subject.feature_model, subject.encode(z), config.handle, config.target, steps=config.steps,
                   r1=config.r1, r2=config.r2, mask_weight=config.mask_weight, mask_radius=config.mask_radius)
    drag.compile(optimizer=keras.optimizers.Adam(config.lr))
    return drag


def run_drag(subject, config: DragConfig, *, callbacks=(), stop=None) -> DragResult:
    """Drags `config`'s sample for at most ``config.steps`` steps through ``toolkit.train.fit``.

    Args:
        subject: a trained unconditional ``GAN`` (dragged in ``config.latent``) or a ``Draggable``.
        callbacks, stop: the toolkit's progress protocol; one epoch is one drag step, reported
            after every step, and the drag ends early once the handle is within 1 pixel of t.
    """
    if not isinstance(subject, Draggable):
        subject = draggable(subject, config.latent)
    drag = build_drag(subject, config)
    run = fit(drag, np.zeros((1, 1), np.float32), epochs=config.steps, batch_size=1, shuffle=False,
              steps_per_callback=1, callbacks=[StopAtTarget(), *callbacks], stop=stop,
              config={"drag": dataclasses.asdict(config)}, name="drag")
    recorded = drag.recorded()
    return DragResult(run, config, recorded["frames"], recorded["handles"], recorded["distances"])


def live_drag(run) -> dict:
    """What a live panel shows of a drag now: the current frame, the handle path, the target."""
    recorded = run.model.recorded()
    return {"frame": recorded["frames"][-1], "first": recorded["frames"][0], "handles": recorded["handles"],
            "target": recorded["target"], "step": recorded["steps"]}


def judged(result: DragResult, judge) -> dict:
    """How the glyph classifier reads the glyph before and after the drag: {"before", "after"} ->
    (class, probability)."""
    probabilities = judge.probabilities(result.frames[[0, -1]])  # (2, classes)
    return {when: (int(p.argmax()), float(p.max())) for when, p in zip(("before", "after"), probabilities)}


def filmstrip(result: DragResult, count: int = 10) -> tuple[np.ndarray, list[int]]:
    """About `count` frames evenly spaced from the first to the last step, and their steps."""
    steps = np.unique(np.linspace(0, len(result.frames) - 1, validation.check_positive_int("count", count)).round()
                      .astype(int))
    return result.frames[steps], [int(k) for k in steps]
