"""Input checks shared by the figure builders.

Each check raises `ValueError` with one sentence naming the argument, what was expected and
the value (or shape) received, the way Keras layers validate their arguments.
"""

import numpy as np


def as_array(name, value, *, ndims, expected, dtype=float):
    """`value` as a NumPy array whose number of dimensions is in `ndims`."""
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"`{name}` must be {expected} of numbers, received {type(value).__name__} "
            f"that NumPy cannot convert ({error})."
        ) from None
    if array.ndim not in ndims:
        raise ValueError(f"`{name}` must be {expected}, received shape {array.shape}.")
    return array


def positive_int(name, value, minimum=1):
    """`value` as an int that is at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, received {name}={value!r}.")
    return int(value)


def class_ids(name, value):
    """Integer class ids from labels (n,), (n, 1) or one-hot / probabilities (n, K)."""
    labels = as_array(name, value, ndims=(1, 2), expected="a 1-D array of class ids (n,)")
    if labels.ndim == 2:
        # (n, K) one-hot or probabilities -> (n,) ids; (n, 1) -> (n,)
        labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
    if labels.size and (not np.all(np.isfinite(labels))
                        or np.any(labels != np.round(labels)) or labels.min() < 0):
        raise ValueError(
            f"`{name}` must hold non-negative integer class ids, received values "
            f"{np.unique(labels)[:5].tolist()}."
        )
    return labels.astype(int)


def check_extent(extent):
    """`extent` as four floats (x_min, x_max, y_min, y_max) with min < max."""
    values = as_array("extent", extent, ndims=(1,), expected="(x_min, x_max, y_min, y_max)")
    if values.shape != (4,) or not np.all(np.isfinite(values)) \
            or values[0] >= values[1] or values[2] >= values[3]:
        raise ValueError(
            "`extent` must be four finite numbers (x_min, x_max, y_min, y_max) with "
            f"x_min < x_max and y_min < y_max, received extent={tuple(extent)!r}."
        )
    return tuple(float(v) for v in values)
