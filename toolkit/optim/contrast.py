"""Instance normalization removes each image's contrast (the notes, chapter 3: "IN: allow to remove
instance-specific contrast information from the content image").

The same glyphs at several contrasts c about their mean m, x_c = m + c (x − m) (a faded or a
harsher copy), go in one batch through one fixed convolution y = k * x (valid padding, F filters),
then through each norm of ``normalization``:

    k * x_c = c · (k * x) + (1 − c) m Σk              a scale and a shift per image and filter   (1)
    IN:  μ, σ of each image and filter:  (y_c − μ_c) / σ_c = (y − μ) / σ   for every c           (2)
    LN:  μ, σ of each image over all filters: the scale goes, the per-filter shifts of Eq. 1 stay
    BN:  μ, σ of each filter over the whole batch: every copy keeps its own scale c              (3)

``contrast_invariance`` returns the normalized maps and, for each norm and contrast, how far the
map of the copy is from the map of the original (c = 1): the mean absolute difference in units of
the original map's standard deviation. Instance norm's is about 0 (only ε = 10⁻⁶ in σ² + ε and
float32 rounding keep it from exactly 0), batch norm's is of the order of |c − 1|.
"""

from __future__ import annotations

import keras
import numpy as np

from toolkit.optim.normalization import BatchNorm, InstanceNorm, LayerNorm

CONTRASTS = (0.25, 0.5, 1.0, 2.0)
GLYPHS = 12  # glyphs of the Normalization page's batch
FORMULA = (r"k * x_c = c\,(k * x) + (1 - c)\, m \textstyle\sum k \quad\Rightarrow\quad \text{IN: } "
           r"\frac{y_c - \mu_{n,f}}{\sigma_{n,f}} = \frac{y - \mu_{n,f}}{\sigma_{n,f}},\ \ "
           r"\text{BN: } \frac{y_c - \mu_f}{\sigma_f} \text{ keeps } c")
NORMS = ("instance", "layer", "batch")
EPSILON = 1e-6  # ε of every norm: small beside σ² even at c = 0.25, so only the axes differ
DISPLAY_RANGE = 3.0  # normalized values in [−3, 3] are drawn black to white


def contrast_copies(images, contrasts=CONTRASTS) -> np.ndarray:
    """(len(contrasts) · N, H, W, 1): every image at every contrast about its own mean, contrast-major."""
    images = np.asarray(images, np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if not len(contrasts) or min(contrasts) <= 0:
        raise ValueError(f"`contrasts` must be positive factors, received {tuple(contrasts)!r}.")
    mean = images.mean(axis=(1, 2, 3), keepdims=True)
    return np.concatenate([mean + c * (images - mean) for c in contrasts]).astype(np.float32)


def contrast_invariance(images, contrasts=CONTRASTS, *, filters: int = 4, kernel: int = 3, seed: int = 0) -> dict:
    """Eqs. 1-3 on `images` (N, H, W[, 1]) in [0, 1].

    Returns {"contrasts", "inputs": (K, N, H, W), "maps": {norm: (K, N, H', W', F)},
    "distance": {norm: (K,) mean |map_c − map_1| / std(map_1)}} with K contrasts; c = 1 must be one.
    """
    contrasts = tuple(float(c) for c in contrasts)
    if 1.0 not in contrasts:
        raise ValueError(f"`contrasts` must include 1 (the original), received {contrasts!r}.")
    batch = contrast_copies(images, contrasts)
    rng = np.random.default_rng(seed)
    weights = rng.normal(0, 1 / kernel, (kernel, kernel, 1, filters)).astype(np.float32)
    features = keras.ops.conv(batch, weights, padding="valid")  # (K·N, H', W', F)
    layers = {"instance": InstanceNorm(epsilon=EPSILON), "layer": LayerNorm(axis=[1, 2, 3], epsilon=EPSILON),
              "batch": BatchNorm(epsilon=EPSILON)}
    count, original = len(contrasts), contrasts.index(1.0)
    maps, distance = {}, {}
    for name in NORMS:
        out = layers[name](features, training=True) if name == "batch" else layers[name](features)
        out = keras.ops.convert_to_numpy(out).reshape(count, -1, *out.shape[1:])
        maps[name] = out
        scale = out[original].std()
        distance[name] = np.abs(out - out[original]).mean(axis=tuple(range(1, out.ndim))) / scale
    return {"contrasts": contrasts, "inputs": batch[..., 0].reshape(count, -1, *batch.shape[1:3]), "maps": maps,
            "distance": distance}


def distance_table(result: dict) -> list[dict]:
    """One row per norm: the distance of each contrast's map from the original's (0 = the same map)."""
    return [{"norm": f"{name} norm", **{f"c = {c:g}": round(float(d), 3)
                                        for c, d in zip(result["contrasts"], result["distance"][name])}}
            for name in NORMS]


def display_grid(result: dict, image: int = 0, filter_index: int = 0) -> tuple[np.ndarray, list, list]:
    """(K · 4, H', W') tiles in [0, 1] for one glyph: per contrast the input (cropped to the maps'
    size) and each norm's map of one filter on a shared scale; and the rows' and columns' labels."""
    inputs = result["inputs"][:, image]
    size = result["maps"]["instance"].shape[2]
    margin = (inputs.shape[1] - size) // 2
    rows = []
    for k in range(len(result["contrasts"])):
        rows.append(np.clip(inputs[k, margin:margin + size, margin:margin + size], 0, 1))
        for name in NORMS:
            value = result["maps"][name][k, image, :, :, filter_index]
            rows.append(np.clip((value + DISPLAY_RANGE) / (2 * DISPLAY_RANGE), 0, 1))
    return (np.stack(rows), [f"c = {c:g}" for c in result["contrasts"]],
            ["input x_c", *[f"{name} norm" for name in NORMS]])
