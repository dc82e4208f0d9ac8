"""The random number generators a model draws from while it trains, recorded and restored.

Every Keras layer that draws in training (``Dropout``, ``GaussianNoise``, ``RandomFlip``, the
toolkit's noise layers, a GAN's latents, a label-flipping loss) owns a
``keras.random.SeedGenerator``: a state ``[seed, counter]`` from which each draw is made,
the counter advancing by one a draw. A layer made with ``seed=None`` picks its seed from
Python's ``random`` module when it is constructed, so a rebuilt model (``clone_model``, a
``.keras`` file) draws different numbers. ``fit`` records every state before the first step
(``run.config["seed_states"]``); setting them on the rebuilt model before retraining makes it
draw the same dropout masks, noise and latents, in the same order.
"""

from __future__ import annotations

import keras
import numpy as np


def generator_states(model) -> list:
    """The state variables of the model's generators: its layers', then its losses', in a fixed order.

    ``model.variables`` is ``model.weights`` plus the layers' generator states (Keras's
    ``Layer.variables``); a loss object is no layer, so its generators are read off its attributes.
    """
    weights = {id(w) for w in model.weights}
    states = [v for v in model.variables if id(v) not in weights]
    for loss in keras.tree.flatten(getattr(model, "loss", None)):
        if isinstance(loss, keras.losses.Loss):
            states += [value.state for value in vars(loss).values() if isinstance(value, keras.random.SeedGenerator)]
    return states


def seed_states(model) -> list[list[int]]:
    """Every generator's ``[seed, counter]`` now, as JSON-ready integers."""
    return [[int(n) for n in np.asarray(state)] for state in generator_states(model)]


def set_seed_states(model, states) -> None:
    """Puts the ``seed_states`` of a model of the same architecture (and loss) into ``model``."""
    variables = generator_states(model)
    if len(variables) != len(states):
        raise ValueError(f"The model has {len(variables)} random number generators but {len(states)} seed "
                         f"states were given: it is not the model they were recorded from.")
    for variable, state in zip(variables, states):
        variable.assign(np.asarray(state, dtype=variable.dtype))
