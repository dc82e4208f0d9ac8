"""Traced training steps that do not keep their graphs forever.

In graph mode (inside ``tf.function``) TensorFlow registers every ``tf.custom_gradient`` under
a new name (``CustomGradient-<n>``) in its process-wide gradient registry and never removes it;
the registered function holds the traced graph. Two sources trace custom gradients on every run:

* every Keras optimizer step sums the gradients over the replicas
  (``TFOptimizer._all_reduce_sum_gradients``), a custom gradient, even with one replica and no
  ``tf.distribute`` strategy;
* layers written with ``keras.ops.custom_gradient`` (the toolkit's im2col convolution).

So every trained model left its training graphs in memory: measured on 2 cores, each Playground
run kept about 20 MB (878 MB -> 2,967 MB over 100 runs of a class, ``benchmarks/classroom.py``)
and each LeNet-5 run with the from-scratch convolution 32 MB; ``keras.backend.clear_session``
frees neither.

``install()`` (done when ``toolkit.train`` is imported):

* makes the sum an identity when no strategy is in use (one replica: the sum over replicas is
  the gradient itself), keeping Keras's checks for missing gradients; under a ``tf.distribute``
  strategy Keras's code runs unchanged;
* notes which thread registers each custom gradient, so that ``released_graphs()`` can drop, when
  its body ends, the ones its own thread registered meanwhile. A trace builds its gradients
  while it traces, so a finished trace never looks its custom gradients up again; the traced
  functions keep working (``toolkit.train.fit`` and the app's training threads use it).
"""

from __future__ import annotations

import contextlib
import functools
import threading

PREFIX = "CustomGradient"
_LOCK = threading.Lock()
_INSTALLED = False
_OWNERS: dict[str, int] = {}  # custom gradient name -> the thread that registered it


def install() -> None:
    """Patches Keras's TensorFlow optimizer and TensorFlow's gradient registry once (idempotent)."""
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return
        _INSTALLED = True
        import keras

        if keras.backend.backend() != "tensorflow":
            return
        _single_replica_sum()
        _note_owners()


def _single_replica_sum() -> None:
    import tensorflow as tf
    from keras.src.backend.tensorflow import optimizer as tf_optimizer

    original = tf_optimizer.TFOptimizer._all_reduce_sum_gradients

    @functools.wraps(original)
    def all_reduce_sum_gradients(self, grads_and_vars):
        if tf.distribute.has_strategy():
            return original(self, grads_and_vars)
        grads_and_vars = list(grads_and_vars)
        tf_optimizer.filter_empty_gradients(grads_and_vars)  # Keras's errors and warnings, as before
        return grads_and_vars

    tf_optimizer.TFOptimizer._all_reduce_sum_gradients = all_reduce_sum_gradients


def _note_owners() -> None:
    from tensorflow.python.framework import ops

    gradients = ops._gradient_registry
    registry_class = type(gradients)  # its instances have no __dict__: the method is wrapped on the class
    original = registry_class.register

    @functools.wraps(original)
    def register(self, candidate, name=None):
        original(self, candidate, name)
        if self is gradients and name and name.startswith(PREFIX):
            _OWNERS[name] = threading.get_ident()

    registry_class.register = register


@contextlib.contextmanager
def released_graphs():
    """Drops, when the body ends, the custom gradients this thread registered in it (their
    graphs then go with their models)."""
    install()
    me = threading.get_ident()
    before = {name for name, owner in list(_OWNERS.items()) if owner == me}
    try:
        yield
    finally:
        from tensorflow.python.framework import ops

        for name, owner in list(_OWNERS.items()):
            if owner == me and name not in before:
                ops._gradient_registry._registry.pop(name, None)
                _OWNERS.pop(name, None)


def custom_gradient_names() -> list[str]:
    """The ``CustomGradient-<n>`` names in TensorFlow's gradient registry (each holds a graph)."""
    from tensorflow.python.framework import ops

    return [name for name in ops._gradient_registry.list() if name.startswith(PREFIX)]
