"""ROI pooling (Fast R-CNN) and ROI Align (Mask R-CNN): a fixed-size feature grid for any box.

The CNN runs once per image; each region of interest (a proposal, xyxy in image pixels) is
then cut out of the feature map and summarised by a ph × pw grid of bins, whatever its size,
so the same fully connected heads read every ROI.

ROI pooling (Girshick 2015) first moves the ROI onto whole feature cells, then splits it into
bins whose edges are again whole cells, and keeps each bin's maximum:

    (1) x0 = round(s · x_min),  x1 = max(round(s · x_max), x0 + 1)        (and the same for y)
    (2) bin j covers cells [x0 + ⌊j · w / pw⌋, x0 + ⌈(j + 1) · w / pw⌉),  w = x1 − x0
    (3) Y[i, j, c] = max over the cells of bins i (rows) and j (columns) of F[h, w, c]   (0 if empty)

Eq. 1 is the *quantization*: the pooled box can be off by up to half a cell, 1 / (2s) image
pixels (4 pixels at stride 8), and a shift smaller than that changes nothing. ROI Align (He et
al. 2017) keeps the exact coordinates. Feature cell (h, w) sits at the centre (h + ½, w + ½) of
its patch, so a point x of the image is at index x·s − ½ of the map (the "aligned" convention
of Detectron2). Each bin takes sampling_ratio × sampling_ratio regularly spaced points,
reads F there by bilinear interpolation and averages them:

    (4) u_jn = s · x_min − ½ + (j + (n + ½) / sr) · s · (x_max − x_min) / pw     n = 0..sr−1
    (5) F(v, u) = Σ_(h, w) k(v − h) k(u − w) F[h, w],   k(t) = max(0, 1 − |t|)   (bilinear)
    (6) Y[i, j, c] = (1 / sr²) Σ_(m, n) F(v_im, u_jn)[c]

A sample point beyond half a cell outside the map reads 0; one inside that margin reads the
border (Detectron2's rule). Eq. 5 is separable, so Eq. 6 is two small matrix products with the
averaged interpolation weights A_y = (1 / sr) Σ_m k(v_im − h) and A_x:

    (7) Y[i, j, c] = Σ_h Σ_w A_y[i, h] A_x[j, w] F[h, w, c]

and its gradient with respect to F is the same weights, transposed. ROI pooling's bins lie on
whole cells (that is what Eq. 1 buys), so Eq. 3 reads maxima prepared once per image instead
of scanning every bin: T_k[a], the maximum of the 2^k cells from a, built by doubling, and any
range [a, b) is covered by two overlapping blocks of the largest 2^k that fits (along both axes,
four blocks). The gradient of the maximum flows to the cell that holds it, as in the paper:

    (3a) T_0[a] = F[a],   T_k[a] = max(T_(k−1)[a], T_(k−1)[a + 2^(k−1)])     (a "sparse table")
    (3b) max F[a : b] = max(T_k[a], T_k[b − 2^k]),   k = ⌊log2(b − a)⌋

Symbols -> names: s = ``spatial_scale``, (ph, pw) = ``output_size``, sr = ``sampling_ratio``,
F = ``feature_map`` (B, H, W, C), ROIs (B, R, 4) xyxy in image pixels, Y (B, R, ph, pw, C).
``RoiPooling`` mirrors ``keras_cv.layers.ROIPooler``; ``RoiAlign`` mirrors
``tf.image.crop_and_resize`` (Eq. 4's points are its sample points for a matching box).
"""

from __future__ import annotations

import functools
import numbers

import keras
import numpy as np
from keras import ops

from toolkit.validation import check_float, check_positive_int


def roi_pool(feature_map, rois, output_size=(7, 7), spatial_scale: float = 1 / 8):
    """Eqs. 1-3: (B, H, W, C), (B, R, 4) xyxy image pixels -> (B, R, ph, pw, C) maxima over quantized bins."""
    rows, cols = _pair("output_size", output_size)
    quantized = _quantize(rois, spatial_scale)  # (B, R, 4) whole cells
    batch, (height, width, channels) = ops.shape(feature_map)[0], feature_map.shape[1:]
    row_spans, rows_empty = _bin_spans(quantized[..., 1], quantized[..., 3], rows, height)  # 2 × (B, R, ph)
    col_spans, cols_empty = _bin_spans(quantized[..., 0], quantized[..., 2], cols, width)  # 2 × (B, R, pw)
    # Eq. 3a along the columns, then the rows: (B, S_H, S_W, C)
    table = _sparse_table(_sparse_table(feature_map, axis=2), axis=1)
    flat_table = ops.reshape(table, (-1, channels))
    images = ops.reshape(ops.arange(batch) * table.shape[1] * table.shape[2], (-1, 1, 1, 1))
    # Eq. 3b: the maximum of the 4 overlapping rectangles that cover bin (i, j), each (B, R, ph, pw, C)
    corners = [ops.take(flat_table, images + r[..., :, None] * table.shape[2] + c[..., None, :], axis=0)
               for r in row_spans for c in col_spans]
    pooled = functools.reduce(ops.maximum, corners)
    empty = rows_empty[..., :, None] | cols_empty[..., None, :]  # a bin off the map gives 0
    return ops.where(empty[..., None], ops.zeros_like(pooled), pooled)


def _sparse_table(x, axis: int):
    """Eq. 3a along `axis` (n cells): max(x[a : a + 2^k]) for k = 0, 1, ... while 2^k <= n and every
    start a = 0 .. n − 2^k, by k then a (S = Σ_k (n − 2^k + 1) entries)."""
    n = x.shape[axis]
    levels, span = [x], 1
    while 2 * span <= n:
        shorter = levels[-1]  # ranges of length `span`, n − span + 1 of them
        levels.append(ops.maximum(_take_range(shorter, 0, n - 2 * span + 1, axis),
                                  _take_range(shorter, span, n - span + 1, axis)))
        span *= 2
    return ops.concatenate(levels, axis=axis)


def _take_range(x, start: int, stop: int, axis: int):
    return x[(slice(None),) * axis + (slice(start, stop),)]


def _bin_spans(start, end, bins: int, size: int):
    """Eq. 2 along one axis, clipped to the map: (B, R) cell edges -> the two Eq. 3a entries that cover
    each bin, 2 × (B, R, bins), and (B, R, bins) True for a bin with no cell on the map."""
    extent = (end - start)[..., None]  # (B, R, 1)
    j = ops.arange(bins, dtype="float32")
    first = ops.clip(start[..., None] + ops.floor(j * extent / bins), 0, size)  # (B, R, bins)
    last = ops.clip(start[..., None] + ops.ceil((j + 1) * extent / bins), 0, size)
    empty = last <= first
    last = ops.maximum(last, ops.minimum(first, size - 1.0) + 1)  # an empty bin reads one valid cell
    first = last - ops.maximum(last - first, 1.0)
    # level k = ⌊log2(length)⌋: a range [first, last) is the union of [first, first + 2^k) and [last − 2^k, last)
    level = sum(ops.cast(last - first >= 2 ** m, "float32") for m in range(1, size.bit_length()))
    span = 2.0 ** level
    offset = level * (size + 1) - (span - 1)  # Σ_(l < k) (n − 2^l + 1)
    return (ops.cast(offset + first, "int32"), ops.cast(offset + last - span, "int32")), empty


def _quantize(rois, spatial_scale):
    """Eq. 1: (B, R, 4) xyxy image pixels -> whole feature cells, at least one cell wide and tall."""
    scaled = ops.convert_to_tensor(rois, "float32") * spatial_scale
    start = ops.floor(scaled[..., :2] + 0.5)  # round half up, as the paper's C round() on positive numbers
    end = ops.maximum(ops.floor(scaled[..., 2:] + 0.5), start + 1)
    return ops.concatenate([start, end], axis=-1)


def roi_align(feature_map, rois, output_size=(7, 7), spatial_scale: float = 1 / 8, sampling_ratio: int = 2):
    """Eqs. 4-7: (B, H, W, C), (B, R, 4) xyxy image pixels -> (B, R, ph, pw, C) averaged bilinear samples."""
    rows, cols = _pair("output_size", output_size)
    rois = ops.cast(ops.convert_to_tensor(rois), feature_map.dtype)
    height, width = feature_map.shape[1], feature_map.shape[2]
    weights_y = _bin_weights(rois[..., 1], rois[..., 3], rows, height, spatial_scale, sampling_ratio)  # (B, R, ph, H)
    weights_x = _bin_weights(rois[..., 0], rois[..., 2], cols, width, spatial_scale, sampling_ratio)  # (B, R, pw, W)
    # Eq. 7: rows first, (B, R, ph, W, C), then columns
    by_row = ops.einsum("brih,bhwc->briwc", weights_y, feature_map)
    return ops.einsum("brjw,briwc->brijc", weights_x, by_row)


def _bin_weights(low, high, bins: int, size: int, spatial_scale: float, sampling_ratio: int):
    """A_y (or A_x) of Eq. 7: (B, R) ROI edges -> (B, R, bins, size), each bin's interpolation
    weights averaged over its sampling_ratio points."""
    step = (high - low)[..., None] * spatial_scale / (bins * sampling_ratio)  # (B, R, 1) between points
    n = ops.arange(bins * sampling_ratio, dtype=low.dtype)
    # Eq. 4: point n of all bins, bin j holding points j·sr .. j·sr + sr − 1
    points = low[..., None] * spatial_scale - 0.5 + (n + 0.5) * step  # (B, R, bins·sr)
    weights = _bilinear_weights(points, size)  # (B, R, bins·sr, size)
    shape = ops.shape(weights)
    weights = ops.reshape(weights, (shape[0], shape[1], bins, sampling_ratio, size))  # (B, R, bins, sr, size)
    return ops.mean(weights, axis=3)


def _bilinear_weights(points, size: int):
    """Eq. 5's k(t − h) for every point and cell h: (..., P) -> (..., P, size); 0 for a point off the map."""
    inside = ops.cast((points >= -1.0) & (points <= size), points.dtype)
    t = ops.clip(points, 0.0, size - 1.0)
    below = ops.floor(t)
    fraction = t - below
    below = ops.cast(below, "int32")
    above = ops.minimum(below + 1, size - 1)
    weights = (ops.one_hot(below, size, dtype=points.dtype) * (1.0 - fraction)[..., None]
               + ops.one_hot(above, size, dtype=points.dtype) * fraction[..., None])
    return weights * inside[..., None]


def quantized_rois(rois, spatial_scale: float = 1 / 8) -> np.ndarray:
    """The boxes ROI pooling actually pools (Eq. 1), back in image pixels: (..., 4) xyxy."""
    return ops.convert_to_numpy(_quantize(rois, spatial_scale)) / spatial_scale


def quantization_error(rois, spatial_scale: float = 1 / 8) -> np.ndarray:
    """|quantized − exact| of each coordinate, in image pixels (at most 1 / (2s)); ROI Align's is 0."""
    return np.abs(quantized_rois(rois, spatial_scale) - np.asarray(rois, np.float32))


def _pair(name: str, value) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else value
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise ValueError(f"`{name}` must be a positive integer or a pair of them, received {name}={value!r}.")
    return tuple(check_positive_int(name, v) for v in pair)


class _RoiLayer(keras.layers.Layer):
    """Shared arguments, checks and shapes of the two ROI layers."""

    def __init__(self, output_size=(7, 7), spatial_scale: float = 1 / 8, **kwargs):
        super().__init__(**kwargs)
        self.output_size = _pair("output_size", output_size)
        self.spatial_scale = check_float("spatial_scale", spatial_scale, 0.0, None, open_low=True)

    def compute_output_shape(self, feature_map_shape, rois_shape):
        return (feature_map_shape[0], rois_shape[1], *self.output_size, feature_map_shape[3])

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size, "spatial_scale": self.spatial_scale}


@keras.saving.register_keras_serializable(package="toolkit")
class RoiPooling(_RoiLayer):
    """Fast R-CNN's ROI pooling (Eqs. 1-3): (feature_map (B, H, W, C), rois (B, R, 4)) -> (B, R, ph, pw, C)."""

    def call(self, feature_map, rois):
        return roi_pool(feature_map, rois, self.output_size, self.spatial_scale)


@keras.saving.register_keras_serializable(package="toolkit")
class RoiAlign(_RoiLayer):
    """Mask R-CNN's ROI Align (Eqs. 4-7): the same call as ``RoiPooling``, bilinear and unquantized."""

    def __init__(self, output_size=(7, 7), spatial_scale: float = 1 / 8, sampling_ratio: int = 2, **kwargs):
        super().__init__(output_size, spatial_scale, **kwargs)
        self.sampling_ratio = check_positive_int("sampling_ratio", sampling_ratio)

    def call(self, feature_map, rois):
        return roi_align(feature_map, rois, self.output_size, self.spatial_scale, self.sampling_ratio)

    def get_config(self):
        return {**super().get_config(), "sampling_ratio": self.sampling_ratio}
