"""Train several variants from identical initial weights and identical batch order.

An optimizer race or a regularizer comparison is only fair when the variants differ in
nothing but the thing compared. ``compare`` seeds every builder the same way, copies the
first variant's initial weights into every later variant of the same shapes, and trains
each with the same ``seed`` (so the same batches in the same order).
"""

from __future__ import annotations

import threading
from typing import Callable, Mapping

import keras

from toolkit.train.trainer import fit

# Seeding is process-wide: while one session seeds and builds, no other may draw weights, or
# two students' "identical" starts would differ with the timing of the other's run.
_BUILD_LOCK = threading.Lock()


def seeded_build(build: Callable[[], keras.Model], seed: int) -> keras.Model:
    """``build()`` right after ``keras.utils.set_random_seed(seed)``, safe across threads."""
    with _BUILD_LOCK:
        keras.utils.set_random_seed(seed)
        return build()


def compare(builders: Mapping[str, Callable[[], keras.Model]], data, *, epochs: int,
            batch_size: int = 32, seed: int = 0, shuffle: bool = True, callbacks=(),
            stop=None, steps_per_callback=None, config: dict | None = None) -> dict:
    """Trains every variant in turn and returns ``{name: Run}`` in the builders' order.

    Args:
        builders: name -> function returning a compiled model.
        data: a ``toolkit.data.Dataset`` (its test split is the validation data), or
            ``(x, y)`` or ``(x, y, x_val, y_val)``.
        epochs, batch_size, seed, shuffle, stop, steps_per_callback: as in ``fit``;
            shared by all variants.
        callbacks: shared by all variants (each sees ``run.name``).
        config: extra entries recorded in every run's config.
    """
    if not builders:
        raise ValueError("`builders` must name at least one variant to train.")
    _check_builders(builders)
    x, y, validation = _unpack(data)
    runs, reference = {}, None
    for name, build in builders.items():
        model = seeded_build(build, seed)
        reference = _share_initial_weights(model, reference)
        runs[name] = fit(model, x, y, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                         validation_data=validation, callbacks=callbacks, seed=seed,
                         stop=stop, steps_per_callback=steps_per_callback,
                         config={**(config or {}), "variant": name}, name=name)
        if runs[name].status == "stopped":
            break
    return runs


def _check_builders(builders):
    """Every variant is a function that builds a fresh model (each starts from the same seed)."""
    for name, build in builders.items():
        if isinstance(build, keras.Model) or not callable(build):
            raise TypeError(
                f"`builders[{name!r}]` must be a function returning a compiled model, received "
                f"{type(build).__name__}: wrap the construction, e.g. {{{name!r}: lambda: make_model()}}, "
                f"so every variant is built fresh from the same seed.")


def _unpack(data):
    if hasattr(data, "x_train"):
        return data.x_train, data.y_train, (data.x_test, data.y_test)
    if isinstance(data, (tuple, list)) and len(data) in (2, 4):
        validation = (data[2], data[3]) if len(data) == 4 else None
        return data[0], data[1], validation
    raise ValueError("`data` must be a toolkit.data.Dataset, (x, y) or (x, y, x_val, y_val).")


def _share_initial_weights(model, reference):
    """Copies ``reference`` weights into ``model`` when the shapes agree; returns the reference."""
    weights = model.get_weights()
    if reference is None:
        return weights
    if [w.shape for w in weights] == [w.shape for w in reference]:
        model.set_weights(reference)
    return reference
