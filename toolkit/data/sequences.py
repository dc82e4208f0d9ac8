"""Numeric sequence tasks for recurrent networks: forecasting a sine, the adding problem, copy memory.

The three tasks are the chapter's three shapes of an RNN (one input and one output per step,
many inputs to one output, and an output that must wait for a long-gone input). Each draws all
N sequences from `seed`, then splits them with `shuffled_split`. T is the sequence length,
t = 0 .. T-1 the step, U(a, b) a uniform draw, N(0, σ²) a normal draw.

sine: many-to-many next-step forecasting, regression. Series i has a frequency f_i (cycles per
step), a phase φ_i and an amplitude a_i; x is the noisy series, y the clean value one step later:

    s_i(t) = a_i sin(2π f_i t + φ_i),   f ~ U(1/50, 1/12.5),  φ ~ U(0, 2π),  a ~ U(0.5, 1.5)   (1)
    x[i, t] = s_i(t) + ε,  ε ~ N(0, noise²);       y[i, t] = s_i(t + 1)                          (2)

so a 50-step window holds 1 to 4 periods. `sine_continuation` evaluates Eq. 1 at any steps,
which is what a generated continuation (one-to-many from a seed window) is compared with.

adding: many-to-one, regression (Hochreiter & Schmidhuber 1997, experiment 4; the version of
Le, Jaitly & Hinton 2015). Channel 0 holds values, channel 1 marks exactly two of them, one in
each half of the sequence; the target is their sum:

    v_t ~ U(0, 1);  p ~ U{0 .. ⌊T/2⌋-1},  q ~ U{⌊T/2⌋ .. T-1};  m_t = [t = p] + [t = q]        (3)
    y = v_p + v_q                                                                              (4)

The first marker lies T - p steps before the end: the dependency the network must bridge.
Baselines: the constant prediction ŷ = 1 = E[y] has MSE = Var(v_p) + Var(v_q) = 2/12 = 1/6
≈ 0.167 (`ADDING_CONSTANT_MSE`). The task counts as solved when |ŷ - y| < 0.04
(`adding_accuracy`); y is triangular on [0, 2] with its peak at 1, so the constant 1 is within
ε of y with probability

    P(|y - 1| < ε) = 1 - (1 - ε)² = 2ε - ε²     (= 0.0784 for ε = 0.04; `adding_chance_accuracy`) (5)

copy: many-to-many, classification per step (Arjovsky, Shah & Bengio 2016, copying memory;
Hochreiter & Schmidhuber 1997 first posed it). Tokens: 0 is blank, 1..K are the message
symbols (K = `symbols`), K+1 is the delimiter "go". With L = `copy_length` and D = `delay`:

    x = (s_1 .. s_L, 0 × (D-1), K+1, 0 × L),   s_j ~ U{1 .. K}                                (6)
    y = (0 × (L+D), s_1 .. s_L),               T = D + 2L                                     (7)

The message must be held for D steps of blanks and written out after the delimiter. A
memoryless model predicts blank for the first L + D steps and the uniform distribution over the
K symbols for the last L; its mean cross-entropy per step is

    H_baseline = L ln K / T                       (= 10 ln 8 / (D + 20) in Arjovsky et al.)   (8)

and `copy_accuracy` scores only the L copied steps (chance 1/K), since blanks are free.

| symbol | variable (attrs key)            |   | symbol | variable            |
| f, φ, a | frequency, phase, amplitude    |   | K      | symbols             |
| p, q   | first, second (marker steps)    |   | L, D   | copy_length, delay  |
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from toolkit.validation import check_float, check_int, check_seed
from toolkit.data.dataset import Dataset, shuffled_split

FREQUENCY_RANGE = (1 / 50, 1 / 12.5)  # cycles per step: 1 to 4 periods in 50 steps (Eq. 1)
PHASE_RANGE = (0.0, 2 * np.pi)
AMPLITUDE_RANGE = (0.5, 1.5)
SOLVED_TOLERANCE = 0.04  # |ŷ - y| below which an adding-problem answer counts as right
ADDING_CONSTANT_MSE = 1 / 6  # MSE of the constant prediction ŷ = 1: Var(v_p) + Var(v_q) = 2 · 1/12

DESCRIPTIONS = {
    "sine": "Noisy sine waves of random frequency, phase and amplitude; predict the clean value one step ahead (many-to-many).",
    "adding": "The adding problem: sum the two values marked in a long sequence, one marker in each half (many-to-one).",
    "copy": "Copy memory: remember a short message through a long run of blanks and write it after the 'go' mark (many-to-many).",
}


def split_dataset(name: str, x: np.ndarray, y: np.ndarray, attrs: dict, *, task: str, classes: tuple,
                  spec: dict, test_ratio: float, rng: np.random.Generator) -> Dataset:
    """A `Dataset` of one task from all N sequences, split uniformly (`shuffled_split`)."""
    train, test = shuffled_split(len(x), test_ratio, rng)
    return Dataset.from_indices(name, x, y, train, test, attrs=attrs, task=task, classes=classes,
                                description=DESCRIPTIONS[name], spec=spec)


def check_common(n: int, test_ratio: float, seed: int) -> tuple[int, float, int]:
    """The arguments every sequence builder shares."""
    n = check_int("n", n, 10, 100_000)
    test_ratio = check_float("test_ratio", test_ratio, 0.0, 1.0, open_low=True, open_high=True)
    return n, test_ratio, check_seed(seed)


def sine_continuation(attrs: Mapping, start: int, steps: int) -> np.ndarray:
    """Clean values s(start) .. s(start + steps - 1) of Eq. 1, float32.

    `attrs` holds "frequency", "phase" and "amplitude": scalars for one series, giving (steps,),
    or arrays of shape (N,) such as `ds.attrs_test`, giving (N, steps). y[i, t] is s_i(t + 1), so
    the values after a window of T steps (and after its last target) start at `start = T + 1`.
    """
    start = check_int("start", start, 0)
    steps = check_int("steps", steps, 1, 100_000)
    missing = {"frequency", "phase", "amplitude"} - set(attrs)
    if missing:
        raise ValueError(f"`attrs` must hold 'frequency', 'phase' and 'amplitude', received keys {sorted(attrs)}.")
    t = np.arange(start, start + steps, dtype=np.float64)
    frequency, phase, amplitude = (np.asarray(attrs[key], np.float64)[..., None] for key in ("frequency", "phase", "amplitude"))
    # Eq. 1: s(t) = a sin(2π f t + φ)
    return (amplitude * np.sin(2 * np.pi * frequency * t + phase)).astype(np.float32)


def sine_waves(n: int = 1000, length: int = 50, noise: float = 0.1, test_ratio: float = 0.2, seed: int = 0) -> Dataset:
    """Next-step forecasting of noisy sines (Eqs. 1-2): x (N, T, 1) noisy, y (N, T, 1) clean s(t + 1).

    `noise` is the standard deviation of the Gaussian noise, in the units of the amplitude
    (0.5 to 1.5). attrs hold each series' "frequency" (cycles per step), "phase" and "amplitude".
    """
    n, test_ratio, seed = check_common(n, test_ratio, seed)
    length = check_int("length", length, 5, 1000)
    noise = check_float("noise", noise, 0.0, 1.0)
    rng = np.random.default_rng(seed)
    attrs = {
        "frequency": rng.uniform(*FREQUENCY_RANGE, n),
        "phase": rng.uniform(*PHASE_RANGE, n),
        "amplitude": rng.uniform(*AMPLITUDE_RANGE, n),
    }
    clean = sine_continuation(attrs, 0, length + 1)  # (N, T + 1): s(0) .. s(T)
    # Eq. 2: x = s(t) + ε, y = s(t + 1)
    x = clean[:, :-1] + (noise * rng.standard_normal((n, length))).astype(np.float32)
    y = clean[:, 1:]
    spec = {"name": "sine", "n": n, "length": length, "noise": noise, "test_ratio": test_ratio, "seed": seed}
    attrs = {key: values.astype(np.float32) for key, values in attrs.items()}
    return split_dataset("sine", x[..., None], y[..., None], attrs, task="regression", classes=(),
                         spec=spec, test_ratio=test_ratio, rng=rng)


def adding_problem(n: int = 2000, length: int = 50, test_ratio: float = 0.2, seed: int = 0) -> Dataset:
    """The adding problem (Eqs. 3-4): x (N, T, 2) float32 values and markers, y (N,) float32 sum.

    attrs hold the marker steps "first" (p, in the first half) and "second" (q, in the second
    half), int32; T - first is the number of steps the first value must be remembered.
    """
    n, test_ratio, seed = check_common(n, test_ratio, seed)
    length = check_int("length", length, 4, 1000)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (n, length)).astype(np.float32)
    half = length // 2
    # Eq. 3: one marker in each half
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    rows = np.arange(n)
    markers = np.zeros((n, length), np.float32)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    # Eq. 4: y = v_p + v_q
    y = values[rows, first] + values[rows, second]
    x = np.stack([values, markers], axis=-1)  # (N, T, 2)
    attrs = {"first": first.astype(np.int32), "second": second.astype(np.int32)}
    spec = {"name": "adding", "n": n, "length": length, "test_ratio": test_ratio, "seed": seed}
    return split_dataset("adding", x, y.astype(np.float32), attrs, task="regression", classes=(),
                         spec=spec, test_ratio=test_ratio, rng=rng)


def adding_accuracy(y_true, y_pred, tolerance: float = SOLVED_TOLERANCE) -> float:
    """Share of answers with |ŷ - y| < tolerance, the adding problem's "solved" criterion."""
    tolerance = check_float("tolerance", tolerance, 0.0, None, open_low=True)
    y_true = np.asarray(y_true, np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, np.float64).reshape(-1)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"`y_pred` must hold one answer per target, received {y_pred.size} answers for {y_true.size} targets.")
    return float(np.mean(np.abs(y_pred - y_true) < tolerance))


def adding_chance_accuracy(tolerance: float = SOLVED_TOLERANCE) -> float:
    """Eq. 5: `adding_accuracy` of the constant prediction 1, 2ε - ε² (1 for ε ≥ 1)."""
    tolerance = check_float("tolerance", tolerance, 0.0, None, open_low=True)
    epsilon = min(tolerance, 1.0)
    return 2 * epsilon - epsilon**2


def copy_classes(symbols: int) -> tuple[str, ...]:
    """Token names: "blank" (0), the symbols "1" .. "K", then "go" (K + 1)."""
    return ("blank", *(str(k) for k in range(1, symbols + 1)), "go")


def copy_memory(n: int = 2000, delay: int = 20, copy_length: int = 5, symbols: int = 8,
                test_ratio: float = 0.2, seed: int = 0) -> Dataset:
    """Copy memory (Eqs. 6-7): x and y (N, T) int32 token ids, T = delay + 2 · copy_length.

    Classes are the K + 2 tokens of `copy_classes(symbols)`; y is a class id at every step.
    """
    n, test_ratio, seed = check_common(n, test_ratio, seed)
    delay = check_int("delay", delay, 1, 1000)
    copy_length = check_int("copy_length", copy_length, 1, 100)
    symbols = check_int("symbols", symbols, 2, 100)
    rng = np.random.default_rng(seed)
    length = delay + 2 * copy_length
    message = rng.integers(1, symbols + 1, (n, copy_length)).astype(np.int32)
    # Eq. 6: message, D - 1 blanks, go, L blanks
    x = np.zeros((n, length), np.int32)
    x[:, :copy_length] = message
    x[:, copy_length + delay - 1] = symbols + 1
    # Eq. 7: L + D blanks, then the message
    y = np.zeros((n, length), np.int32)
    y[:, -copy_length:] = message
    spec = {"name": "copy", "n": n, "delay": delay, "copy_length": copy_length, "symbols": symbols,
            "test_ratio": test_ratio, "seed": seed}
    return split_dataset("copy", x, y, {}, task="classification", classes=copy_classes(symbols),
                         spec=spec, test_ratio=test_ratio, rng=rng)


def copy_baseline_loss(delay: int = 20, copy_length: int = 5, symbols: int = 8) -> float:
    """Eq. 8: mean cross-entropy per step of the memoryless model, L ln K / (D + 2L)."""
    delay = check_int("delay", delay, 1, 1000)
    copy_length = check_int("copy_length", copy_length, 1, 100)
    symbols = check_int("symbols", symbols, 2, 100)
    return copy_length * float(np.log(symbols)) / (delay + 2 * copy_length)


def copy_accuracy(y_true, y_pred) -> float:
    """Accuracy on the copied steps only (where y_true is a symbol, not blank).

    `y_pred` is token ids shaped like `y_true` (N, T), or scores (N, T, classes) whose argmax
    is taken (probabilities or logits).
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == y_true.ndim + 1:
        y_pred = y_pred.argmax(axis=-1)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"`y_pred` must have the shape of y_true {y_true.shape} (ids) or {y_true.shape} + (classes,) "
                         f"(scores), received shape {np.asarray(y_pred).shape}.")
    copied = y_true != 0
    if not copied.any():
        raise ValueError("`y_true` holds no copied step (every target is blank); pass copy-memory targets.")
    return float(np.mean(y_pred[copied] == y_true[copied]))
