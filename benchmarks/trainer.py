"""Epochs per second of toolkit.train.fit against keras.Model.fit, measured side by side.

Task 1 is TensorFlow Playground's default: circle, 500 points, 50% train, features x1 x2,
hidden [4, 2], tanh, SGD lr 0.03, batch 10. Task 2 is an MLP over 10,000 glyphs.
Both trainers start from the same initial weights; timings are never asserted anywhere.

The second table runs a Keras example as a notebook user would: keras-io's "Simple MNIST
convnet" with only its data changed (glyphs for MNIST), its ``model.fit`` call given
unchanged to ``toolkit.train.fit`` (batch 128, ``validation_split=0.1``), in the same process.

    python benchmarks/trainer.py
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from toolkit.data import glyphs, toy2d  # noqa: E402
from toolkit.train import fit  # noqa: E402


def playground_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(4, activation="tanh"),
        keras.layers.Dense(2, activation="tanh"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(keras.optimizers.SGD(0.03), "binary_crossentropy", metrics=["accuracy"])
    return model


def glyph_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def time_keras_fit(build, x, y, epochs, batch_size):
    model = build()
    model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)  # trace outside the timing
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    return epochs / (time.perf_counter() - start)


def time_toolkit_fit(build, x, y, epochs, batch_size):
    """(seconds to the first progress report of a fresh model, steady epochs/s)."""
    model = build()
    first = {}
    start = time.perf_counter()
    fit(model, x, y, epochs=1, batch_size=batch_size,
        callbacks=lambda run: first.setdefault("t", time.perf_counter() - start))
    run = fit(model, x, y, epochs=epochs, batch_size=batch_size, steps_per_callback=10**9)
    return first["t"], run.epochs_done / run.wall_time


def epochs_to_accuracy(build, data, batch_size, target, max_epochs):
    run = fit(build(), data.x_train, data.y_train, epochs=max_epochs, batch_size=batch_size,
              validation_data=(data.x_test, data.y_test))
    hits = np.flatnonzero(run.history["val_accuracy"] >= target)
    return int(hits[0]) + 1 if len(hits) else None


def row(task, build, data, batch_size, toolkit_epochs, keras_epochs, target, max_epochs):
    first, ours = time_toolkit_fit(build, data.x_train, data.y_train, toolkit_epochs, batch_size)
    theirs = time_keras_fit(build, data.x_train, data.y_train, keras_epochs, batch_size)
    needed = epochs_to_accuracy(build, data, batch_size, target, max_epochs)
    to_target = ("not reached" if needed is None else
                 f"{needed} ep: {needed / ours:.2f} s vs {needed / theirs:.2f} s")
    return (f"| {task} | {ours:,.0f} | {theirs:,.1f} | {ours / theirs:,.0f}x | {first:.2f} s "
            f"| {target:.0%}: {to_target} |")


def mnist_convnet_example():
    """keras-io "Simple MNIST convnet" (F. Chollet), layer for layer."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def example_row(task, build, x, y, rounds, **arguments):
    """The same call through ``toolkit.train.fit`` and ``model.fit``, each on a fresh model.

    After one untimed epoch each (tracing), the two train one epoch in turn, ``rounds`` times,
    so that both see the same machine load; the median seconds per epoch are reported.
    """
    ours_model, theirs_model = build(), build()
    trainers = {"fit": lambda: fit(ours_model, x, y, epochs=1, **arguments).history,
                "model.fit": lambda: theirs_model.fit(x, y, epochs=1, verbose=0, **arguments).history}
    seconds, history = {name: [] for name in trainers}, {}
    for timed in [False] + [True] * rounds:
        for name, train in trainers.items():
            start = time.perf_counter()
            history[name] = train()
            if timed:
                seconds[name].append(time.perf_counter() - start)
    ours, theirs = (float(np.median(seconds[name])) for name in trainers)
    return (f"| {task} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.2f}x "
            f"| {history['fit']['val_accuracy'][-1]:.3f} vs {history['model.fit']['val_accuracy'][-1]:.3f} |")


def main():
    print(f"CPU cores: {os.cpu_count()}, keras {keras.__version__}")
    print("| task | toolkit fit (epochs/s) | model.fit (epochs/s) | speed-up "
          "| first result (fresh model, incl. tracing) | time to test accuracy "
          "(toolkit vs model.fit) |")
    print("|---|---|---|---|---|---|")
    circle = toy2d("circle", n=500, noise=0, test_ratio=0.5, seed=0)
    print(row("Playground circle, [4, 2] tanh, SGD 0.03, batch 10", playground_model, circle,
              10, 1000, 20, 0.9, 400))
    images = glyphs(10_000, seed=0)
    print(row(f"glyphs MLP 784-128-10, {images.n_train} train, Adam, batch 32", glyph_model,
              images, 32, 20, 3, 0.9, 30))
    print("\n| Keras example, data: glyphs (as written) | toolkit fit (s/epoch) | model.fit (s/epoch) "
          "| speed-up | val accuracy after 4 epochs (fit vs model.fit) |")
    print("|---|---|---|---|---|")
    one_hot = keras.utils.to_categorical(images.y_train, 10)
    print(example_row(f"Simple MNIST convnet (Conv 32, pool, Conv 64, pool, dropout 0.5, dense 10), "
                      f"{images.n_train} train, Adam, batch 128, validation_split 0.1",
                      mnist_convnet_example, images.x_train, one_hot, 3,
                      batch_size=128, validation_split=0.1))


if __name__ == "__main__":
    main()
