"""Dropout: randomly turn off some neurons during the forward pass.

In training, every unit is kept with probability 1 − p and set to zero otherwise, with a
fresh mask for every sample and every step; the kept units are scaled by 1 / (1 − p)
("inverted" dropout), so the expected activation is unchanged and the network needs no
rescaling at inference, where the layer is the identity. Hidden units cannot rely on any
one other unit being present, which keeps them from fitting too closely to each other:

    (1) mᵢ ~ Bernoulli(1 − p)                   one mask entry per activation
    (2) h̃ = m ⊙ h / (1 − p)                    training
    (3) h̃ = h                                   inference
    (4) E[h̃ᵢ] = (1 − p) · hᵢ / (1 − p) = hᵢ     why the scaling makes (3) right

| symbol | variable |
|--------|----------|
| p      | ``rate`` |
| m      | ``keep`` |

Mirrors ``keras.layers.Dropout`` (same mask statistics and scaling, identity at inference;
the random numbers differ because Keras draws its mask with a stateless TensorFlow op).
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit.validation import check_probability


@keras.saving.register_keras_serializable(package="toolkit")
class InvertedDropout(keras.layers.Layer):
    """Eqs. 1-3: zero each activation with probability ``rate``, scale the rest by 1/(1 − rate)."""

    def __init__(self, rate=0.5, seed=None, **kwargs):
        rate = check_probability("rate", rate, hint="It is the fraction of units dropped.")
        super().__init__(**kwargs)
        self.rate, self.seed = rate, seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs  # Eq. 3
        # Eq. 1: keep with probability 1 - p, a fresh mask for every activation
        keep = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator) >= self.rate
        # Eq. 2: h~ = m * h / (1 - p)
        return ops.where(keep, inputs / (1.0 - self.rate), ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
