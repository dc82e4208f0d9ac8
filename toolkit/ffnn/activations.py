"""Activation functions h(z), written from scratch, each with its derivative h'(z).

A hidden unit computes z = Wᵀa + b and passes it through a non-linearity h. The notes
stress that "what matters most is the shape of the DERIVATIVES": backpropagation multiplies
the error signal by h'(z) at every layer, so a derivative that vanishes (saturated sigmoid,
ReLU for z < 0) stops learning. Every function below works on NumPy arrays and tensors
(it is written with ``keras.ops``), and is stable for large |z| (no overflow, no NaN).

    (1) sigmoid      σ(z) = 1 / (1 + e^(−z))                  σ'(z) = σ(z)(1 − σ(z))
    (2) tanh         tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))  tanh'(z) = 1 − tanh²(z)
    (3) ReLU         max(0, z)                                 1 if z > 0 else 0
    (4) generalized  g(z, α) = max(0, z) + α·min(0, z)         1 if z > 0 else α
    (5) ELU          z if z > 0 else α(e^z − 1)                1 if z > 0 else α·e^z
    (6) Swish        z·σ(βz)                                   σ(βz) + βz·σ(βz)(1 − σ(βz))

Stable forms: with u = |z| and s = sign(z) (s = +1 at 0), Eq. 1 is 1/(1 + e^(−u)) for
z ≥ 0 and e^(−u)/(1 + e^(−u)) for z < 0; Eq. 2 is s·(1 − e^(−2u))/(1 + e^(−2u)), computed
with expm1 so that small z keeps its precision; Eq. 5 uses expm1(min(z, 0)).

Each function mirrors a Keras built-in (``keras.activations.sigmoid``, ``tanh``, ``relu``,
``leaky_relu``, ``elu``, ``silu``); ``ACTIVATIONS`` maps a name to
``(function, derivative, keras built-in name)`` so a page can toggle between them.
The defaults (α = 0.2 for the generalized ReLU, α = 1 for ELU, β = 1 for Swish) are the
built-ins' defaults, so ``"leaky_relu"`` means the same function on both sides.
"""

from __future__ import annotations

import dataclasses

import keras
from keras import ops

from toolkit import validation
from toolkit.config import Config, setting


def _sign_and_magnitude(z):
    """(s, u) with s = +1 for z ≥ 0 else −1 and u = s·z = |z| (derivative 1 at z = 0)."""
    z = ops.convert_to_tensor(z)
    s = ops.where(z >= 0, ops.ones_like(z), -ops.ones_like(z))
    return s, s * z


def sigmoid(z):
    """Eq. 1: σ(z) = 1 / (1 + e^(−z)), evaluated without overflow."""
    s, u = _sign_and_magnitude(z)
    e = ops.exp(-u)  # in (0, 1]: never overflows
    # Eq. 1 for z ≥ 0; for z < 0 multiply top and bottom by e^z
    return ops.where(s > 0, 1.0 / (1.0 + e), e / (1.0 + e))


def d_sigmoid(z):
    """Eq. 1: σ'(z) = σ(z)(1 − σ(z)); at most 1/4, vanishing for large |z|."""
    sig = sigmoid(z)
    return sig * (1.0 - sig)


def tanh(z):
    """Eq. 2: tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z)) = s·(1 − e^(−2u)) / (1 + e^(−2u))."""
    s, u = _sign_and_magnitude(z)
    m = ops.expm1(-2.0 * u)  # e^(−2u) − 1, in (−1, 0]
    return s * (-m) / (2.0 + m)


def d_tanh(z):
    """Eq. 2: tanh'(z) = 1 − tanh²(z); 1 at z = 0, vanishing for large |z|."""
    return 1.0 - ops.square(tanh(z))


def relu(z):
    """Eq. 3: max(0, z)."""
    z = ops.convert_to_tensor(z)
    return ops.where(z > 0, z, ops.zeros_like(z))


def d_relu(z):
    """Eq. 3: 1 for z > 0 and 0 otherwise (0 at z = 0, as TensorFlow's gradient)."""
    z = ops.convert_to_tensor(z)
    return ops.cast(z > 0, z.dtype)


def generalized_relu(z, alpha=0.2):
    """Eq. 4: g(z, α) = max(0, z) + α·min(0, z); α = 0 is ReLU, small α > 0 leaky ReLU."""
    z = ops.convert_to_tensor(z)
    return ops.where(z > 0, z, alpha * z)


def d_generalized_relu(z, alpha=0.2):
    """Eq. 4: 1 for z > 0, α otherwise: the gradient never dies completely."""
    z = ops.convert_to_tensor(z)
    return ops.where(z > 0, ops.ones_like(z), alpha * ops.ones_like(z))


def elu(z, alpha=1.0):
    """Eq. 5: z for z > 0, α(e^z − 1) otherwise."""
    z = ops.convert_to_tensor(z)
    # Eq. 5 with expm1(min(z, 0)) so the unused branch never overflows
    return ops.where(z > 0, z, alpha * ops.expm1(ops.minimum(z, 0.0)))


def d_elu(z, alpha=1.0):
    """Eq. 5: 1 for z > 0, α·e^z otherwise."""
    z = ops.convert_to_tensor(z)
    return ops.where(z > 0, ops.ones_like(z), alpha * ops.exp(ops.minimum(z, 0.0)))


def swish(z, beta=1.0):
    """Eq. 6: z·σ(βz); β = 1 is Keras' ``silu``."""
    z = ops.convert_to_tensor(z)
    return z * sigmoid(beta * z)


def d_swish(z, beta=1.0):
    """Eq. 6: σ(βz) + βz·σ(βz)(1 − σ(βz))."""
    z = ops.convert_to_tensor(z)
    sig = sigmoid(beta * z)
    return sig + beta * z * sig * (1.0 - sig)


# name -> (function, derivative, name of the Keras built-in with the same default maths)
ACTIVATIONS = {
    "sigmoid": (sigmoid, d_sigmoid, "sigmoid"),
    "tanh": (tanh, d_tanh, "tanh"),
    "relu": (relu, d_relu, "relu"),
    "leaky_relu": (generalized_relu, d_generalized_relu, "leaky_relu"),
    "elu": (elu, d_elu, "elu"),
    "swish": (swish, d_swish, "silu"),
}


class ActivationLayer(keras.layers.Layer):
    """A weightless layer applying ``function``; ``derivative(z)`` gives h'(z) elementwise."""

    function = None
    derivative_function = None

    def call(self, inputs):
        return type(self).function(inputs, **self._params())

    def derivative(self, z):
        """h'(z), the factor backpropagation multiplies the error signal by."""
        return type(self).derivative_function(z, **self._params())

    def compute_output_shape(self, input_shape):
        return input_shape

    def _params(self):
        return {}


@keras.saving.register_keras_serializable(package="toolkit")
class Sigmoid(ActivationLayer):
    """Eq. 1 as a layer; mirrors ``keras.layers.Activation("sigmoid")``."""

    function = staticmethod(sigmoid)
    derivative_function = staticmethod(d_sigmoid)


@keras.saving.register_keras_serializable(package="toolkit")
class Tanh(ActivationLayer):
    """Eq. 2 as a layer; mirrors ``keras.layers.Activation("tanh")``."""

    function = staticmethod(tanh)
    derivative_function = staticmethod(d_tanh)


@keras.saving.register_keras_serializable(package="toolkit")
class ReLU(ActivationLayer):
    """Eq. 3 as a layer; mirrors ``keras.layers.ReLU``."""

    function = staticmethod(relu)
    derivative_function = staticmethod(d_relu)


@keras.saving.register_keras_serializable(package="toolkit")
class GeneralizedReLU(ActivationLayer):
    """Eq. 4 as a layer with slope ``alpha`` ≥ 0 for z < 0; mirrors ``keras.layers.LeakyReLU``."""

    function = staticmethod(generalized_relu)
    derivative_function = staticmethod(d_generalized_relu)

    def __init__(self, alpha=0.2, **kwargs):
        super().__init__(**kwargs)
        self.alpha = validation.check_nonnegative("alpha", alpha)

    def _params(self):
        return {"alpha": self.alpha}

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


@keras.saving.register_keras_serializable(package="toolkit")
class ELU(ActivationLayer):
    """Eq. 5 as a layer with ``alpha`` > 0; mirrors ``keras.layers.ELU``."""

    function = staticmethod(elu)
    derivative_function = staticmethod(d_elu)

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = validation.check_float("alpha", alpha, 0.0, None, open_low=True)

    def _params(self):
        return {"alpha": self.alpha}

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


@keras.saving.register_keras_serializable(package="toolkit")
class Swish(ActivationLayer):
    """Eq. 6 as a layer with ``beta`` > 0; β = 1 mirrors ``keras.layers.Activation("silu")``."""

    function = staticmethod(swish)
    derivative_function = staticmethod(d_swish)

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.beta = validation.check_float("beta", beta, 0.0, None, open_low=True)

    def _params(self):
        return {"beta": self.beta}

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


# name in ACTIVATIONS -> layer class (used by build_mlp when from_scratch=True)
ACTIVATION_LAYERS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": GeneralizedReLU,
    "elu": ELU,
    "swish": Swish,
}


def activation_values(names, z, leaky_alpha=0.2, elu_alpha=1.0, swish_beta=1.0):
    """{name: (h(z), h'(z))} as float64 NumPy arrays, for plotting the shapes side by side.

    ``leaky_alpha`` is α of Eq. 4, ``elu_alpha`` α of Eq. 5, ``swish_beta`` β of Eq. 6.
    """
    params = {"leaky_relu": {"alpha": leaky_alpha}, "elu": {"alpha": elu_alpha},
              "swish": {"beta": swish_beta}}
    z = ops.convert_to_tensor(z, dtype="float32")
    values = {}
    for name in names:
        function, derivative, _ = ACTIVATIONS[validation.check_choice("names", name, ACTIVATIONS)]
        kwargs = params.get(name, {})
        values[name] = (ops.convert_to_numpy(function(z, **kwargs)).astype("float64"),
                        ops.convert_to_numpy(derivative(z, **kwargs)).astype("float64"))
    return values


def activation_latex(name, leaky_alpha=0.2, elu_alpha=1.0, swish_beta=1.0):
    """h(z) of ``name`` as LaTeX in the notes' notation, with the chosen α or β written in."""
    formulas = {
        "sigmoid": r"\sigma(z) = \frac{1}{1 + e^{-z}}",
        "tanh": r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        "relu": r"\mathrm{ReLU}(z) = \max(0, z)",
        "leaky_relu": rf"g(z, \alpha) = \max(0, z) + \alpha \min(0, z),\; \alpha = {leaky_alpha:g}",
        "elu": (rf"\mathrm{{ELU}}(z) = z \text{{ if }} z > 0 \text{{, else }} \alpha (e^{{z}} - 1),"
                rf"\; \alpha = {elu_alpha:g}"),
        "swish": rf"\mathrm{{swish}}(z) = z\, \sigma(\beta z),\; \beta = {swish_beta:g}",
    }
    return formulas[validation.check_choice("name", name, ACTIVATIONS)]


@dataclasses.dataclass(frozen=True)
class ActivationsConfig(Config):
    """The activations plotted side by side and the parameters of Eqs. 4-6."""

    names: tuple = setting(tuple(ACTIVATIONS), choices=tuple(ACTIVATIONS), label="Activations")
    alpha: float = setting(0.2, lo=0.0, hi=1.0, step=0.05, widget="slider", label="Leaky ReLU slope α")
    elu: float = setting(1.0, lo=0.1, hi=3.0, step=0.1, widget="slider", label="ELU α")
    beta: float = setting(1.0, lo=0.1, hi=5.0, step=0.1, widget="slider", label="Swish β")

    def curves(self, z):
        """{name: (h(z), h'(z))} of the chosen activations (``activation_values``)."""
        return activation_values(self.names, z, leaky_alpha=self.alpha, elu_alpha=self.elu, swish_beta=self.beta)

    def latex(self):
        """h(z) of the chosen activations as one LaTeX block, two formulas per row."""
        formulas = [activation_latex(name, self.alpha, self.elu, self.beta) for name in self.names]
        rows = [r" \qquad ".join(formulas[i:i + 2]) for i in range(0, len(formulas), 2)]
        return r"\begin{gathered}" + r" \\ ".join(rows) + r"\end{gathered}"
