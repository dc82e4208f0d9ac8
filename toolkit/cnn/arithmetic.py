"""Convolution arithmetic: how big the output of a convolution (or pooling) layer is.

A kernel of K taps spaced D pixels apart (dilation D) covers an effective window of
D(K − 1) + 1 pixels. Sliding it S pixels at a time (stride S) over an input of N pixels
padded with P zeros on each side gives the notes' formula, extended to dilation:

    (1) K_eff = D (K − 1) + 1                                   effective kernel size
    (2) O = ⌊(N − K_eff + 2P) / S⌋ + 1                          explicit padding P
    (3) O = ⌊(N − K_eff) / S⌋ + 1                               padding "valid" (P = 0)
    (4) O = ⌈N / S⌉                                             padding "same"
    (5) P_total = max((O − 1) S + K_eff − N, 0),  P_before = ⌊P_total / 2⌋

With D = 1, Eq. 2 is the notes' out_size = (N − K + 2P)/S + 1. "same" pads just enough
that every output position has a full window (Eq. 5), putting the odd pixel at the end, as
TensorFlow and ``keras.layers.Conv2D`` do; with S = 1 the output keeps the input's size.

Symbols -> arguments: N = ``n``, K = ``k``, P = ``p``, S = ``s``, D = ``d``.
Pure Python: importing this module does not load TensorFlow.
"""

from __future__ import annotations

import math
import numbers

from toolkit.validation import check_positive_int

PADDING_MODES = ("valid", "same")


MEANINGS = {"n": "It is the input size N.", "k": "It is the kernel size K.", "s": "It is the stride S.",
            "d": "It is the dilation D."}


def check_padding(p):
    """`p` as "valid", "same" or a non-negative int; raises ValueError with one sentence."""
    if isinstance(p, str):
        if p.lower() not in PADDING_MODES:
            raise ValueError(f"`padding` must be 'valid', 'same' or a non-negative integer, received padding={p!r}.")
        return p.lower()
    if isinstance(p, bool) or not isinstance(p, numbers.Integral) or p < 0:
        raise ValueError(f"`padding` must be 'valid', 'same' or a non-negative integer "
                         f"(zeros added on each side), received padding={p!r}.")
    return int(p)


def effective_kernel_size(k: int, d: int = 1) -> int:
    """Eq. 1: the window a kernel of `k` taps with dilation `d` spans."""
    k = check_positive_int("k", k, hint=MEANINGS["k"])
    d = check_positive_int("d", d, hint=MEANINGS["d"])
    return d * (k - 1) + 1


def padding_amounts(n: int, k: int, p=0, s: int = 1, d: int = 1) -> tuple[int, int]:
    """Zeros added (before, after) along one axis for padding `p` (Eq. 5 for "same")."""
    p = check_padding(p)
    if p == "valid":
        return 0, 0
    if p == "same":
        n, s = check_positive_int("n", n, hint=MEANINGS["n"]), check_positive_int("s", s, hint=MEANINGS["s"])
        out = math.ceil(n / s)
        total = max((out - 1) * s + effective_kernel_size(k, d) - n, 0)  # Eq. 5
        return total // 2, total - total // 2
    return p, p


def conv_output_size(n: int, k: int, p=0, s: int = 1, d: int = 1) -> int:
    """Output size of a convolution along one axis (Eqs. 2-4).

    Args:
        n: input size N (pixels), >= 1.
        k: kernel size K (taps), >= 1.
        p: padding P: zeros on each side (int >= 0), or "valid" (P = 0) or "same".
        s: stride S, >= 1.
        d: dilation D, >= 1 (1 = an ordinary kernel).

    Raises ValueError, in one sentence, when an argument is out of range or the
    (dilated) kernel does not fit in the padded input.

    >>> conv_output_size(28, 5)            # LeNet-5's first layer without padding
    24
    >>> conv_output_size(28, 3, p="same", s=2)
    14
    """
    n = check_positive_int("n", n, hint=MEANINGS["n"])
    k_eff = effective_kernel_size(k, d)
    s = check_positive_int("s", s, hint=MEANINGS["s"])
    p = check_padding(p)
    if p == "same":
        return math.ceil(n / s)  # Eq. 4
    pad = 0 if p == "valid" else p
    if k_eff > n + 2 * pad:
        raise ValueError(kernel_too_large_message(n, k, pad, d))
    return (n - k_eff + 2 * pad) // s + 1  # Eq. 2 (Eq. 3 when pad = 0)


def kernel_too_large_message(n: int, k: int, p: int, d: int) -> str:
    """The sentence shown when the kernel window is wider than the padded input."""
    k_eff = d * (k - 1) + 1
    window = f"size {k}" if d == 1 else f"size {k} with dilation {d}, spanning {k_eff} pixels"
    return (f"The kernel ({window}) is larger than the padded input (N + 2P = {n} + 2·{p} = {n + 2 * p}); "
            "use a smaller kernel or dilation, more padding, or padding='same'.")


def output_shape(input_shape, kernel_size, filters: int, padding="valid", strides=1, dilation_rate=1):
    """(H_out, W_out, filters) of a 2-D convolution on an (H, W, C) input, as ``keras.layers.Conv2D``."""
    (kh, kw), (sh, sw), (dh, dw) = (_pair(v) for v in (kernel_size, strides, dilation_rate))
    height, width = input_shape[0], input_shape[1]
    return (conv_output_size(height, kh, padding, sh, dh),
            conv_output_size(width, kw, padding, sw, dw), int(filters))


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, numbers.Integral) else tuple(value)


def output_size_latex(n: int, k: int, p=0, s: int = 1, d: int = 1) -> str:
    """Eq. 2 (or Eq. 4) with the numbers filled in, as a LaTeX string; raises like `conv_output_size`."""
    out = conv_output_size(n, k, p, s, d)
    p = check_padding(p)
    if p == "same":
        before, after = padding_amounts(n, k, p, s, d)
        return (rf"O = \left\lceil \frac{{N}}{{S}} \right\rceil = \left\lceil \frac{{{n}}}{{{s}}} \right\rceil"
                rf" = {out} \quad (\text{{'same' pads }} {before} \text{{ before and }} {after} \text{{ after}})")
    pad = 0 if p == "valid" else p
    k_term = f"{k}" if d == 1 else f"{d}({k} - 1) + 1"
    general = r"\frac{N - K + 2P}{S}" if d == 1 else r"\frac{N - [D(K - 1) + 1] + 2P}{S}"
    return (rf"O = \left\lfloor {general} \right\rfloor + 1 = "
            rf"\left\lfloor \frac{{{n} - {k_term} + 2 \cdot {pad}}}{{{s}}} \right\rfloor + 1 = {out}")
