"""Chapter 8 benchmarks: the transformer against RNN translators, TCNs, ViT against a CNN, our MHA.

Markdown tables, with the core count and the load average (the machine may be shared):

1. Dates (the Transformers page's translation defaults but for the models and epochs): greedy
   exact match on the held-out dates after each epoch, with the seconds of training so far.
2. The adding problem (the page's TCN defaults, T = 64): receptive field, held-out MSE and seconds
   of the dilated TCN, the same TCN without dilation and an LSTM.
3. Glyphs at an equal budget (the page's vision defaults with Swin too, over seeds 0-2; then four
   times the images, CNN and ViT, seed 0): held-out accuracy, parameters and seconds per run.
4. Multi-head attention, forward and backward (B = 64, T = S = 32, d_model = 64, 4 heads, one
   compiled tf.function each): ``toolkit.transformers.attention.MultiHeadAttention`` against
   ``keras.layers.MultiHeadAttention`` with the same weights, interleaved (target: ≤ 1.5×).

Timings are never asserted. Run from the repository root:

    python benchmarks/transformers.py               # all four tables (about 6 minutes on 2 cores)
    python benchmarks/transformers.py --tables 4
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks.host import machine  # noqa: E402
from benchmarks.sequence import ExactMatchEachEpoch  # noqa: E402
from toolkit.data import load  # noqa: E402
from toolkit.sequence import seq2seq  # noqa: E402
from toolkit.transformers import lab  # noqa: E402

DATES_EPOCHS = 4
DATES_MODELS = ("bahdanau", "convs2s", "transformer")
SEEDS = (0, 1, 2)
MHA_SHAPE = dict(batch=64, length=32, dim=64, heads=4)
MHA_REPEATS = 200


def dates_against_epochs() -> None:
    config = lab.TranslationConfig(models=DATES_MODELS, epochs=DATES_EPOCHS)
    data = load(**seq2seq.data_spec(config))
    print(f"\n### 1. Dates: held-out exact match (seconds of training) after each epoch, {config.n:,} dates\n")
    print("| model | parameters | " + " | ".join(f"epoch {e}" for e in range(1, DATES_EPOCHS + 1)) + " |")
    print("|---|---:|" + "---:|" * DATES_EPOCHS)
    for name in DATES_MODELS:
        monitor = ExactMatchEachEpoch(data)
        result = lab.run_translation(config.replace(models=(name,)), data, callbacks=[monitor])
        run = next(iter(result.runs.values()))
        cells = " | ".join(f"{score:.3f} ({seconds:.0f} s)" for score, seconds in monitor.scores)
        print(f"| {lab.MODEL_TITLES[name]} | {run.model.count_params():,} | {cells} |", flush=True)


def adding_problem() -> None:
    config = lab.TCNConfig(tcn_models=lab.TCN_MODELS)
    print(f"\n### 2. The adding problem, T = {config.tcn_length}, {config.tcn_n:,} sequences, "
          f"{config.tcn_epochs} epochs (guessing 1: MSE 0.167)\n")
    print("| network | parameters | receptive field | held-out MSE | held-out accuracy | training | s per epoch |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in lab.run_tcn(config).table():
        field = row["Receptive field R"] or "all T"  # the LSTM reads every step
        print(f"| {row['Network']} | {row['Parameters']:,} | {field} | {row['Held-out MSE']:.4f} | "
              f"{row['Held-out accuracy']:.3f} | {row['Training (s)']:.0f} s | {row['s per epoch']:.2f} |", flush=True)


def glyphs_equal_budget() -> None:
    small = lab.VisionConfig(vision_models=lab.VISION_MODELS)
    for config, seeds in ((small, SEEDS), (small.replace(vision_n=4 * small.vision_n, vision_models=("cnn", "vit")),
                                           SEEDS[:1])):
        print(f"\n### 3. Glyphs: {config.vision_n:,} images (80% to train), {config.vision_epochs} epochs each, "
              f"held-out accuracy over seeds {', '.join(map(str, seeds))}\n")
        print("| model | parameters | " + " | ".join(f"seed {s}" for s in seeds) + " | mean | s per run |")
        print("|---|---:|" + "---:|" * (len(seeds) + 2))
        scores, seconds, parameters = {}, {}, {}
        for seed in seeds:
            for row in lab.run_vision(config.replace(vision_seed=seed)).table:
                name = row["architecture"]
                scores.setdefault(name, []).append(row["test accuracy"])
                seconds.setdefault(name, []).append(row["time per epoch (s)"] * config.vision_epochs)
                parameters[name] = row["parameters"]
        for name, values in scores.items():
            print(f"| {name} | {parameters[name]:,} | " + " | ".join(f"{v:.3f}" for v in values) +
                  f" | {np.mean(values):.3f} | {np.mean(seconds[name]):.0f} s |", flush=True)


def attention_speed() -> None:
    import keras
    import tensorflow as tf

    from toolkit.transformers.attention import MultiHeadAttention

    b, t, d, h = (MHA_SHAPE[k] for k in ("batch", "length", "dim", "heads"))
    x = tf.constant(np.random.default_rng(0).normal(size=(b, t, d)).astype("float32"))
    reference = keras.layers.MultiHeadAttention(h, d // h)
    reference(x, x)
    ours = MultiHeadAttention(h, d // h)
    ours(x, x)
    ours.set_weights(reference.get_weights())

    def step_of(layer):
        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(x, x) ** 2)
            return tape.gradient(loss, layer.trainable_variables)
        step()  # traced once, outside the timing
        return step

    steps = {"toolkit": step_of(ours), "keras": step_of(reference)}
    times = {name: [] for name in steps}
    for _ in range(MHA_REPEATS):  # interleaved: both see the same load
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(values) * 1e3 for name, values in times.items()}
    print(f"\n### 4. Multi-head attention, forward + backward, B = {b}, T = S = {t}, d_model = {d}, {h} heads "
          f"(median of {MHA_REPEATS})\n")
    print("| implementation | ms per step | ratio to Keras |")
    print("|---|---:|---:|")
    for name, value in median.items():
        print(f"| {name} | {value:.2f} | {value / median['keras']:.2f}× |", flush=True)


TABLES = {1: dates_against_epochs, 2: adding_problem, 3: glyphs_equal_budget, 4: attention_speed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", choices=sorted(TABLES), default=sorted(TABLES))
    args = parser.parse_args()
    print(f"Transformers benchmark on {machine()}")
    for number in args.tables:
        TABLES[number]()


if __name__ == "__main__":
    main()
