"""Convolution from scratch with NumPy loops: the notes' formula, and what deep learning calls convolution.

The notes define the (discrete, 2-D) convolution of an input I with a kernel K as

    (1) S(i, j) = Σ_m Σ_n I(m, n) K(i − m, j − n)                  convolution (kernel flipped)

Deep-learning libraries, ``keras.layers.Conv2D`` included, compute the cross-correlation
instead: the kernel is NOT flipped, it slides over the input as it is,

    (2) S(i, j) = Σ_m Σ_n I(i·S + m·D, j·S + n·D) K(m, n)          cross-correlation

with stride S and dilation D on the zero-padded input. Both are the same operation up to
a 180° rotation of the kernel, conv(I, K) = xcorr(I, flip(K)), and since K is learned the
network simply learns the flipped kernel, so nothing is lost by skipping the flip. A
convolutional layer applies Eq. 2 with a bank of kernels K of shape (K_h, K_w, C, F):
every output channel f sums over all input channels c and adds a bias,

    (3) Y(b, i, j, f) = Σ_m Σ_n Σ_c X(b, i·S + m·D, j·S + n·D, c) K(m, n, c, f) + bias(f)

These loops are the reference the fast layer (``layers.Conv2D``, by im2col) is tested against; they
are slow by design. Symbols -> arguments: I = ``image``, K = ``kernel``, S = ``stride``,
D = ``dilation``, P = ``padding``. Pure NumPy: importing this module does not load TensorFlow.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toolkit.cnn.arithmetic import check_padding, conv_output_size, padding_amounts
from toolkit.config import Config, setting
from toolkit.validation import check_choice, check_int, check_positive_int

# Classic hand-made 3x3 kernels, applied by cross-correlation (Eq. 2) as a CNN would.
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "edge (Laplacian)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "vertical edges (Sobel x)": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "horizontal edges (Sobel y)": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur (box)": [[1 / 9] * 3] * 3,
    "blur (Gaussian)": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}


def classic_kernel(name: str) -> np.ndarray:
    """One of ``KERNELS`` as a (3, 3) float array."""
    return np.array(KERNELS[check_choice("name", name, tuple(KERNELS))], dtype=np.float64)


def _matrix(name: str, value) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"`{name}` must be a non-empty 2-D array (H, W), received shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"`{name}` must hold finite numbers, received NaN or inf.")
    return array


def convolve2d(image, kernel, mode: str = "full") -> np.ndarray:
    """Eq. 1 with loops, the flipped-kernel convolution of the notes; mirrors ``scipy.signal.convolve2d``.

    `mode` "full" returns every (i, j) where the kernel overlaps the image,
    (H + K_h − 1, W + K_w − 1); "valid" only those where it lies fully inside,
    (H − K_h + 1, W − K_w + 1).
    """
    check_choice("mode", mode, ("full", "valid"))
    image, kernel = _matrix("image", image), _matrix("kernel", kernel)
    (height, width), (kh, kw) = image.shape, kernel.shape
    full = np.zeros((height + kh - 1, width + kw - 1))
    for i in range(full.shape[0]):
        for j in range(full.shape[1]):
            for m in range(max(0, i - kh + 1), min(height, i + 1)):
                for n in range(max(0, j - kw + 1), min(width, j + 1)):
                    # Eq. 1: S(i, j) += I(m, n) K(i - m, j - n)
                    full[i, j] += image[m, n] * kernel[i - m, j - n]
    if mode == "full":
        return full
    if kh > height or kw > width:
        raise ValueError(f"`kernel` {kernel.shape} is larger than `image` {image.shape}; "
                         "use mode='full' or a smaller kernel.")
    return full[kh - 1:height, kw - 1:width]


def pad_image(image: np.ndarray, kernel_shape, padding, stride: int, dilation: int) -> np.ndarray:
    """`image` (H, W, ...) with the zeros that `padding` asks for (Eq. 5 of ``arithmetic`` for "same")."""
    pads = [padding_amounts(size, k, padding, stride, dilation) for size, k in zip(image.shape[:2], kernel_shape)]
    return np.pad(image, pads + [(0, 0)] * (image.ndim - 2))


def cross_correlate2d(image, kernel, stride: int = 1, padding=0, dilation: int = 1) -> np.ndarray:
    """Eq. 2 with loops: the "convolution" of deep learning, kernel not flipped.

    With stride 1, dilation 1 and padding "valid" it equals
    ``scipy.signal.correlate2d(image, kernel, mode="valid")``, and ``convolve2d(image,
    kernel, "valid")`` equals ``cross_correlate2d(image, kernel[::-1, ::-1])``.
    """
    image, kernel = _matrix("image", image), _matrix("kernel", kernel)
    padding = check_padding(padding)
    rows, cols = (conv_output_size(n, k, padding, stride, dilation) for n, k in zip(image.shape, kernel.shape))
    padded = pad_image(image, kernel.shape, padding, stride, dilation)
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            for m in range(kernel.shape[0]):
                for n in range(kernel.shape[1]):
                    # Eq. 2: S(i, j) += I(i·S + m·D, j·S + n·D) K(m, n)
                    out[i, j] += padded[i * stride + m * dilation, j * stride + n * dilation] * kernel[m, n]
    return out


def conv2d_loop(x, kernel, bias=None, strides: int = 1, padding="valid", dilation_rate: int = 1) -> np.ndarray:
    """Eq. 3 with loops over output positions and kernel taps: a ``keras.layers.Conv2D`` forward pass.

    Args:
        x: (B, H, W, C) inputs.
        kernel: (K_h, K_w, C, F) weights, the layout of ``keras.layers.Conv2D.kernel``.
        bias: optional (F,) bias.
        strides, padding, dilation_rate: S, P ("valid", "same" or zeros per side) and D.
    Returns (B, H_out, W_out, F) float64.
    """
    x, kernel = np.asarray(x, np.float64), np.asarray(kernel, np.float64)
    if x.ndim != 4 or kernel.ndim != 4 or x.shape[-1] != kernel.shape[2]:
        raise ValueError(f"`x` must be (B, H, W, C) and `kernel` (K_h, K_w, C, F) with the same C, "
                         f"received shapes {x.shape} and {kernel.shape}.")
    kh, kw, _, filters = kernel.shape
    rows = conv_output_size(x.shape[1], kh, padding, strides, dilation_rate)
    cols = conv_output_size(x.shape[2], kw, padding, strides, dilation_rate)
    padded = np.stack([pad_image(sample, (kh, kw), padding, strides, dilation_rate) for sample in x])
    out = np.zeros((x.shape[0], rows, cols, filters))
    for i in range(rows):
        for j in range(cols):
            for m in range(kh):
                for n in range(kw):
                    # Eq. 3: (B, C) @ (C, F), summed over the taps (m, n)
                    tap = padded[:, i * strides + m * dilation_rate, j * strides + n * dilation_rate, :]
                    out[:, i, j, :] += tap @ kernel[m, n]
    return out if bias is None else out + np.asarray(bias, np.float64)


def apply_kernel(image, kernel, padding="same") -> np.ndarray:
    """A (H, W) or (H, W, 1) image cross-correlated with a 2-D kernel (Eq. 2), as a CNN's first layer would."""
    image = np.asarray(image, np.float64)
    image = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
    return cross_correlate2d(image, kernel, padding=padding)


@dataclasses.dataclass(frozen=True)
class ConvolutionTrace:
    """Every step of Eq. 2 on one small image, for the sliding-kernel animation.

    Attributes:
        padded: (H_p, W_p) the zero-padded input the kernel slides over.
        kernel: (K_h, K_w) the kernel as applied (flipped when ``flipped``).
        output: (H_out, W_out) the result.
        rows, cols: (steps, K_h) and (steps, K_w) padded-input rows / columns each tap reads.
        products: (steps, K_h, K_w) the products I · K summed at each step.
        padding: (top, left) zeros added before the image.
        flipped: True when the kernel was flipped (true convolution, Eq. 1).
        image_shape: (H, W) of the image before padding.
    """

    padded: np.ndarray
    kernel: np.ndarray
    output: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    products: np.ndarray
    padding: tuple[int, int]
    flipped: bool
    image_shape: tuple[int, int]

    @property
    def steps(self) -> int:
        return len(self.products)

    def position(self, step: int) -> tuple[int, int]:
        """Output cell (i, j) computed at `step` (row-major order)."""
        return divmod(step, self.output.shape[1])


def convolution_steps(image, kernel, stride: int = 1, padding=0, dilation: int = 1,
                      flip: bool = False) -> ConvolutionTrace:
    """Eq. 2 (Eq. 1 with ``flip=True``) step by step: which cells each output reads and their products."""
    image, kernel = _matrix("image", image), _matrix("kernel", kernel)
    applied = kernel[::-1, ::-1] if flip else kernel  # Eq. 1 = Eq. 2 with the kernel rotated 180°
    output = cross_correlate2d(image, applied, stride, padding, dilation)
    padded = pad_image(image, kernel.shape, check_padding(padding), stride, dilation)
    i, j = np.divmod(np.arange(output.size), output.shape[1])
    rows = i[:, None] * stride + np.arange(kernel.shape[0]) * dilation  # (steps, K_h)
    cols = j[:, None] * stride + np.arange(kernel.shape[1]) * dilation  # (steps, K_w)
    products = padded[rows[:, :, None], cols[:, None, :]] * applied  # (steps, K_h, K_w)
    top = padding_amounts(image.shape[0], kernel.shape[0], check_padding(padding), stride, dilation)[0]
    left = padding_amounts(image.shape[1], kernel.shape[1], check_padding(padding), stride, dilation)[0]
    return ConvolutionTrace(padded, applied, output, rows, cols, products, (top, left), bool(flip), image.shape)


# ---------------------------------------------------------------- small inputs for the animation
KERNEL_SHAPES = ("edge", "vertical edges", "blur", "sharpen", "identity", "random")


def kernel_of_size(name: str, k: int, seed: int = 0) -> np.ndarray:
    """A K × K kernel of a classic kind, any K (at K = 3 these are the 3×3 kernels of ``KERNELS``)."""
    check_choice("name", name, KERNEL_SHAPES)
    k = check_positive_int("k", k, hint="It is the kernel size K.")
    centre = np.zeros((k, k))
    centre[(k - 1) // 2, (k - 1) // 2] = 1.0
    if name == "identity":
        return centre
    if name == "blur":
        return np.full((k, k), 1.0 / k**2)
    if name == "edge":  # -1 around, K² − 1 in the middle: zero on flat regions
        return k**2 * centre - 1.0
    if name == "sharpen":  # −1 on the 4 neighbours of the centre, 1 + (their number) in the middle
        return _sharpen(k)
    if name == "vertical edges":  # right half minus left half
        return np.sign(np.arange(k) - (k - 1) / 2)[None, :].repeat(k, axis=0)
    return np.random.default_rng(seed).integers(-1, 2, size=(k, k)).astype(np.float64)


def sample_input(n: int, kind: str = "digit", seed: int = 0) -> np.ndarray:
    """An n × n input small enough to read every number: a handwritten digit (0-1, one decimal) or random 0-3."""
    n = check_int("n", n, 3, 16, hint="It is the input size N.")
    if check_choice("kind", kind, SAMPLE_KINDS) == "random":
        return np.random.default_rng(seed).integers(0, 4, size=(n, n)).astype(np.float64)
    from scipy.ndimage import zoom

    from toolkit.data.bundled_digits import load_digit_images

    images, _ = load_digit_images()
    digit = images[seed % len(images)].astype(np.float64)  # (8, 8) in [0, 1]
    return np.round(np.clip(zoom(digit, n / 8, order=1, grid_mode=True, mode="nearest"), 0, 1), 1)


def _sharpen(k: int) -> np.ndarray:
    """The classic cross-shaped sharpening kernel, fitted into K × K (flat regions stay flat)."""
    kernel = np.zeros((k, k))
    c = (k - 1) // 2
    neighbours = [(c + di, c + dj) for di, dj in ((-1, 0), (1, 0), (0, -1), (0, 1))
                  if 0 <= c + di < k and 0 <= c + dj < k]
    for i, j in neighbours:
        kernel[i, j] = -1.0
    kernel[c, c] = 1.0 + len(neighbours)
    return kernel


SAMPLE_KINDS = ("digit", "random")
PADDING_CHOICES = ("valid", "same", "1", "2", "3")


@dataclasses.dataclass(frozen=True)
class ConvolutionConfig(Config):
    """The Convolutions page's settings with their bounds (field names are its URL names)."""

    n: int = setting(7, lo=3, hi=12, label="Input size N", help="The input is N × N pixels.")
    input: str = setting("digit", choices=SAMPLE_KINDS, label="Input",
                         help="A handwritten 8×8 digit resized to N × N (values 0-1), or random integers 0-3.")
    k: int = setting(3, lo=1, hi=7, label="Kernel size K")
    kernel: str = setting("edge", choices=KERNEL_SHAPES, label="Kernel")
    padding: str = setting("1", choices=PADDING_CHOICES, label="Padding P",
                           help="'valid': no padding; 'same': as much as keeps N / S; a number: zeros on each side.")
    stride: int = setting(1, lo=1, hi=4, label="Stride S")
    dilation: int = setting(1, lo=1, hi=3, label="Dilation D", help="Gaps between the kernel's taps.",
                            formula=r"K_{\text{spanned}} = D(K - 1) + 1")
    flip: bool = setting(False, widget="toggle", label="Flip the kernel",
                         help="True convolution as the notes define it: the kernel rotated by 180°.",
                         formula=r"\begin{array}{l} \text{on: } S(i, j) = \textstyle\sum_m \sum_n I(m, n) K(i - m, j - n) \\"
                                 r" \text{off: } S(i, j) = \textstyle\sum_m \sum_n I(i + m, j + n) K(m, n) \end{array}")
    glyph: int = setting(0, lo=0, hi=79, widget="number", label="Glyph #")
    kernels: tuple = setting(("edge (Laplacian)", "vertical edges (Sobel x)", "horizontal edges (Sobel y)",
                              "blur (Gaussian)", "sharpen"), choices=tuple(KERNELS), label="Kernels")
    pool: int = setting(2, lo=2, hi=4, label="Pool size",
                        formula=r"\begin{array}{l} \max: y_{ij} = \max_{(m, n) \in W_{ij}} x_{mn} \\"
                                r" \text{average: } y_{ij} = \tfrac{1}{K^2} \textstyle\sum_{(m, n) \in W_{ij}} x_{mn} \end{array}")
    pool_padding: str = setting("valid", choices=("valid", "same"), label="Pooling padding")

    @property
    def padding_value(self):
        """`padding` as ``conv_output_size`` takes it: "valid", "same" or a number of zeros."""
        return self.padding if self.padding in ("valid", "same") else int(self.padding)
