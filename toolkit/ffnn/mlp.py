"""The feed-forward network as a composition of functions, and Playground's input features.

A feed-forward network (multilayer perceptron) is a chain of layers, each one a function
of the previous one's output; its depth is the number of layers:

    (1) f(x) = f⁽ᴸ⁾(f⁽ᴸ⁻¹⁾(… f⁽²⁾(f⁽¹⁾(x)) …))
    (2) hidden layer l:  a⁽ˡ⁾ = h(W⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾),   a⁽⁰⁾ = φ(x)
    (3) output layer:    ŷ = σ(Wᵀa + b) (binary), softmax(Wᵀa + b) (K classes) or Wᵀa + b

φ is the input representation. ``PlaygroundFeatures`` is the *engineered* φ of
TensorFlow Playground, seven features of a 2-D point (x1, x2):

    (4) φ(x) ⊂ (x1, x2, x1², x2², x1·x2, sin x1, sin x2)

and, as a *generic* φ (the notes' RBF kernel, chapter 1), Gaussian bumps around five fixed
centres c ∈ {(0, 0), (±3, ±3)} of the plane [-6, 6]², with length-scale ℓ = 2:

    (5) φ_c(x) = exp(−‖x − c‖² / 2ℓ²)          ("rbf(c)", "rbf(ne)", "rbf(nw)", "rbf(sw)", "rbf(se)")

A linear model on the four corner bumps already separates XOR, which on (x1, x2) needs the
engineered x1·x2 or a hidden layer. The hidden layers then *learn* a representation on top of it. ``build_mlp`` assembles
Eqs. 1-3 from the toolkit's from-scratch layers (``LinearUnit`` + an activation layer,
``Softmax``) or from the Keras built-ins (``keras.layers.Dense(activation=...)``); with
the same ``seed`` both start from identical weights and compute the same function.
"""

from __future__ import annotations

import keras
from keras import ops

from toolkit import validation
from toolkit.ffnn.activations import ACTIVATION_LAYERS, ACTIVATIONS, Sigmoid
from toolkit.ffnn.units import LinearUnit, Softmax

# Playground's feature names, in Playground's order -> the function of (x1, x2) (Eq. 4)
ENGINEERED_FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: ops.square(x1),
    "x2^2": lambda x1, x2: ops.square(x2),
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: ops.sin(x1),
    "sin(x2)": lambda x1, x2: ops.sin(x2),
}
RBF_LENGTHSCALE = 2.0  # ℓ of Eq. 5: the bumps overlap a little at the corners' distance 3√2
# Eq. 5's feature names -> their centre c
RBF_CENTRES = {"rbf(c)": (0.0, 0.0), "rbf(ne)": (3.0, 3.0), "rbf(nw)": (-3.0, 3.0), "rbf(sw)": (-3.0, -3.0),
               "rbf(se)": (3.0, -3.0)}


def _rbf(centre):
    """Eq. 5 around `centre`, as a function of (x1, x2)."""
    c1, c2 = centre
    return lambda x1, x2: ops.exp(-(ops.square(x1 - c1) + ops.square(x2 - c2)) / (2 * RBF_LENGTHSCALE**2))


PLAYGROUND_FEATURES = {**ENGINEERED_FEATURES, **{name: _rbf(c) for name, c in RBF_CENTRES.items()}}
# what the features widget changes: Eqs. 4 and 5
FEATURES_LATEX = (r"\varphi(x) \subset \big(x_1,\, x_2,\, x_1^2,\, x_2^2,\, x_1 x_2,\, \sin x_1,\, \sin x_2\big)"
                  r" \,\cup\, \big\{\, e^{-\lVert x - c \rVert^2 / 2\ell^2} : c \in \{(0, 0), (\pm 3, \pm 3)\},\;"
                  rf"\ell = {RBF_LENGTHSCALE:g} \,\big\}}")
OUTPUTS = ("sigmoid", "softmax", "linear")
MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 256


def check_features(features):
    """``features`` as a tuple of distinct Playground feature names (at least one), else ValueError."""
    return validation.check_choices("features", features, PLAYGROUND_FEATURES, min_count=1)


@keras.saving.register_keras_serializable(package="toolkit")
class PlaygroundFeatures(keras.layers.Layer):
    """Eq. 4: maps points (B, 2) to the chosen features (B, len(features)), in the order given."""

    def __init__(self, features=("x1", "x2"), **kwargs):
        super().__init__(**kwargs)
        self.features = check_features(features)

    def build(self, input_shape):
        if input_shape[-1] != 2:
            raise ValueError(f"PlaygroundFeatures expects points of shape (B, 2), "
                             f"received input shape {tuple(input_shape)}.")

    def call(self, inputs):
        x1, x2 = inputs[:, 0], inputs[:, 1]
        # Eq. 4: one column per chosen feature -> (B, F)
        return ops.stack([PLAYGROUND_FEATURES[name](x1, x2) for name in self.features], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], len(self.features))

    def get_config(self):
        return {**super().get_config(), "features": list(self.features)}


# -- build_mlp ------------------------------------------------------------------------
def _hidden_sizes(hidden):
    """Eq. 2's layer sizes n_l: 0 to ``MAX_HIDDEN_LAYERS`` integers in [1, ``MAX_UNITS``]."""
    if not isinstance(hidden, (list, tuple)) or len(hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"`hidden` must hold 0 to {MAX_HIDDEN_LAYERS} layer sizes in [1, {MAX_UNITS}], "
                         f"received hidden={hidden!r}.")
    return tuple(validation.check_int(f"hidden[{k}]", n, 1, MAX_UNITS) for k, n in enumerate(hidden))


def _layer_activations(activation, num_layers):
    """One name of ``ACTIVATIONS`` per hidden layer."""
    if isinstance(activation, str):
        return (validation.check_choice("activation", activation, ACTIVATIONS),) * num_layers
    if not isinstance(activation, (list, tuple)) or len(activation) != num_layers:
        raise ValueError(f"`activation` must be a name or one name per hidden layer "
                         f"({num_layers}), received activation={activation!r}.")
    return tuple(validation.check_choice("activation", name, ACTIVATIONS) for name in activation)


def _input_size(inputs):
    """(number of input features, Playground feature names or None) of ``inputs``."""
    if isinstance(inputs, (list, tuple)):
        return 2, check_features(inputs)
    return validation.check_positive_int("inputs", inputs, hint="(or pass a list of Playground feature names)"), None


def _output_units(output, num_classes):
    validation.check_choice("output", output, OUTPUTS)
    num_classes = validation.check_int("num_classes", num_classes, 2)
    return {"sigmoid": 1, "softmax": num_classes, "linear": 1}[output]


def _regularizer(l1, l2):
    l1, l2 = validation.check_float("l1", l1, 0.0, 1.0), validation.check_float("l2", l2, 0.0, 1.0)
    return keras.regularizers.L1L2(l1, l2) if (l1 or l2) else None


def _hidden_layers(units, activation, regularizer, seed, from_scratch, name):
    """Eq. 2: the linear unit followed by h, as toolkit layers or one ``keras.layers.Dense``."""
    init = keras.initializers.GlorotUniform(seed=seed)
    if not from_scratch:
        return [keras.layers.Dense(units, activation=ACTIVATIONS[activation][2], name=name,
                                   kernel_initializer=init, kernel_regularizer=regularizer)]
    return [LinearUnit(units, kernel_initializer=init, kernel_regularizer=regularizer, name=name),
            ACTIVATION_LAYERS[activation](name=f"{name}_{activation}")]


def _output_layers(output, units, regularizer, seed, from_scratch):
    """Eq. 3: a linear unit, then σ, softmax or nothing."""
    init = keras.initializers.GlorotUniform(seed=seed)
    if not from_scratch:
        return [keras.layers.Dense(units, activation=None if output == "linear" else output,
                                   kernel_initializer=init, kernel_regularizer=regularizer,
                                   name="output")]
    layers = [LinearUnit(units, kernel_initializer=init, kernel_regularizer=regularizer, name="output")]
    if output == "sigmoid":
        layers.append(Sigmoid(name="output_sigmoid"))
    elif output == "softmax":
        layers.append(Softmax(name="output_softmax"))
    return layers


def build_mlp(inputs=2, hidden=(4, 2), activation="tanh", output="sigmoid", num_classes=2,
              l1=0.0, l2=0.0, dropout=0.0, from_scratch=True, seed=0, name="mlp"):
    """An uncompiled ``keras.Sequential`` computing Eqs. 1-3.

    Args:
        inputs: number of input features, or a list of Playground feature names
            (Eq. 4; the model then takes raw points (B, 2)).
        hidden: 0 to 8 hidden layer sizes, each in [1, 256]; no hidden layer gives a
            linear model on the inputs (logistic regression with a sigmoid output).
        activation: a name in ``ACTIVATIONS`` or one name per hidden layer.
        output: "sigmoid" (1 unit, binary), "softmax" (``num_classes`` units) or "linear"
            (1 unit, regression).
        num_classes: number of classes K >= 2 for the softmax output.
        l1, l2: weight penalties (>= 0) on every kernel (``keras.regularizers.L1L2``).
        dropout: rate in [0, 1) of a ``keras.layers.Dropout`` after each hidden layer.
        from_scratch: toolkit layers if True, ``keras.layers.Dense`` built-ins if False.
        seed: seeds the Glorot-uniform initial weights (layer k uses seed + k) and dropout.
        name: the model's name.
    """
    num_inputs, features = _input_size(inputs)
    hidden = _hidden_sizes(hidden)
    activations = _layer_activations(activation, len(hidden))
    out_units = _output_units(output, num_classes)
    regularizer = _regularizer(l1, l2)
    dropout = validation.check_probability("dropout", dropout)
    validation.check_bool("from_scratch", from_scratch)
    seed = validation.check_seed(seed)
    layers = [keras.Input((num_inputs,))]
    if features is not None:
        layers.append(PlaygroundFeatures(features, name="features"))
    for k, (units, act) in enumerate(zip(hidden, activations), start=1):
        layers += _hidden_layers(units, act, regularizer, seed + k, from_scratch, f"hidden_{k}")
        if dropout:
            layers.append(keras.layers.Dropout(dropout, seed=seed + k, name=f"dropout_{k}"))
    layers += _output_layers(output, out_units, regularizer, seed + len(hidden) + 1, from_scratch)
    return keras.Sequential(layers, name=name)
