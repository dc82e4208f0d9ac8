"""Chapter 6 benchmarks: the vanishing gradient in numbers, and the from-scratch cells against Keras.

Three markdown tables, with the core count and the load average (the machine may be shared):

1. Adding-problem accuracy (|ŷ − y| < 0.04; chance 0.078) against sequence length T for the
   vanilla RNN, the LSTM and the GRU, each trained at the Recurrent networks page's defaults
   (4,000 sequences, 12 epochs, 32 units, Adam 1e-2, seed 0) but for T; with the trained
   network's log₁₀ ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖.
2. Training speed of ``toolkit.rnn.LSTMCell`` (and the GRU and vanilla cells) in
   ``keras.layers.RNN`` against ``keras.layers.LSTMCell`` in the same RNN and against the fused
   ``keras.layers.LSTM`` layer: one epoch of the adding problem (T = 40, batch 64) through
   ``toolkit.train.fit``, the median of several epochs after tracing.
3. Truncated BPTT against full BPTT on copy memory (the page's "truncation" lesson): backprop
   steps per sequence, seconds per epoch, copied-symbol accuracy; then seconds per epoch of a
   larger network (T = 100, 128 units), where the saved backward work shows in the wall time.

Timings are never asserted. Run from the repository root:

    python benchmarks/recurrent.py                 # all three tables (a few minutes on 2 cores)
    python benchmarks/recurrent.py --speed-only
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.host import machine  # noqa: E402
from toolkit.data.sequences import adding_problem  # noqa: E402
from toolkit.rnn.cells import make_cell  # noqa: E402
from toolkit.rnn.gradients import gradient_ratio  # noqa: E402
from toolkit.rnn.lab import PRESETS, CELL_TITLES, RecurrentConfig, run_recurrent  # noqa: E402
from toolkit.train import fit  # noqa: E402

LENGTHS = (12, 20, 40, 60)
SPEED_EPOCHS = 5


def accuracy_against_length(lengths) -> None:
    print("\n### 1. Adding problem: held-out accuracy (and log₁₀ gradient ratio) against T\n")
    print("| T | " + " | ".join(CELL_TITLES.values()) + " | seconds |")
    print("|---:|" + "---:|" * (len(CELL_TITLES) + 1))
    for length in lengths:
        start = time.perf_counter()
        result = run_recurrent(RecurrentConfig(length=length, k1=length, k2=min(10, length)))
        cells = []
        for name, run in result.runs.items():
            ratio = np.log10(max(gradient_ratio(result.gradients[name]), 1e-30))
            cells.append(f"{run.history['val_accuracy'][-1]:.3f} ({ratio:+.1f})")
        print(f"| {length} | " + " | ".join(cells) + f" | {time.perf_counter() - start:.0f} |", flush=True)


def epoch_seconds(build, data) -> float:
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(keras.optimizers.Adam(0.01), "mse")
    fit(model, data.x_train, data.y_train, epochs=1, batch_size=64)  # traces
    times = []
    for _ in range(SPEED_EPOCHS):
        start = time.perf_counter()
        fit(model, data.x_train, data.y_train, epochs=1, batch_size=64)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def speed() -> None:
    data = adding_problem(n=4000, length=40, seed=0)
    shape = data.x_train.shape[1:]

    def in_rnn(cell):
        return lambda: keras.Sequential([keras.Input(shape), keras.layers.RNN(cell()), keras.layers.Dense(1)])

    rows = {}
    for kind in ("lstm", "gru", "vanilla"):
        rows[f"toolkit {CELL_TITLES[kind]} cell in keras.layers.RNN"] = in_rnn(lambda kind=kind: make_cell(kind, 32))
        rows[f"keras {CELL_TITLES[kind]} cell in keras.layers.RNN"] = in_rnn(
            lambda kind=kind: make_cell(kind, 32, builtin=True))
    rows["keras.layers.LSTM (fused layer)"] = lambda: keras.Sequential(
        [keras.Input(shape), keras.layers.LSTM(32), keras.layers.Dense(1)])
    print(f"\n### 2. Seconds per epoch, adding problem T = 40, 3,200 sequences, batch 64 "
          f"(median of {SPEED_EPOCHS} epochs)\n")
    print("| network | s / epoch | ratio to keras.layers.LSTM |")
    print("|---|---:|---:|")
    seconds = {name: epoch_seconds(build, data) for name, build in rows.items()}
    reference = seconds["keras.layers.LSTM (fused layer)"]
    for name, value in seconds.items():
        print(f"| {name} | {value:.3f} | {value / reference:.2f} |", flush=True)


def truncation() -> None:
    lesson = next(p for p in PRESETS if p.name == "truncation")
    result = run_recurrent(RecurrentConfig(**lesson.values))
    print(f"\n### 3. {lesson.title} (copy memory, T = 20, LSTM, 20 epochs)\n")
    print("| network | backprop steps per sequence | s / epoch | copied-symbol accuracy |")
    print("|---|---:|---:|---:|")
    for row in result.table():
        print(f"| {row['Network']} | {row['Backprop steps per sequence']} | {row['s per epoch']:.2f} | "
              f"{row['Held-out accuracy']:.3f} |")
    larger = RecurrentConfig(**{**lesson.values, "length": 100, "units": 128, "n": 2000, "k1": 100, "k2": 10,
                                "epochs": 3})
    result = run_recurrent(larger)
    print("\nThe same at T = 100, 128 units, 2,000 sequences, 3 epochs (k₁ = 100, k₂ = 10; speed only):\n")
    print("| network | backprop steps per sequence | s / epoch |")
    print("|---|---:|---:|")
    for row in result.table():
        print(f"| {row['Network']} | {row['Backprop steps per sequence']} | {row['s per epoch']:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-only", action="store_true", help="table 2 only")
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS))
    args = parser.parse_args()
    print(f"Recurrent networks benchmark on {machine()}")
    if not args.speed_only:
        accuracy_against_length(args.lengths)
    speed()
    if not args.speed_only:
        truncation()


if __name__ == "__main__":
    main()
