"""Parameter sharing: force some parameters of the network to be exactly the same.

Sharing cuts the number of free parameters (a smaller hypothesis space, so less capacity
to overfit) and lets one set of weights learn from every place it is used. Two classic forms:

* a tied autoencoder: the decoder uses the encoder's kernel transposed (Eqs. 1-2), so the
  D·C decoder weights are not parameters at all (Eq. 5);
* one layer applied at several depths: hidden layers l = 2..L all use the same W and b
  (Eq. 3, ``RepeatedDense``), L − 2 fewer C×C kernels (Eq. 6).

    (1) h = σ(x W + b)                      encoder, W: (D, C)
    (2) x̂ = sigmoid(h Wᵀ + c)               decoder with the tied (transposed) W
    (3) h⁽ˡ⁺¹⁾ = σ(h⁽ˡ⁾ V + a),  l = 1..R     the same V: (C, C) and a at every repeat
    (4) untied autoencoder: 2 D C + C + D parameters
    (5) tied autoencoder:   D C + C + D              (saves D C)
    (6) R repeats of one layer: C² + C instead of R (C² + C)

| symbol | variable |   | symbol | variable |
|--------|----------|---|--------|----------|
| D, C   | input size, ``units`` | | R | ``repeats`` |
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit.validation import check_positive_int


@keras.saving.register_keras_serializable(package="toolkit")
class TiedAutoencoder(keras.layers.Layer):
    """Eqs. 1-2: encode to ``units`` and decode with the same kernel transposed."""

    def __init__(self, units=32, activation="relu", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.seed = check_positive_int("units", units), seed
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(dim, self.units), name="kernel",
                                      initializer=keras.initializers.GlorotUniform(self.seed))
        self.encoder_bias = self.add_weight(shape=(self.units,), name="encoder_bias", initializer="zeros")
        self.decoder_bias = self.add_weight(shape=(dim,), name="decoder_bias", initializer="zeros")

    def encode(self, x):
        return self.activation(ops.matmul(x, self.kernel) + self.encoder_bias)  # Eq. 1

    def call(self, inputs):
        h = self.encode(inputs)
        # Eq. 2: the decoder's kernel is W transposed, not a parameter of its own
        return ops.sigmoid(ops.matmul(h, ops.transpose(self.kernel)) + self.decoder_bias)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "units": self.units, "seed": self.seed,
                "activation": keras.activations.serialize(self.activation)}


def build_autoencoder(input_dim: int, units: int = 32, *, tied: bool = True, seed: int = 0,
                      name: str | None = None) -> keras.Sequential:
    """An uncompiled autoencoder of flat inputs in [0, 1]: tied (Eqs. 1-2) or two Dense layers."""
    input_dim, units = check_positive_int("input_dim", input_dim), check_positive_int("units", units)
    init = keras.initializers.GlorotUniform(seed)
    if tied:
        body = [TiedAutoencoder(units, seed=seed, name="tied")]
    else:
        body = [keras.layers.Dense(units, activation="relu", kernel_initializer=init, name="encoder"),
                keras.layers.Dense(input_dim, activation="sigmoid", name="decoder",
                                   kernel_initializer=keras.initializers.GlorotUniform(seed + 1))]
    return keras.Sequential([keras.Input((input_dim,)), *body],
                            name=name or ("tied_autoencoder" if tied else "autoencoder"))


def autoencoder_parameters(input_dim: int, units: int, *, tied: bool) -> int:
    """Eqs. 4-5."""
    return (1 if tied else 2) * input_dim * units + units + input_dim


@keras.saving.register_keras_serializable(package="toolkit")
class RepeatedDense(keras.layers.Layer):
    """Eq. 3: one dense layer (C -> C) applied ``repeats`` times with the same weights."""

    def __init__(self, units, repeats=2, activation="relu", kernel_initializer="glorot_uniform",
                 kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units, self.repeats = check_positive_int("units", units), check_positive_int("repeats", repeats)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def build(self, input_shape):
        if input_shape[-1] != self.units:
            raise ValueError(f"RepeatedDense maps C -> C: its input must have units={self.units} "
                             f"features, received input shape {tuple(input_shape)}.")
        self.kernel = self.add_weight(shape=(self.units, self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.bias = self.add_weight(shape=(self.units,), name="bias", initializer="zeros")

    def call(self, inputs):
        h = inputs
        for _ in range(self.repeats):
            h = self.activation(ops.matmul(h, self.kernel) + self.bias)  # Eq. 3, the same V and a
        return h

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "units": self.units, "repeats": self.repeats,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer)}
