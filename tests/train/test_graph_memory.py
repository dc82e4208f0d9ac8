"""Trained models leave no traced graph behind (``toolkit.train.graph_memory``).

Before the fix every ``fit`` left TensorFlow's gradient registry holding its traced graphs
(the optimizer's all-reduce and the im2col convolution are custom gradients): about 20 MB per
Playground run and 32 MB per LeNet-5 run, for good.
"""

import gc
import threading

import keras
import numpy as np
import tensorflow as tf
from tensorflow.python.framework import ops
from tensorflow.python.framework.func_graph import FuncGraph

from toolkit.cnn.layers import Conv2D
from toolkit.train import fit
from toolkit.train.graph_memory import custom_gradient_names, released_graphs

RNG = np.random.default_rng(0)
X, Y = RNG.random((64, 6, 6, 1), dtype=np.float32), RNG.integers(0, 3, 64)


def small_cnn(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((6, 6, 1)), Conv2D(4, 3), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    return model


def func_graphs() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, FuncGraph))


def test_fit_leaves_no_custom_gradient_and_no_graph_behind():
    fit(small_cnn(), X, Y, epochs=1, batch_size=16)  # the first fit builds what a process keeps once
    names, graphs = set(custom_gradient_names()), func_graphs()
    for seed in range(3):
        fit(small_cnn(seed), X, Y, epochs=2, batch_size=16, validation_data=(X, Y))
    assert set(custom_gradient_names()) <= names
    assert func_graphs() <= graphs


def test_a_model_trains_on_with_its_traced_loop_after_its_custom_gradients_are_dropped():
    model = small_cnn()
    first = fit(model, X, Y, epochs=3, batch_size=16)
    second = fit(model, X, Y, epochs=3, batch_size=16)  # the cached loop, its registrations gone
    assert np.isfinite(second.history["loss"]).all()
    assert second.history["loss"][-1] < first.history["loss"][0]


def test_the_single_replica_sum_trains_exactly_as_keras_fit():
    def dense(seed=1):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="tanh"),
                                  keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.1), "mse")
        return model

    x, y = RNG.random((32, 4), dtype=np.float32), RNG.random((32, 1), dtype=np.float32)
    ours, theirs = dense(), dense()
    fit(ours, x, y, epochs=3, batch_size=32, shuffle=False)
    theirs.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_under_a_distribution_strategy_keras_sums_over_replicas_as_before():
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    with strategy.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.SGD(0.1), "mse")
    history = model.fit(RNG.random((16, 4)), RNG.random((16, 1)), epochs=2, verbose=0).history
    assert np.isfinite(history["loss"]).all()


def test_only_the_threads_own_registrations_are_dropped():
    @tf.function
    def traced(x):
        @tf.custom_gradient
        def double(v):
            return 2 * v, lambda dy: 2 * dy
        return double(x)

    before = set(custom_gradient_names())
    thread = threading.Thread(target=lambda: traced(tf.constant(1.0)))
    with released_graphs():
        thread.start()
        thread.join()  # another thread registers while this one is inside released_graphs
        traced(tf.constant([1.0, 2.0]))  # a new signature: this thread registers one
    left = set(custom_gradient_names()) - before
    assert len(left) == 1  # the other thread's, left alone
    ops._gradient_registry._registry.pop(left.pop())
