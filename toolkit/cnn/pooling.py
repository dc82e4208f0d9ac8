"""Spatial pooling from scratch with NumPy loops: max and average over a sliding window.

Pooling shrinks a feature map by summarising each window of K × K values with one number,
so later layers see a smaller map (fewer parameters and operations) that moves less when
the input shifts by a pixel:

    (1) max pooling       Y(i, j, c) = max_{m, n} X(i·S + m, j·S + n, c)
    (2) average pooling   Y(i, j, c) = (1 / |W_ij|) Σ_{m, n} X(i·S + m, j·S + n, c)

The window moves by the stride S (by default S = K, windows that do not overlap), and the
output size follows the convolution formula (``arithmetic.conv_output_size``). With
padding "same" the padded cells are ignored, as in ``keras.layers.MaxPooling2D`` and
``keras.layers.AveragePooling2D``: a max never picks them and an average divides by the
number |W_ij| of real cells in its window. The fast layers in ``layers`` are tested against
these loops and against Keras. Pure NumPy: importing this module does not load TensorFlow.
"""

from __future__ import annotations

import numpy as np

from toolkit.cnn.arithmetic import PADDING_MODES, conv_output_size, padding_amounts
from toolkit.validation import check_choice

POOL_MODES = ("max", "average")
POOL_PADDING_HINT = "Pooling pads with 'same' or not at all ('valid'), never by a number of zeros."


def pool2d(x, pool_size: int = 2, strides: int | None = None, padding="valid", mode: str = "max") -> np.ndarray:
    """Eq. 1 (``mode="max"``) or Eq. 2 (``mode="average"``) on (H, W), (H, W, C) or (B, H, W, C).

    Args:
        x: the feature map(s).
        pool_size: window side K.
        strides: step S between windows; None means S = K.
        padding: "valid" (windows inside the map) or "same" (output ⌈N / S⌉).
    Returns the pooled map(s) with the same number of dimensions as `x`.
    """
    check_choice("mode", mode, POOL_MODES)
    padding = check_choice("padding", padding, PADDING_MODES, hint=POOL_PADDING_HINT)
    x = np.asarray(x, np.float64)
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"`x` must be (H, W), (H, W, C) or (B, H, W, C), received shape {x.shape}.")
    batch = x if x.ndim == 4 else _as_batch(x)
    pooled = _pool(batch, pool_size, pool_size if strides is None else strides, padding, mode)
    return pooled if x.ndim == 4 else pooled[0] if x.ndim == 3 else pooled[0, ..., 0]


def _as_batch(x: np.ndarray) -> np.ndarray:
    """(H, W) -> (1, H, W, 1); (H, W, C) -> (1, H, W, C)."""
    return x[None, ..., None] if x.ndim == 2 else x[None]


def _pool(x: np.ndarray, k: int, s: int, padding: str, mode: str) -> np.ndarray:
    rows, cols = (conv_output_size(n, k, padding, s) for n in x.shape[1:3])
    (top, _), (left, _) = (padding_amounts(n, k, padding, s) for n in x.shape[1:3])
    out = np.zeros((x.shape[0], rows, cols, x.shape[3]))
    for i in range(rows):
        for j in range(cols):
            r0, c0 = i * s - top, j * s - left  # window start in unpadded coordinates
            window = x[:, max(r0, 0):r0 + k, max(c0, 0):c0 + k, :]  # only real cells (|W_ij| of them)
            # Eq. 1 or Eq. 2 over the window's rows and columns
            out[:, i, j, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out
