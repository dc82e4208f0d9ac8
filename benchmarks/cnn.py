"""Chapter 5 benchmarks: time to accuracy, the from-scratch Conv2D against Keras, every architecture.

Three markdown tables, with the core count and the load average (the machine may be shared):

1. Time to 98% test accuracy on 10,000 glyphs and to 97% on the 8×8 digits with the CNN
   architectures page's default run (``toolkit.cnn.TrainingConfig``: ResNet, Adam 1e-3,
   batch 64), one epoch per chunk; the time counts training and tracing, not data loading.
2. ``toolkit.cnn.Conv2D`` (im2col by one gather, hand-written gradient) against
   ``keras.layers.Conv2D``: forward + backward (gradients of the input, the kernel and the
   bias) of layers from the architectures, inside one ``tf.function``, the fastest of 25
   calls taking turns, in several rounds (the ratio's median and range show the noise of a
   shared machine); the previous version (im2col by shifted slices, gradient by autodiff)
   is timed alongside for reference. Then a whole epoch of the default CNN with each.
3. Every architecture after the page's default budget on 10,000 glyphs: parameters, time
   per epoch (the first epoch includes tracing) and test accuracy.

Timings are never asserted. Run from the repository root:

    python benchmarks/cnn.py            # all three tables (several minutes on 2 cores)
    python benchmarks/cnn.py --skip-architectures
    python benchmarks/cnn.py --conv-only --rounds 5   # table 2 only
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
import tensorflow as tf  # noqa: E402
from keras import ops  # noqa: E402

from benchmarks.host import machine  # noqa: E402
from toolkit.cnn import ARCHITECTURES, Conv2D, TrainingConfig, classifier, train_architectures  # noqa: E402
from toolkit.cnn.layers import H_AXIS, W_AXIS, _padded, _shifts  # noqa: E402
from toolkit.data import digits, glyphs  # noqa: E402
from toolkit.train import fit  # noqa: E402

# (name, input shape (B, H, W, C), filters, kernel, strides, padding): layers of the architectures
LAYERS = [
    ("LeNet-5 C1", (64, 28, 28, 1), 6, 5, 1, "same"),
    ("LeNet-5 C3", (64, 14, 14, 6), 16, 5, 1, "valid"),
    ("VGG block 2", (64, 14, 14, 16), 32, 3, 1, "same"),
    ("ResNet stage 1", (64, 14, 14, 16), 16, 3, 1, "same"),
    ("ResNet projection", (64, 14, 14, 16), 32, 3, 2, "same"),
    ("AlexNet conv2", (64, 14, 14, 32), 64, 5, 1, "same"),
]


def time_to_accuracy(data, target: float, config: TrainingConfig, max_epochs: int = 15):
    """(seconds, epochs, accuracy) until the test accuracy first reaches `target`."""
    keras.utils.set_random_seed(config.seed)
    model = classifier(config.archs[0], data.input_shape, data.num_classes, learning_rate=config.lr)
    steps = int(np.ceil(len(data.x_train) / config.batch))
    reached = lambda run: run.epochs_done and run.history["val_accuracy"][-1] >= target  # noqa: E731
    holder = {}
    run = fit(model, data.x_train, data.y_train, epochs=max_epochs, batch_size=config.batch,
              validation_data=(data.x_test, data.y_test), seed=config.seed, steps_per_callback=steps,
              callbacks=[lambda r: holder.update(run=r)], stop=lambda: "run" in holder and reached(holder["run"]))
    return run.wall_time, run.epochs_done, float(run.history["val_accuracy"][-1])


def forward_backward_step(layer, x):
    """A traced tf.function running one forward + backward pass (input and weight gradients)."""
    layer.build(x.shape)

    @tf.function
    def step(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(tf.square(layer(inputs)))
        return tape.gradient(loss, [inputs, *layer.trainable_weights])

    step(x)  # trace outside the timing
    return step


def interleaved_best(steps, x, repeats: int = 25) -> list[float]:
    """Fastest of `repeats` calls of each step, the steps taking turns (fair on a shared, busy machine)."""
    best = [np.inf] * len(steps)
    for _ in range(repeats):
        for index, step in enumerate(steps):
            start = time.perf_counter()
            step(x)
            best[index] = min(best[index], time.perf_counter() - start)
    return best


class SliceIm2colConv2D(Conv2D):
    """The previous toolkit layer, for reference: im2col by K_w + K_h shifted slices, gradient by autodiff."""

    def call(self, inputs):
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        x, (rows, cols) = _padded(inputs, self.kernel_size, self.strides, self.padding, self.dilation_rate, 0.0)
        columns = ops.concatenate(_shifts(x, W_AXIS, kw, self.dilation_rate[1], cols, sw), axis=-1)
        patches = ops.concatenate(_shifts(columns, H_AXIS, kh, self.dilation_rate[0], rows, sh), axis=-1)
        size = patches.shape[-1]
        outputs = ops.matmul(ops.reshape(patches, (-1, size)), ops.reshape(self.kernel, (size, self.filters)))
        return ops.add(ops.reshape(outputs, (-1, rows, cols, self.filters)), self.bias)


def conv_round() -> list[tuple[float, float, float]]:
    """(toolkit, Keras, previous toolkit) seconds of every layer of ``LAYERS``, one round."""
    times = []
    for name, shape, filters, kernel, strides, padding in LAYERS:
        x = tf.constant(np.random.default_rng(0).normal(size=shape).astype("float32"))
        steps = [forward_backward_step(make(filters, kernel, strides=strides, padding=padding), x)
                 for make in (Conv2D, keras.layers.Conv2D, SliceIm2colConv2D)]
        times.append(tuple(interleaved_best(steps, x)))
    return times


def conv_table(rounds: int) -> list[tuple]:
    """Per layer: fastest times over the rounds, and the median, min and max of each round's ratio."""
    runs = np.array([conv_round() for _ in range(rounds)])  # (rounds, layers, 3)
    ratios = runs[:, :, 0] / runs[:, :, 1]
    previous = runs[:, :, 2] / runs[:, :, 1]
    rows = []
    for index, (name, shape, filters, kernel, strides, _) in enumerate(LAYERS):
        ours, theirs = runs[:, index, 0].min() * 1e3, runs[:, index, 1].min() * 1e3
        rows.append((name, f"{shape[1:]} → {filters}@{kernel}×{kernel}, s{strides}", theirs, ours,
                     np.median(ratios[:, index]), ratios[:, index].min(), ratios[:, index].max(),
                     np.median(previous[:, index])))
    return rows


def whole_model_epochs(data, config: TrainingConfig, repeats: int = 2) -> list[tuple]:
    """(conv, first epoch with tracing, fastest later epoch) of the default CNN, the two taking turns."""
    models, first = {}, {}
    for conv in ("keras", "toolkit"):
        keras.utils.set_random_seed(0)
        models[conv] = classifier(config.archs[0], data.input_shape, data.num_classes, conv=conv)
        first[conv] = fit(models[conv], data.x_train, data.y_train, epochs=1, batch_size=config.batch,
                          seed=0).wall_time
    best = {conv: np.inf for conv in models}
    for seed in range(1, repeats + 1):
        for conv, model in models.items():
            run = fit(model, data.x_train, data.y_train, epochs=1, batch_size=config.batch, seed=seed)
            best[conv] = min(best[conv], run.wall_time)
    return [(conv, first[conv], best[conv]) for conv in models]


def architecture_table(data, config: TrainingConfig) -> list[tuple]:
    rows = []
    for name, architecture in ARCHITECTURES.items():
        run = train_architectures([name], data, epochs=config.epochs, batch_size=config.batch,
                                  learning_rate=config.lr, seed=config.seed)[architecture.title]
        per_epoch = run.wall_time / max(run.epochs_done, 1)
        rows.append((architecture.title, architecture.year, run.model.count_params(), per_epoch,
                     float(run.history["val_accuracy"][-1])))
        print(f"  {architecture.title}: {per_epoch:.1f} s/epoch", file=sys.stderr, flush=True)
    return rows


def print_conv_table(rounds: int) -> None:
    print(f"Forward + backward, toolkit.cnn.Conv2D (im2col by gather, hand-written gradient) vs "
          f"keras.layers.Conv2D, batch 64, {rounds} rounds; target ratio ≤ 2×\n")
    print("| layer | shape | Keras (ms) | toolkit (ms) | ratio, median (min–max) | previous version's ratio |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name, shape, theirs, ours, ratio, low, high, previous in conv_table(rounds):
        print(f"| {name} | {shape} | {theirs:.2f} | {ours:.2f} | {ratio:.2f}× ({low:.2f}–{high:.2f}) "
              f"| {previous:.2f}× |", flush=True)


def print_epoch_table(data, config: TrainingConfig) -> None:
    print("\n| default CNN, one epoch on glyphs | first epoch (s, with tracing) | later epoch (s, fastest of 2) |")
    print("| --- | ---: | ---: |")
    (_, keras_first, keras_later), (_, ours_first, ours_later) = epochs = whole_model_epochs(data, config)
    for conv, first, later in epochs:
        print(f"| conv={conv} | {first:.2f} | {later:.2f} |", flush=True)
    print(f"| ratio toolkit / keras | {ours_first / keras_first:.2f}× | {ours_later / keras_later:.2f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-architectures", action="store_true", help="skip table 3 (the slowest)")
    parser.add_argument("--conv-only", action="store_true", help="only table 2: the Conv2D layers and a whole epoch")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the Conv2D table (default 3)")
    args = parser.parse_args()
    print(f"CNN benchmarks, {machine()}\n")
    config = TrainingConfig()
    data = {"glyphs": glyphs(n=config.n, seed=0), "digits": digits(size=8)}
    if args.conv_only:
        print_conv_table(args.rounds)
        print_epoch_table(data["glyphs"], config)
        return

    print(f"Time to accuracy, default CNN ({ARCHITECTURES[config.archs[0]].title}, Adam "
          f"{config.lr:g}, batch {config.batch}); target ≤ 20 s each\n")
    print("| dataset | target | seconds | epochs | test accuracy |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, target in (("glyphs", 0.98), ("digits", 0.97)):
        seconds, epochs, accuracy = time_to_accuracy(data[name], target, config)
        label = f"{config.n:,} glyphs 28×28" if name == "glyphs" else "1,797 digits 8×8"
        print(f"| {label} | {target:.0%} | {seconds:.1f} | {epochs} | {accuracy:.4f} |", flush=True)
    print()
    print_conv_table(args.rounds)
    print_epoch_table(data["glyphs"], config)

    if not args.skip_architectures:
        print(f"\nEvery architecture after the page's default budget ({config.epochs} epochs, "
              f"{config.n:,} glyphs, batch {config.batch})\n")
        print("| architecture | year | parameters | s / epoch | test accuracy |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for title, year, params, per_epoch, accuracy in architecture_table(data["glyphs"], config):
            print(f"| {title} | {year} | {params:,} | {per_epoch:.1f} | {accuracy:.4f} |", flush=True)


if __name__ == "__main__":
    main()
