"""DINO: self-distillation with no labels (Caron et al., 2021), in miniature on the shape crops.

Notes, LARGE MULTIMODAL MODELS, Image-Only (Non-)Contrastive Learning: "DINO is based on clustering. It
uses a teacher-student framework with cross-entropy loss. The student network extracts the parameters of
interest, and the output goes through a softmax to determine whether an image belongs to a certain
cluster. Teacher network is updated using (EMA) of parameters learned from student network. Student and
Teacher have same architecture but a different set of weights. Gradient propagates only in student
network." No label and no negative pair is used:

    (1) V = {x^g_1, x^g_2} ∪ {x^l_1, …, x^l_L}            multi-crop: two global views of the image and L
                                                           smaller local ones (random crops, flips, grey)
    (2) P_s(x) = softmax(g_{θs}(x) / τ_s)                   the student reads every view
    (3) P_t(x) = softmax((g_{θt}(x) − c) / τ_t)             the teacher reads the global views only:
                                                           centring (− c) and sharpening (τ_t < τ_s)
    (4) L = mean over x ∈ {x^g_1, x^g_2}, x' ∈ V, x' ≠ x of H(P_t(x), P_s(x')),   H(a, b) = − Σ_k a_k log b_k
    (5) θ_t ← λ θ_t + (1 − λ) θ_s                           after every step: no gradient reaches θ_t
    (6) c ← m c + (1 − m) · mean over the batch's global views of g_{θt}(x)

g = h ∘ f with the same architecture for both: f a small vision transformer whose mean token is the
image's feature vector (its sinusoidal positions are computed for the view's own grid, so a 16 × 16 local
view gives 16 tokens where a 32 × 32 global view gives 64; DINO interpolates its position embeddings for
the same reason), h the projection head: an MLP, an ℓ2-normalized bottleneck and a K-way linear layer
without bias whose columns are kept at unit norm (the K "clusters" of the notes).

Collapse, and why Eq. 3 has two knobs: centring without sharpening makes the teacher uniform (every
P_t = 1/K, its per-image entropy log K); sharpening without centring lets one cluster win every image
(the batch's mean P_t on one k). ``entropy`` (the mean per-image H(P_t)) and ``clusters_used`` (exp of
the entropy of the batch's mean P_t, between 1 and K) watch both; DINO's own Fig. 7 does the same.

Symbols -> names: θ_s = "student", θ_t = "teacher" (each a ``DinoNetwork``: "backbone" f and "head" h),
τ_s = `student_temperature`, τ_t = `teacher_temperature`, λ = `teacher_momentum`, m = `center_momentum`
(m = 1 keeps c = 0: no centring), c = "center", L = `local_crops`.

What made it learn at this scale (December 2026): the teacher's head must standardize each batch with the
batch's own statistics, as DINO's teacher does in training mode (``BatchStatisticsNormalization``). Keras runs a
frozen batch normalization on its moving statistics instead; the teacher's outputs then barely differ between
images, centring flattens them, and every setting tried (λ 0.9-0.996, τ_t 0.02-0.04, η 1e-4 to 3e-3, 2-4 local
crops, with and without recolouring) ended in the uniform collapse, with a probe below the untrained encoder's.
With the batch's statistics, at the Masked image modeling page's lesson (``mae_lab``: 3,000 crops, 20 epochs,
batches of 128, AdamW η 2e-3, λ 0.99, four local crops, channels permuted in 80 % of the views; about 105 s on 2
cores) the teacher's probe reads the shape at 0.77 against 0.69 untrained (seed 0; the student 0.78). The teacher
lags the student at this short schedule (seed 1: teacher 0.72, student 0.76, untrained 0.70; seed 2: 0.75, 0.75,
0.70), and a cosine decay of η did not close the gap (seed 1: teacher 0.72).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.transformers.attention import EncoderBlock
from toolkit.transformers.vision import PatchEmbedding
from toolkit.validation import check_float, check_int, check_positive_int

MAX_WAVELENGTH = 10_000.0
PERMUTATIONS = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))

LATEX = {
    "views": r"V = \{x^g_1, x^g_2\} \cup \{x^l_1, \dots, x^l_L\}",
    "student": r"P_s(x) = \mathrm{softmax}\!\left(g_{\theta_s}(x) / \tau_s\right)",
    "teacher": r"P_t(x) = \mathrm{softmax}\!\left((g_{\theta_t}(x) - c) / \tau_t\right)",
    "loss": r"\mathcal{L} = \sum_{x \in \{x^g_1, x^g_2\}}\ \sum_{x' \in V,\ x' \neq x} H\!\left(P_t(x), P_s(x')\right)",
    "cross_entropy": r"H(a, b) = -\textstyle\sum_k a_k \log b_k",
    "ema": r"\theta_t \leftarrow \lambda\,\theta_t + (1 - \lambda)\,\theta_s",
    "center": r"c \leftarrow m\,c + (1 - m)\,\tfrac{1}{2B}\textstyle\sum_{i} g_{\theta_t}(x^g_i)",
    "clusters": r"\text{clusters used} = \exp H(\bar P_t),\quad \bar P_t = \tfrac{1}{2B}\textstyle\sum_i P_t(x^g_i)",
}


def grid_encoding(rows: int, columns: int, dim: int, units: float = 8.0) -> np.ndarray:
    """(rows · columns, dim) sinusoidal positions of a patch grid, row by row: half the dimensions encode the
    patch centre's row, half its column, both measured in `units` per image side, so any grid of the same
    image gets encodings on one scale (a 4 × 4 grid's first centre is at 1.0, an 8 × 8 grid's at 0.5)."""
    rows, columns, dim = (check_positive_int(n, v) for n, v in (("rows", rows), ("columns", columns), ("dim", dim)))
    if dim % 4:
        raise ValueError(f"`dim` must be a multiple of 4 (sine and cosine of row and column), received {dim}.")
    half = dim // 2
    rates = MAX_WAVELENGTH ** (-(2 * (np.arange(half) // 2)) / half)

    def encode(count):
        angles = ((np.arange(count) + 0.5) * units / count)[:, None] * rates[None]
        return np.where(np.arange(half) % 2 == 0, np.sin(angles), np.cos(angles))

    row, column = encode(rows), encode(columns)
    return np.concatenate([np.repeat(row, columns, axis=0), np.tile(column, (rows, 1))], axis=1).astype(np.float32)


@keras.saving.register_keras_serializable(package="toolkit")
class PatchEncoder(keras.layers.Layer):
    """f: (B, H, W, C) -> (B, dim), the mean of a pre-norm ViT's tokens, for any H, W divisible by the patch."""

    def __init__(self, patch_size: int = 4, dim: int = 64, depth: int = 2, heads: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.patch_size, self.dim, self.depth, self.heads = (check_positive_int(n, v) for n, v in (
            ("patch_size", patch_size), ("dim", dim), ("depth", depth), ("heads", heads)))
        self.embedding = PatchEmbedding(self.patch_size, self.dim, name="patch_embedding")
        self.blocks = [EncoderBlock(self.dim, self.heads, 2 * self.dim, norm_first=True, name=f"block_{i + 1}")
                       for i in range(self.depth)]
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5, name="norm")

    def build(self, input_shape):
        self.embedding.build(input_shape)
        for block in self.blocks:
            block.build((None, None, self.dim))
        self.norm.build((None, None, self.dim))

    def call(self, images, training=None):
        _, height, width, _ = images.shape
        position = grid_encoding(height // self.patch_size, width // self.patch_size, self.dim)
        tokens = self.embedding(images) + ops.convert_to_tensor(position[None])
        for block in self.blocks:
            tokens = block(tokens, training=training)
        return ops.mean(self.norm(tokens), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {**super().get_config(), "patch_size": self.patch_size, "dim": self.dim, "depth": self.depth,
                "heads": self.heads}


@keras.saving.register_keras_serializable(package="toolkit")
class BatchStatisticsNormalization(keras.layers.BatchNormalization):
    """Batch normalization that standardizes with the batch's own statistics whenever ``training=True``, even where
    the layer is frozen (Keras's own runs a frozen layer in inference mode, on its moving statistics).

    The teacher is frozen for the optimizer (Eq. 5 moves it) but reads its views as DINO's teacher does, in training
    mode: its head standardizes each batch as the student's head does. On the moving statistics instead (an average
    of the student's, itself an average), the teacher's outputs barely differ from image to image at the start,
    the centring of Eq. 3 flattens them, and training collapses to the uniform teacher (measured: per-image entropy
    4.15 of log 64 = 4.16 after 8 epochs, against 2.0 with the batch's statistics)."""

    def call(self, inputs, training=None, mask=None):
        if training and not self.trainable:
            mean, variance = ops.moments(inputs, axes=list(range(len(inputs.shape) - 1)))
            return ops.batch_normalization(inputs, mean, variance, axis=-1, offset=self.beta, scale=self.gamma,
                                           epsilon=self.epsilon)
        return super().call(inputs, training=training, mask=mask)


@keras.saving.register_keras_serializable(package="toolkit")
class DinoHead(keras.layers.Layer):
    """h: (B, dim) -> (B, K) logits: two GELU layers, an ℓ2-normalized bottleneck, then unit-norm prototypes
    (DINO's weight-normalized last layer with its norm fixed to 1, so every logit lies in [−1, 1])."""

    def __init__(self, clusters: int = 64, hidden: int = 128, bottleneck: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.clusters, self.hidden, self.bottleneck = (check_positive_int(n, v) for n, v in (
            ("clusters", clusters), ("hidden", hidden), ("bottleneck", bottleneck)))
        self.mlp = [keras.layers.Dense(self.hidden, name="dense_1"), BatchStatisticsNormalization(name="norm_1"),
                    keras.layers.Activation("gelu"), keras.layers.Dense(self.hidden, name="dense_2"),
                    BatchStatisticsNormalization(name="norm_2"), keras.layers.Activation("gelu"),
                    keras.layers.Dense(self.bottleneck, name="bottleneck")]

    def build(self, input_shape):
        shape = input_shape
        for layer in self.mlp:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.prototypes = self.add_weight(name="prototypes", shape=(self.bottleneck, self.clusters),
                                          initializer=keras.initializers.TruncatedNormal(stddev=0.02))

    def call(self, features, training=None):
        z = features
        for layer in self.mlp:
            z = layer(z, training=training)
        return ops.matmul(unit(z, axis=-1), unit(self.prototypes, axis=0))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.clusters)

    def get_config(self):
        return {**super().get_config(), "clusters": self.clusters, "hidden": self.hidden,
                "bottleneck": self.bottleneck}


def unit(x, axis):
    return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12))


@keras.saving.register_keras_serializable(package="toolkit")
class DinoNetwork(keras.layers.Layer):
    """g = h ∘ f, the architecture the student and the teacher share."""

    def __init__(self, patch_size=4, dim=64, depth=2, heads=4, clusters=64, hidden=128, bottleneck=32, **kwargs):
        super().__init__(**kwargs)
        self.architecture = {"patch_size": patch_size, "dim": dim, "depth": depth, "heads": heads,
                             "clusters": clusters, "hidden": hidden, "bottleneck": bottleneck}
        self.backbone = PatchEncoder(patch_size, dim, depth, heads, name="backbone")
        self.head = DinoHead(clusters, hidden, bottleneck, name="head")

    def build(self, input_shape):
        self.backbone.build(input_shape)
        self.head.build((input_shape[0], self.backbone.dim))

    def call(self, images, training=None):
        return self.head(self.backbone(images, training=training), training=training)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.head.clusters)

    def get_config(self):
        return {**super().get_config(), **self.architecture}


def dino_loss(teacher_logits, student_logits, center, student_temperature: float, teacher_temperature: float):
    """Eq. 4: `teacher_logits` the G global views' (B, K) logits, `student_logits` every view's, the G global
    views first and in the same order; each teacher view teaches every student view but its own."""
    targets = [ops.stop_gradient(ops.softmax((t - center) / teacher_temperature, axis=-1)) for t in teacher_logits]
    logs = [ops.log_softmax(s / student_temperature, axis=-1) for s in student_logits]
    terms = [ops.mean(-ops.sum(p * q, axis=-1)) for i, p in enumerate(targets) for j, q in enumerate(logs) if i != j]
    if not terms:
        raise ValueError("Eq. 4 needs at least two views: a teacher view and another student view.")
    return ops.sum(ops.stack(terms)) / len(terms)


def collapse_measures(probabilities):
    """(mean per-image entropy of P_t, exp of the entropy of the batch's mean P_t) for (B, K) probabilities."""
    p = ops.convert_to_tensor(probabilities)
    per_image = ops.mean(-ops.sum(p * ops.log(p + 1e-12), axis=-1))
    mean = ops.mean(p, axis=0)
    return per_image, ops.exp(-ops.sum(mean * ops.log(mean + 1e-12)))


def random_views(images, count: int, size: int, scale, grey: float, seed, recolour: float = 0.0):
    """`count` random views of every image, stacked (count · B, size, size, C): a random crop of a share of the
    area in `scale` (aspect ratio between 3/4 and 4/3) resized to `size`, flipped left-right half the time, and
    turned grey with probability `grey`."""
    batch = ops.shape(images)[0]
    n = batch * count
    area = keras.random.uniform((n,), scale[0], scale[1], seed=seed)
    ratio = ops.exp(keras.random.uniform((n,), math.log(3 / 4), math.log(4 / 3), seed=seed))
    height, width = ops.minimum(ops.sqrt(area / ratio), 1.0), ops.minimum(ops.sqrt(area * ratio), 1.0)
    top = keras.random.uniform((n,), seed=seed) * (1.0 - height)
    left = keras.random.uniform((n,), seed=seed) * (1.0 - width)
    flip = keras.random.uniform((n,), seed=seed) < 0.5  # crop_and_resize flips a box whose x1 > x2
    x1, x2 = ops.where(flip, left + width, left), ops.where(flip, left, left + width)
    boxes = ops.stack([top, x1, top + height, x2], axis=1)
    views = tf.image.crop_and_resize(images, boxes, ops.tile(ops.arange(batch, dtype="int32"), (count,)), (size, size))
    grey_views = ops.repeat(ops.mean(views, axis=-1, keepdims=True), ops.shape(views)[-1], axis=-1)
    make_grey = ops.cast(keras.random.uniform((n, 1, 1, 1), seed=seed) < grey, views.dtype)
    views = make_grey * grey_views + (1.0 - make_grey) * views
    if not recolour:
        return views
    chosen = keras.random.randint((n,), 0, len(PERMUTATIONS), seed=seed)
    order = ops.take(ops.convert_to_tensor(PERMUTATIONS), chosen, axis=0)
    keep = keras.random.uniform((n, 1), seed=seed) >= recolour
    order = ops.where(keep, ops.convert_to_tensor([[0, 1, 2]]), order)
    return tf.gather(views, order, axis=3, batch_dims=1)


@keras.saving.register_keras_serializable(package="toolkit")
class Dino(keras.Model):
    """Eqs. 1-6 for (H, W, C) images in [0, 1].

    ``model(images)`` is the teacher's feature vector f_{θt}(x) (B, dim), the one DINO evaluates;
    ``model.student`` and ``model.teacher`` are the two ``DinoNetwork``s; ``fit`` minimizes Eq. 4 and after
    each step moves the teacher (Eq. 5) and the centre (Eq. 6). Metrics: "loss", "entropy" (mean H(P_t) per
    image) and "clusters_used" (exp H of the batch's mean P_t).
    """

    def __init__(self, image_shape=(32, 32, 3), patch_size: int = 4, dim: int = 64, depth: int = 2, heads: int = 4,
                 clusters: int = 64, hidden: int = 128, bottleneck: int = 32, student_temperature: float = 0.1,
                 teacher_temperature: float = 0.04, teacher_momentum: float = 0.99, center_momentum: float = 0.9,
                 local_crops: int = 4, local_size: int = 16, global_scale=(0.4, 1.0), local_scale=(0.1, 0.4),
                 grey: float = 0.2, recolour: float = 0.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(v) for v in image_shape)
        self.student_temperature = check_float("student_temperature", student_temperature, 0.0, 10.0, open_low=True)
        self.teacher_temperature = check_float("teacher_temperature", teacher_temperature, 0.0, 10.0, open_low=True)
        self.teacher_momentum = check_float("teacher_momentum", teacher_momentum, 0.0, 1.0)
        self.center_momentum = check_float("center_momentum", center_momentum, 0.0, 1.0)
        self.local_crops = check_int("local_crops", local_crops, 0, 16)
        self.local_size = check_positive_int("local_size", local_size)
        self.global_scale, self.local_scale = (_check_scale(n, s) for n, s in (("global_scale", global_scale),
                                                                               ("local_scale", local_scale)))
        self.grey = check_float("grey", grey, 0.0, 1.0)
        self.recolour = check_float("recolour", recolour, 0.0, 1.0)
        for name, size in (("image height", self.image_shape[0]), ("image width", self.image_shape[1]),
                           ("local_size", self.local_size)):
            if size % patch_size:
                raise ValueError(f"`patch_size` ({patch_size}) must divide the {name} ({size}).")
        self.architecture = {"patch_size": patch_size, "dim": dim, "depth": depth, "heads": heads,
                             "clusters": clusters, "hidden": hidden, "bottleneck": bottleneck}
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.student = DinoNetwork(**self.architecture, name="student")
        self.teacher = DinoNetwork(**self.architecture, name="teacher")
        self.teacher.trainable = False  # Eq. 5 moves it; the optimizer never does
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "entropy", "clusters_used")}

    def build(self, input_shape=None):
        if self.built:
            return
        shape = (None, *self.image_shape)
        self.student.build(shape)
        self.teacher.build(shape)
        for teacher, student in zip(self.teacher.weights, self.student.weights):
            teacher.assign(student)  # both start from the same weights, as in DINO
        self.center = self.add_weight(name="center", shape=(1, self.architecture["clusters"]), initializer="zeros",
                                      trainable=False)
        self.built = True

    def call(self, images, training=None):
        return self.teacher.backbone(images, training=False)

    def views(self, images):
        """(global views (2B, H, W, C), local views (L·B, l, l, C) or None) of Eq. 1."""
        images = ops.convert_to_tensor(images, "float32")
        global_views = random_views(images, 2, self.image_shape[0], self.global_scale, self.grey, self.seed_generator,
                                    self.recolour)
        if not self.local_crops:
            return global_views, None
        return global_views, random_views(images, self.local_crops, self.local_size, self.local_scale, self.grey,
                                          self.seed_generator, self.recolour)

    def train_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        global_views, local_views = self.views(images)
        teacher_logits = ops.stop_gradient(self.teacher(global_views, training=True))  # batch statistics
        with tf.GradientTape() as tape:
            student_logits = ops.split(self.student(global_views, training=True), 2)
            if local_views is not None:
                student_logits += ops.split(self.student(local_views, training=True), self.local_crops)
            loss = dino_loss(ops.split(teacher_logits, 2), student_logits, self.center, self.student_temperature,
                             self.teacher_temperature)
        weights = self.student.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        momentum = self.teacher_momentum
        for teacher, student in zip(self.teacher.weights, self.student.weights):  # Eq. 5
            teacher.assign(momentum * teacher + (1.0 - momentum) * student)
        probabilities = ops.softmax((teacher_logits - self.center) / self.teacher_temperature, axis=-1)
        self.center.assign(self.center_momentum * self.center  # Eq. 6
                           + (1.0 - self.center_momentum) * ops.mean(teacher_logits, axis=0, keepdims=True))
        entropy, clusters = collapse_measures(probabilities)
        for name, value in (("loss", loss), ("entropy", entropy), ("clusters_used", clusters)):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    @property
    def metrics(self):
        return list(self.trackers.values())

    # -- NumPy helpers for the page and the probes ------------------------------------
    def features(self, images, batch_size: int = 500, network: str = "teacher") -> np.ndarray:
        """f(x) of every image (the teacher's, or the student's with network="student")."""
        backbone = {"teacher": self.teacher, "student": self.student}[network].backbone
        return np.concatenate([ops.convert_to_numpy(backbone(ops.convert_to_tensor(images[i:i + batch_size]),
                                                             training=False))
                               for i in range(0, len(images), batch_size)])

    def assignments(self, images, batch_size: int = 500) -> np.ndarray:
        """(n, K) P_t of Eq. 3 for every image, read whole (no crop)."""
        center = ops.convert_to_numpy(self.center)
        logits = np.concatenate([ops.convert_to_numpy(self.teacher(ops.convert_to_tensor(images[i:i + batch_size]),
                                                                   training=False))
                                 for i in range(0, len(images), batch_size)])
        shifted = (logits - center) / self.teacher_temperature
        shifted -= shifted.max(axis=1, keepdims=True)
        return np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, **self.architecture,
                "student_temperature": self.student_temperature, "teacher_temperature": self.teacher_temperature,
                "teacher_momentum": self.teacher_momentum, "center_momentum": self.center_momentum,
                "local_crops": self.local_crops, "local_size": self.local_size, "global_scale": self.global_scale,
                "local_scale": self.local_scale, "grey": self.grey, "recolour": self.recolour, "seed": self.seed}


def _check_scale(name: str, scale) -> tuple[float, float]:
    low, high = (float(v) for v in scale)
    if not 0.0 < low <= high <= 1.0:
        raise ValueError(f"`{name}` must be (low, high) shares of the image's area with 0 < low <= high <= 1, "
                         f"received {tuple(scale)}.")
    return low, high
