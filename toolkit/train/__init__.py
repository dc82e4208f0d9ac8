"""The trainer every page uses: ``fit``, ``compare``, run records and export bundles.

``fit`` trains a plain compiled Keras model with whole chunks of epochs compiled into one
TensorFlow function (see ``loop.py``): the maths of ``model.fit`` without its per-batch
overhead. ``compare`` trains variants from identical weights and batches. Each run is a
``Run``; ``export_bundle`` zips one with a script that reproduces it.
"""

from toolkit.train.bundle import bundle_bytes, export_bundle
from toolkit.train.callbacks import Callback, EpochClock, Throttle
from toolkit.train.compare import compare
from toolkit.train.devices import devices, has_gpu, set_mixed_precision
from toolkit.train.run import Run
from toolkit.train.slots import SlotPool, slots_status
from toolkit.train.trainer import fit

__all__ = [
    "Callback", "EpochClock", "Run", "Throttle", "SlotPool", "bundle_bytes", "compare", "devices", "export_bundle",
    "fit", "has_gpu", "set_mixed_precision", "slots_status",
]
