"""Speed of toolkit.optim against the Keras built-ins it mirrors, measured side by side.

1. Training step time of each optimizer (toolkit vs ``keras_builtin``) through
   ``toolkit.train.fit`` on a ~100k-parameter MLP, random data, identical initial weights.
2. Forward + backward time of the normalization layers against their Keras twins.
3. ``trajectories``: 6 optimizers x 500 steps on each surface (compiled chunks of
   ``STEPS_PER_CALLBACK`` steps, as the Loss surfaces page runs them), first call (tracing)
   and a repeated call.
4. The toolkit call behind each chapter-3 page at the page's default settings (its Config's
   defaults), end to end (model building, tracing, training, measurements), as a student
   waits for it.

Each number is the best of a few repetitions (the machine may be shared); timings are
never asserted anywhere.

    python benchmarks/optim.py
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from toolkit.optim import (  # noqa: E402
    OPTIMIZERS, SURFACES, BatchNorm, GroupNorm, InstanceNorm, LayerNorm, keras_builtin,
    trajectories,
)
from toolkit.train import fit  # noqa: E402

HYPERPARAMETERS = {
    "SGD": {"learning_rate": 0.05},
    "Momentum": {"learning_rate": 0.01, "momentum": 0.9},
    "Nesterov": {"learning_rate": 0.01, "momentum": 0.9},
    "Adagrad": {"learning_rate": 0.05},
    "RMSProp": {"learning_rate": 0.001},
    "Adam": {"learning_rate": 0.001},
}
REPEATS = 5


# -- 1. optimizer step time -----------------------------------------------------------
def mlp(optimizer):
    keras.utils.set_random_seed(0)  # identical initial weights for both optimizers
    model = keras.Sequential([
        keras.Input((128,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer, "sparse_categorical_crossentropy")
    return model


def ms_per_step(models, x, y, epochs, batch_size):
    """Best ms/step of each model, timed in alternation so that load hits both alike."""
    for model in models:
        fit(model, x, y, epochs=1, batch_size=batch_size, seed=0)  # trace outside the timing
    best = [np.inf] * len(models)
    for _ in range(REPEATS):
        for i, model in enumerate(models):
            run = fit(model, x, y, epochs=epochs, batch_size=batch_size, seed=0,
                      steps_per_callback=10**9)
            best[i] = min(best[i], run.wall_time)
    steps = epochs * -(-len(x) // batch_size)
    return [1000 * b / steps for b in best]


def optimizer_table(epochs=20, batch_size=32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 128)).astype("float32")
    y = rng.integers(0, 10, size=1000).astype("int32")
    params = mlp("sgd").count_params()
    print(f"\n### Optimizer step time: MLP 128-256-256-10 ({params:,} parameters), "
          f"{len(x)} samples, batch {batch_size}, {epochs} epochs via toolkit.train.fit\n")
    print("| optimizer | toolkit (ms/step) | Keras built-in | Keras (ms/step) | ratio |")
    print("|---|---|---|---|---|")
    for name, cls in OPTIMIZERS.items():
        hp = HYPERPARAMETERS[name]
        theirs_optimizer = keras_builtin(name, **hp)
        ours, theirs = ms_per_step([mlp(cls(**hp)), mlp(theirs_optimizer)], x, y, epochs,
                                   batch_size)
        print(f"| {name} | {ours:.3f} | {type(theirs_optimizer).__name__} | {theirs:.3f} "
              f"| {ours / theirs:.2f}x |")


# -- 2. normalization forward + backward ---------------------------------------------
def forward_backward(layer, x):
    """A compiled forward + backward pass of ``layer`` in training mode."""
    layer.build(x.shape)
    u = tf.constant(np.random.default_rng(1).normal(size=x.shape).astype("float32"))
    variables = [w.value for w in layer.trainable_weights]

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x, training=True) * u)
        return tape.gradient(loss, [x, *variables])

    step(x)  # trace
    return step


def ms_per_call(layers, x, calls=30):
    """Best ms per forward + backward of each layer, timed in alternation."""
    steps = [forward_backward(layer, x) for layer in layers]
    best = [np.inf] * len(steps)
    for _ in range(REPEATS):
        for i, step in enumerate(steps):
            start = time.perf_counter()
            for _ in range(calls):
                grads = step(x)
            _ = grads[0].numpy()
            best[i] = min(best[i], (time.perf_counter() - start) / calls)
    return [1000 * b for b in best]


def normalization_table(shape=(64, 16, 16, 32)):
    x = tf.constant(np.random.default_rng(0).normal(size=shape).astype("float32"))
    pairs = [
        ("BatchNorm", BatchNorm(), keras.layers.BatchNormalization()),
        ("LayerNorm", LayerNorm(), keras.layers.LayerNormalization()),
        ("InstanceNorm", InstanceNorm(), keras.layers.GroupNormalization(groups=-1)),
        ("GroupNorm(8)", GroupNorm(8), keras.layers.GroupNormalization(8)),
    ]
    print(f"\n### Normalization forward + backward (training mode), input {shape} NHWC\n")
    print("| layer | toolkit (ms) | Keras layer | Keras (ms) | ratio |")
    print("|---|---|---|---|---|")
    for name, ours, theirs in pairs:
        t_ours, t_theirs = ms_per_call([ours, theirs], x)
        label = type(theirs).__name__ + ("(groups=-1)" if name == "InstanceNorm" else "")
        print(f"| {name} | {t_ours:.2f} | {label} | {t_theirs:.2f} | {t_ours / t_theirs:.2f}x |")


# -- 3. trajectories ------------------------------------------------------------------
def trajectories_table(steps=500):
    optimizers = {"SGD": OPTIMIZERS["SGD"](0.001), "Momentum": OPTIMIZERS["Momentum"](0.001),
                  "Nesterov": OPTIMIZERS["Nesterov"](0.001), "Adagrad": OPTIMIZERS["Adagrad"](0.5),
                  "RMSProp": OPTIMIZERS["RMSProp"](0.01), "Adam": OPTIMIZERS["Adam"](0.05)}
    print(f"\n### trajectories: {len(optimizers)} optimizers x {steps} steps\n")
    print("| surface | first call, incl. tracing (s) | repeated call (ms) | steps run |")
    print("|---|---|---|---|")
    for name in SURFACES:
        start = time.perf_counter()
        paths = trajectories(name, optimizers, steps=steps)
        first = time.perf_counter() - start
        best = np.inf
        for _ in range(REPEATS):
            start = time.perf_counter()
            trajectories(name, optimizers, steps=steps)
            best = min(best, time.perf_counter() - start)
        done = sum(p.steps_done for p in paths.values())
        print(f"| {name} | {first:.2f} | {1000 * best:.1f} | {done} |")


# -- 4. the pages' toolkit calls at their defaults ---------------------------------------
def page_defaults_table():
    from toolkit.data import load
    from toolkit.optim import (
        DESCENT_DATASET, NORMALIZATION_DATASET, PRESETS, RACE_DATASETS, DescentConfig,
        NormalizationConfig, RaceConfig, SurfaceConfig, run_covariate_shift, run_descent,
        run_high_learning_rate, run_race, run_surface_lab,
    )

    race = RaceConfig()
    race_data = load(race.dataset, **RACE_DATASETS[race.dataset])
    descent_data, norm_data = load(DESCENT_DATASET), load(NORMALIZATION_DATASET)
    calls = {
        "Loss surfaces: run_surface_lab(SurfaceConfig()) (saddle, 3 optimizers, 300 steps)":
            lambda: run_surface_lab(SurfaceConfig()),
        "Loss surfaces: every lesson in turn":
            lambda: [run_surface_lab(preset.config()) for preset in PRESETS.values()],
        "Optimizer race: run_race(RaceConfig()) (4 optimizers, digits, 8 epochs, B = 32)":
            lambda: run_race(race, race_data),
        "Batch size: run_descent(DescentConfig()) (digits, 5 epochs, B = N, 1, 32, 16 draws)":
            lambda: run_descent(DescentConfig(), descent_data),
        "Normalization: run_covariate_shift (none + batch, sigmoid, 3 x 64, 5 epochs)":
            lambda: run_covariate_shift(NormalizationConfig(), norm_data),
        "Normalization: run_high_learning_rate (relu, eta = 1, 5 epochs)":
            lambda: run_high_learning_rate(NormalizationConfig(), norm_data),
    }
    print("\n### Chapter-3 pages: the toolkit call at default settings (end to end)\n")
    print("| page call | first call (s) | second call (s) |")
    print("|---|---|---|")
    for name, call in calls.items():
        times = []
        for _ in range(2):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        print(f"| {name} | {times[0]:.2f} | {times[1]:.2f} |")


def main():
    tf.get_logger().setLevel("ERROR")  # many fresh models: retracing notes are expected
    print(f"CPU cores: {os.cpu_count()}, keras {keras.__version__}, tensorflow {tf.__version__}")
    optimizer_table()
    normalization_table()
    trajectories_table()
    page_defaults_table()


if __name__ == "__main__":
    main()
