"""The small classifier that the real-network experiments of chapter 3 train.

Every hidden layer computes the pre-activation z, optionally standardizes it, and applies
the activation h (Eqs. 1-3); the output layer is a softmax over the K classes (Eq. 4).
The optimizer race, the batch-size comparison and the normalization lab all build this
one network, so their results differ only in the optimizer, the batch size or the
normalization layer.

    (0) a^(0) = s * flatten(x)                         s = ``input_scale`` (1: x as given)
    (1) z^(l) = W^(l)T a^(l-1) + b^(l)                 pre-activation
    (2) z^(l) <- Norm(z^(l))                           BatchNorm or LayerNorm, when asked
    (3) a^(l) = h(z^(l))                               activation
    (4) y^ = softmax(W^T a^(L) + b)

Layer names: ``dense_l`` (Eq. 1), ``norm_l`` (Eq. 2), ``activation_l`` (Eq. 3), ``output``
(Eq. 4), l = 1 .. L, so ``model.get_layer("activation_2").input`` is z^(2).
"""

from __future__ import annotations

import keras
import numpy as np

from toolkit import validation
from toolkit.optim.normalization import BatchNorm, LayerNorm

NORMALIZATIONS = {"none": None, "batch": BatchNorm, "layer": LayerNorm}
ACTIVATIONS = ("sigmoid", "tanh", "relu")
MAX_LAYERS, MAX_UNITS = 8, 512


def _layer_widths(hidden) -> tuple[int, ...]:
    """`hidden` as 1 to MAX_LAYERS widths in [1, MAX_UNITS] (``toolkit.validation`` names a bad one)."""
    if not isinstance(hidden, (list, tuple)) or not 1 <= len(hidden) <= MAX_LAYERS:
        raise ValueError(f"`hidden` must be a list of 1 to {MAX_LAYERS} layer widths in "
                         f"[1, {MAX_UNITS}], received hidden={hidden!r}.")
    return tuple(validation.check_int(f"hidden[{i}]", units, 1, MAX_UNITS) for i, units in enumerate(hidden))


def mlp_classifier(input_shape, num_classes: int, hidden=(64,), activation: str = "relu",
                   normalization: str = "none", input_scale: float = 1.0,
                   name: str | None = None) -> keras.Model:
    """An uncompiled ``keras.Sequential`` classifier (Eqs. 1-4).

    Args:
        input_shape: the shape of one sample, e.g. (8, 8, 1); it is flattened first.
        num_classes: K >= 2, the width of the softmax output.
        hidden: the width of each hidden layer (1 to 8 layers).
        activation: h, one of "sigmoid", "tanh", "relu".
        normalization: "none", "batch" (``BatchNorm``) or "layer" (``LayerNorm``) between
            each hidden pre-activation and its activation. With a normalization the
            dense layers have no bias: the norm's β plays its part.
        input_scale: s > 0 of Eq. 0, a ``keras.layers.Rescaling`` layer when not 1 (16
            feeds the digits as their raw 0-16 pixel counts; the data stays in [0, 1], so a
            saved model still reproduces from the dataset's spec).
        name: the model's name.
    """
    units = _layer_widths(hidden)
    validation.check_choice("activation", activation, ACTIVATIONS)
    norm = NORMALIZATIONS[validation.check_choice("normalization", normalization, NORMALIZATIONS)]
    validation.check_int("num_classes", num_classes, 2, None)
    validation.check_float("input_scale", input_scale, 0.0, 1e4, open_low=True)
    layers = [keras.Input(tuple(input_shape)), keras.layers.Flatten(name="flatten")]
    if input_scale != 1:
        # Eq. 0: a^(0) = s * flatten(x)
        layers.append(keras.layers.Rescaling(float(input_scale), name="input_scale"))
    for index, width in enumerate(units, start=1):
        # Eq. 1: z = W^T a + b
        layers.append(keras.layers.Dense(width, use_bias=norm is None, name=f"dense_{index}"))
        if norm is not None:
            # Eq. 2: z <- Norm(z)
            layers.append(norm(name=f"norm_{index}"))
        # Eq. 3: a = h(z)
        layers.append(keras.layers.Activation(activation, name=f"activation_{index}"))
    # Eq. 4: y^ = softmax(W^T a + b)
    layers.append(keras.layers.Dense(num_classes, activation="softmax", name="output"))
    return keras.Sequential(layers, name=name or f"mlp_{normalization}")


def compile_classifier(model: keras.Model, optimizer) -> keras.Model:
    """Compiles ``model`` with sparse categorical cross-entropy and accuracy; returns it."""
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def fit_variants(builders, data, *, epochs: int, batch_sizes, seed: int = 0, callbacks=(),
                 stop=None, config: dict | None = None, every_epoch: bool = False,
                 warm_up: bool = False) -> dict:
    """Trains each variant in turn from the same seed; returns ``{label: Run}``.

    Like ``toolkit.train.compare``, but each variant may have its own batch size and the
    progress callbacks can be asked for after every epoch. Every builder runs right after
    ``keras.utils.set_random_seed(seed)``, so layers that the variants share (the dense
    layers of ``mlp_classifier`` with and without normalization) start from identical
    weights even when the weight lists differ; the shared ``seed`` gives the same sample order.

    Args:
        builders: label -> function returning a compiled model.
        data: a ``toolkit.data.Dataset`` (its test split validates).
        epochs, seed, callbacks, stop, config: as in ``toolkit.train.fit``.
        batch_sizes: one batch size for all, or label -> batch size.
        every_epoch: report progress after every epoch (one compiled chunk per epoch).
        warm_up: compile each model's training loop on one batch first, then restore its
            weights and optimizer state, so ``run.wall_time`` measures training alone
            (otherwise the first epoch also pays for tracing, about a second).
    """
    from toolkit.train import fit

    runs = {}
    for label, build in builders.items():
        size = batch_sizes[label] if isinstance(batch_sizes, dict) else batch_sizes
        keras.utils.set_random_seed(seed)
        model = build()
        steps = -(-data.n_train // size) if every_epoch and isinstance(size, int) and size > 0 else None
        if warm_up:
            _compile_loop(model, data, size, steps)
        runs[label] = fit(model, data.x_train, data.y_train, epochs=epochs, batch_size=size,
                          validation_data=(data.x_test, data.y_test), seed=seed, stop=stop,
                          callbacks=callbacks, steps_per_callback=steps, name=label,
                          config={"dataset": data.spec, **(config or {}), "variant": label})
        if runs[label].status == "stopped":
            break
    return runs


def _compile_loop(model, data, batch_size, steps):
    """Traces ``model``'s training loop on one batch, then puts its state back as it was."""
    from toolkit.train import fit

    if not (isinstance(batch_size, int) and batch_size >= 1):
        return  # fit names the bad value in the real call
    model.optimizer.build(model.trainable_variables)
    weights = model.get_weights()
    state = [np.array(v) for v in model.optimizer.variables]
    x, y = data.x_train[:batch_size], data.y_train[:batch_size]
    fit(model, x, y, epochs=1, batch_size=batch_size, shuffle=False, steps_per_callback=steps,
        validation_data=(data.x_test[:batch_size], data.y_test[:batch_size]))
    model.set_weights(weights)
    for variable, value in zip(model.optimizer.variables, state):
        variable.assign(value)
