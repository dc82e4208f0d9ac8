"""What ``fit`` trains on: data arranged the way ``model.fit`` arranges it, checked first.

``model.fit`` splits ``validation_split`` off the end of the arrays before any shuffling,
turns ``class_weight`` into one weight per sample, and packs every batch as
``(x, y, sample_weight)``. ``training_arrays`` does the same once per call, in NumPy, and
returns ``(x, y, sample_weight)`` triples (None for a missing part) for ``loop.py``.

The checks run before the first step, so that a mistake reads as one sentence instead of a
TensorFlow traceback: integer labels outside the output layer's classes, validation inputs
whose shape differs from the training inputs or the model's input, empty datasets.
"""

from __future__ import annotations

import collections.abc
import math

import keras
import numpy as np
import tensorflow as tf

from toolkit.validation import check_float


# -- streams: data the compiled loop cannot slice ------------------------------------
def is_stream(data) -> bool:
    """A ``tf.data.Dataset``, a ``keras.utils.PyDataset`` or an iterator (a generator)."""
    return isinstance(data, (tf.data.Dataset, keras.utils.PyDataset, collections.abc.Iterator))


def checked_stream(data, name: str):
    """``data`` unchanged, after checking it yields at least one batch where that is cheap.

    A generator is checked by drawing its first batch; a new generator that yields that
    batch again and then the rest is returned, so nothing is lost.
    """
    if isinstance(data, tf.data.Dataset):
        empty = int(data.cardinality()) == 0
    elif isinstance(data, keras.utils.PyDataset):
        empty = data.num_batches == 0
    else:
        first = next(data, _END)
        empty, data = first is _END, _chain(first, data)
    if empty:
        raise ValueError(f"`{name}` yields no batches: it is empty. Check where it is made "
                         f"(a filter, a take, a generator already consumed by an earlier call).")
    return data


_END = object()


def _chain(first, rest):
    yield first
    yield from rest


# -- arrays -----------------------------------------------------------------------------
def training_arrays(model, x, y, *, sample_weight=None, class_weight=None,
                    validation_split=0.0, validation_data=None):
    """``(x, y, sample_weight)`` and the validation triple (or None), checked.

    As ``model.fit``: ``validation_split`` takes the last fraction of the samples before
    shuffling (with their sample weights), and ``class_weight`` weights training samples only.
    """
    data = (as_arrays(x, "x"), _optional(y, "y"), _optional(sample_weight, "sample_weight"))
    _check_lengths(data, ("x", "y", "sample_weight"))
    val = _validation_triple(validation_data)
    if validation_split and validation_data is None:
        data, val = _split(data, validation_split)
    if class_weight is not None:
        data = (data[0], data[1], _class_sample_weights(data, class_weight))
    data = (data[0], data[1], _per_output(data[2], data[1]))
    _check_inputs(model, data[0], "x")
    _check_labels(model, data[1], "y")
    if val is not None:
        _check_validation_inputs(model, data[0], val[0])
        _check_labels(model, val[1], "validation_data")
        val = (val[0], val[1], _per_output(val[2], val[1]))
    return data, val


def as_arrays(value, name):
    """An array, or a dict / tuple of arrays (multi-input or multi-output models)."""
    if isinstance(value, dict) or (isinstance(value, (tuple, list)) and value
                                   and all(isinstance(v, np.ndarray) for v in value)):
        structure = tf.nest.map_structure(lambda v: _one_array(v, name), value)
        lengths = {len(a) for a in tf.nest.flatten(structure)}
        if len(lengths) != 1:
            raise ValueError(f"Every array in `{name}` must have the same number of samples, "
                             f"received lengths {sorted(lengths)}.")
        return structure
    return _one_array(value, name)


def _optional(value, name):
    return None if value is None else as_arrays(value, name)


def _one_array(value, name):
    array = np.asarray(value)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    if array.ndim == 0 or len(array) == 0:
        raise ValueError(f"`{name}` must hold at least one sample, received shape {array.shape}.")
    return array


def length(data) -> int:
    return len(tf.nest.flatten(data)[0])


def _check_lengths(triple, names):
    present = [(name, length(part)) for name, part in zip(names, triple) if part is not None]
    if len({n for _, n in present}) > 1:
        (first, n), (other, m) = present[0], next(p for p in present if p[1] != present[0][1])
        raise ValueError(f"`{first}` and `{other}` must have the same number of samples, "
                         f"received {n} and {m}.")


def _validation_triple(validation_data):
    if validation_data is None:
        return None
    if not (isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3)):
        raise ValueError("`validation_data` must be a pair (x_val, y_val) or a triple "
                         "(x_val, y_val, val_sample_weight), or a tf.data.Dataset.")
    names = ("x_val", "y_val", "val_sample_weight")
    val = tuple(_optional(part, name) for part, name in zip(validation_data, names))
    val = (*val, None)[:3]
    _check_lengths(val, names)
    return val


def _split(data, validation_split):
    """Keras's rule: the first floor(n (1 - split)) samples train, the rest validate."""
    check_float("validation_split", validation_split, 0.0, 1.0, open_low=True, open_high=True)
    n = length(data[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at in (0, n):
        raise ValueError(f"`validation_split={validation_split}` leaves no samples on one side "
                         f"of {n}: use more data or another fraction.")

    def part(start, stop):
        return tuple(None if a is None else tf.nest.map_structure(lambda v: v[start:stop], a)
                     for a in data)

    return part(0, split_at), part(split_at, n)


def _class_sample_weights(data, class_weight):
    """``class_weight[class of each sample]`` (1 for unlisted classes), as Keras computes it."""
    _, y, sample_weight = data
    if sample_weight is not None:
        raise ValueError("`class_weight` and `sample_weight` cannot be given together: "
                         "multiply the class weights into `sample_weight` instead.")
    if y is None or tf.nest.is_nested(y):
        raise ValueError("`class_weight` needs a single array `y` (a model with one output).")
    labels = np.asarray(y)
    if labels.ndim > 1:  # one-hot rows -> class ids; (n, 1) columns -> (n,)
        labels = labels.argmax(-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int32)
    return np.array([class_weight.get(int(c), 1.0) for c in labels], np.float32)


def _per_output(sample_weight, y):
    """One sample-weight array shared by every output, as Keras replicates it."""
    if sample_weight is None or not tf.nest.is_nested(y) or tf.nest.is_nested(sample_weight):
        return sample_weight
    return tf.nest.map_structure(lambda _: sample_weight, y)


# -- checks against the model -------------------------------------------------------------
def _check_inputs(model, x, name):
    """A single-input model's fixed input sizes must match ``x``'s samples (same rank)."""
    expected = _model_input_shape(model)
    if expected is None or tf.nest.is_nested(x) or len(expected) != x.ndim:
        return
    if any(e is not None and e != s for e, s in zip(expected[1:], x.shape[1:])):
        raise ValueError(f"`{name}` has samples of shape {tuple(x.shape[1:])}, but the model's "
                         f"input takes {tuple(expected[1:])}: reshape the data or rebuild the "
                         f"model for this shape.")


def _model_input_shape(model):
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    return tuple(inputs[0].shape) if inputs is not None and len(inputs) == 1 else None


def _check_validation_inputs(model, x, x_val):
    """Validation inputs fit the model's input, or at least ``x``'s rank and last axis.

    Only the last axis (features, channels) is compared with ``x``: sequence lengths and
    image sizes may differ between training and validation when the model allows it.
    """
    _check_inputs(model, x_val, "validation_data")
    train, val = tf.nest.flatten(x), tf.nest.flatten(x_val)
    if len(train) != len(val) or any(a.ndim != b.ndim or a.shape[1:][-1:] != b.shape[1:][-1:]
                                     for a, b in zip(train, val)):
        shapes = [", ".join(str(tuple(a.shape[1:])) for a in group) for group in (val, train)]
        raise ValueError(f"`validation_data` has inputs of sample shape {shapes[0]}, but `x` "
                         f"has {shapes[1]}: validation inputs must look like the training inputs.")


def _check_labels(model, y, name):
    """Integer targets of a sparse categorical loss must lie in [0, classes of the output)."""
    classes = _sparse_classes(model)
    if classes is None or y is None or tf.nest.is_nested(y):
        return
    labels = np.asarray(y).ravel()
    ignored = getattr(getattr(model, "loss", None), "ignore_class", None)
    if ignored is not None:
        labels = labels[labels != ignored]
    if labels.size == 0:
        return
    worst = labels.min() if labels.min() < 0 else labels.max()
    if worst < 0 or worst >= classes:
        raise ValueError(
            f"`{name}` holds the class {worst:g}, but the model's output has {classes} units, so "
            f"its sparse categorical loss takes classes 0 to {classes - 1}: give the last layer "
            f"one unit per class, or relabel `{name}`.")


def _sparse_classes(model):
    """The output's width when ``model.loss`` is sparse categorical cross-entropy, else None."""
    loss = getattr(model, "loss", None)
    sparse = (loss == "sparse_categorical_crossentropy"
              or loss is keras.losses.sparse_categorical_crossentropy
              or isinstance(loss, keras.losses.SparseCategoricalCrossentropy))
    if not sparse:
        return None
    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        return None
    if outputs is None or len(outputs) != 1 or outputs[0].shape[-1] is None:
        return None
    return int(outputs[0].shape[-1])
