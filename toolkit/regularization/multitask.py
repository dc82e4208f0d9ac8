"""Multi-task learning: one network trained to do more than one task at the same time.

Several tasks share the same input and the intermediate layers of the network (the trunk,
whose parameters are generic) and have separate final layers (the heads, whose parameters
are task-specific). The second task's gradient also shapes the shared features, so the
trunk cannot specialize on the quirks of the main task's few labels (Eq. 3):

    (1) h = f_shared(x)                                   the trunk
    (2) p = softmax(W_main h + b_main),  q = σ(w_aux · h + b_aux)   the heads
    (3) L = L_main(y, p) + β · L_aux(t, q)
    (4) t = y mod 2                    "parity": is the class id odd
        t = [mean pixel(x) > τ]        "ink": more ink than the median training glyph (the pen
                                       ``thickness`` of the glyph attributes drives it, with the
                                       character, its scale and blur)
        t = [‖x‖ > τ]                  "radius": a 2-D point farther out than the median

The auxiliary target is computed from (x, y) inside the training step, so the model trains
on the same (x, y) arrays as a single-task network and ``toolkit.train.compare`` can race
the two. ``call`` returns the main task's probabilities; metrics and ``val_*`` are the main
task's, with ``aux_loss`` and ``aux_accuracy`` logged beside them.

| symbol | variable |   | symbol | variable |
|--------|----------|---|--------|----------|
| β      | ``aux_weight`` | | τ      | ``threshold`` |
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.regularization.custom_step import CustomStepModel
from toolkit.validation import check_choice, check_float

AUXILIARY_TASKS = ("parity", "ink", "radius")


def auxiliary_targets(kind: str, x, y, threshold: float = 0.0):
    """Eq. 4: the auxiliary task's 0/1 target (B, 1) of a batch."""
    if kind == "parity":
        t = ops.mod(ops.cast(ops.reshape(y, (-1,)), "int32"), 2)
    elif kind == "ink":
        t = ops.mean(ops.reshape(ops.cast(x, "float32"), (ops.shape(x)[0], -1)), axis=1) > threshold
    elif kind == "radius":
        t = ops.sqrt(ops.sum(ops.square(ops.cast(x, "float32")), axis=1)) > threshold
    else:
        check_choice("auxiliary", kind, AUXILIARY_TASKS)
    return ops.reshape(ops.cast(t, "float32"), (-1, 1))


def auxiliary_threshold(kind: str, x_train) -> float:
    """τ of Eq. 4: the median ink or radius of the training inputs (0 for parity)."""
    x = np.asarray(x_train, dtype=float).reshape(len(x_train), -1)
    if kind == "ink":
        return float(np.median(x.mean(axis=1)))
    if kind == "radius":
        return float(np.median(np.linalg.norm(x, axis=1)))
    return 0.0


@keras.saving.register_keras_serializable(package="toolkit")
class MultiTaskNetwork(CustomStepModel):
    """Eqs. 1-3: a shared trunk, a softmax head for the classes and a sigmoid head for Eq. 4.

    Args:
        input_shape: shape of one input ((2,) or (H, W, 1); images are flattened).
        num_classes: classes of the main task.
        hidden, activation: the trunk's dense layers (layer k seeded with seed + k, as
            ``toolkit.ffnn.build_mlp``, so the trunk and main head start like that MLP's).
        auxiliary: "parity", "ink" or "radius" (Eq. 4); threshold: its τ.
        aux_weight: β of Eq. 3, in [0, 10].
        seed: seeds the initial weights.
    """

    def __init__(self, input_shape=(2,), num_classes=2, hidden=(64, 64), activation="relu",
                 auxiliary="radius", threshold=0.0, aux_weight=0.5, seed=0, **kwargs):
        check_choice("auxiliary", auxiliary, AUXILIARY_TASKS)
        aux_weight = check_float("aux_weight", aux_weight, 0.0, 10.0,
                                 hint="It is β, the weight of the second task's loss.")
        super().__init__(**kwargs)
        self.task_config = {"input_shape": tuple(int(d) for d in input_shape),
                            "num_classes": int(num_classes), "hidden": tuple(int(h) for h in hidden),
                            "activation": activation, "auxiliary": auxiliary,
                            "threshold": float(threshold), "aux_weight": aux_weight, "seed": int(seed)}
        self.trunk = self._trunk(input_shape, hidden, activation, seed)  # Eq. 1
        last = len(hidden) + 1
        self.main_head = keras.layers.Dense(
            num_classes, activation="softmax", name="main_head",
            kernel_initializer=keras.initializers.GlorotUniform(seed + last))
        self.aux_head = keras.layers.Dense(
            1, activation="sigmoid", name="aux_head",
            kernel_initializer=keras.initializers.GlorotUniform(seed + last + 1))
        for head in (self.main_head, self.aux_head):
            head.build((None, hidden[-1]))
        self.aux_loss_tracker = keras.metrics.Mean(name="aux_loss")
        self.aux_accuracy = keras.metrics.BinaryAccuracy(name="aux_accuracy")
        self.built = True

    @staticmethod
    def _trunk(input_shape, hidden, activation, seed):
        layers = [keras.Input(tuple(input_shape))]
        if len(input_shape) > 1:
            layers.append(keras.layers.Flatten())
        layers += [keras.layers.Dense(units, activation=activation, name=f"shared_{k}",
                                      kernel_initializer=keras.initializers.GlorotUniform(seed + k))
                   for k, units in enumerate(hidden, start=1)]
        return keras.Sequential(layers, name="trunk")

    def heads(self, x, training=False):
        """(p, q) of Eq. 2."""
        h = self.trunk(x, training=training)
        return self.main_head(h), self.aux_head(h)

    def call(self, x, training=False):
        return self.heads(x, training)[0]

    def _task_losses(self, x, y, training):
        cfg = self.task_config
        t = auxiliary_targets(cfg["auxiliary"], x, y, cfg["threshold"])  # Eq. 4
        p, q = self.heads(x, training=training)
        main = ops.mean(keras.losses.sparse_categorical_crossentropy(y, p))
        aux = ops.mean(keras.losses.binary_crossentropy(t, q))
        self.aux_loss_tracker.update_state(aux)
        self.aux_accuracy.update_state(t, q)
        return p, main, aux

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            p, main, aux = self._task_losses(x, y, training=True)
            loss = main + self.task_config["aux_weight"] * aux  # Eq. 3
            if self.losses:
                loss = loss + ops.sum(self.losses)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        self._loss_tracker.update_state(main)  # the main task's loss, comparable with val_loss
        return self.compute_metrics(x, y, p)

    def test_step(self, data):
        x, y = data
        p, main, _ = self._task_losses(x, y, training=False)
        self._loss_tracker.update_state(main)
        return self.compute_metrics(x, y, p)

    def get_config(self):
        return {**super().get_config(), **dict(self.task_config)}
