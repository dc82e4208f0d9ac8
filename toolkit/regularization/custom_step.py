"""The base of the lab's models that write their own training step (bagging, multi-task).

Their loss is part of the method (Eq. 3 of ``ensembles`` and of ``multitask``), so
``compile`` takes only the optimizer and the metrics; Keras' own loss (sparse categorical
cross-entropy of the predicted classes) still computes ``val_loss`` in ``test_step``.
``get_compile_config`` / ``compile_from_config`` let ``.keras`` files and run bundles
recompile them.
"""

from __future__ import annotations

import keras


class CustomStepModel(keras.Model):
    """``compile(optimizer, metrics)`` with the loss fixed, saved and restored with the model."""

    def compile(self, optimizer="adam", metrics=("accuracy",), **kwargs):
        kwargs.pop("loss", None)
        self._metric_names = list(metrics)
        super().compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                        metrics=list(metrics), **kwargs)

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {"optimizer": keras.optimizers.serialize(self.optimizer), "metrics": self._metric_names}

    def compile_from_config(self, config):
        self.compile(keras.optimizers.deserialize(config["optimizer"]), metrics=config["metrics"])
