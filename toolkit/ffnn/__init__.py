"""Chapter 1, Feed forward neural networks: activations, losses, units, MLPs, approximation.

    activations    h(z) and h'(z) from scratch (sigmoid, tanh, ReLU, generalized ReLU, ELU,
                   Swish), as functions and layers; ``ACTIVATIONS`` maps names to them
    losses         cross-entropies, MSE, MAE, Huber as functions, derivatives and Loss classes
    units          the linear unit ŷ = Wᵀh + b and the (stable) softmax unit
    mlp            ``build_mlp`` (toolkit layers or Keras built-ins) and ``PlaygroundFeatures``
    approximation  Cybenko's theorem in practice: error against width, depth against width
    playground     TensorFlow Playground's settings, network, live session and snapshots
    dying_relu     the fraction of dead ReLU units while training at a high learning rate
    outliers       a line fitted with MSE, MAE and Huber to data with outliers
"""

from toolkit.ffnn.activations import (
    ACTIVATION_LAYERS, ACTIVATIONS, ELU, GeneralizedReLU, ReLU, Sigmoid, Swish, Tanh,
    activation_values, d_elu, d_generalized_relu, d_relu, d_sigmoid, d_swish, d_tanh, elu,
    generalized_relu, relu, sigmoid, swish, tanh,
)
from toolkit.ffnn.approximation import (
    TARGET_FUNCTIONS, Approximation, architectures_for_budget, depth_vs_width,
    error_vs_width, fit_function, parameter_count,
)
from toolkit.ffnn.losses import (
    BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy, binary_crossentropy, categorical_crossentropy,
    d_binary_crossentropy, d_categorical_crossentropy, d_huber, d_mean_absolute_error,
    d_mean_squared_error, huber, mean_absolute_error, mean_squared_error,
    sparse_categorical_crossentropy,
)
from toolkit.ffnn.mlp import PLAYGROUND_FEATURES, PlaygroundFeatures, build_mlp
from toolkit.ffnn.units import LinearUnit, Softmax, naive_softmax, softmax, softmax_jacobian
from toolkit.ffnn.dying_relu import DeadUnits, dead_fractions, watch_dead_units
from toolkit.ffnn.outliers import compare_losses, fit_line, outlier_data
from toolkit.ffnn.playground import PlaygroundConfig, PlaygroundSession

__all__ = [
    "ACTIVATIONS", "ACTIVATION_LAYERS", "ELU", "GeneralizedReLU", "ReLU", "Sigmoid", "Swish",
    "Tanh", "d_elu", "d_generalized_relu", "d_relu", "d_sigmoid", "d_swish", "d_tanh", "elu",
    "generalized_relu", "relu", "sigmoid", "swish", "tanh",
    "TARGET_FUNCTIONS", "Approximation", "architectures_for_budget", "depth_vs_width",
    "error_vs_width", "fit_function", "parameter_count",
    "BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "MeanAbsoluteError",
    "MeanSquaredError", "SparseCategoricalCrossentropy", "binary_crossentropy",
    "categorical_crossentropy", "d_binary_crossentropy", "d_categorical_crossentropy",
    "d_huber", "d_mean_absolute_error", "d_mean_squared_error", "huber", "mean_absolute_error",
    "mean_squared_error", "sparse_categorical_crossentropy",
    "PLAYGROUND_FEATURES", "PlaygroundFeatures", "build_mlp",
    "LinearUnit", "Softmax", "naive_softmax", "softmax", "softmax_jacobian",
    "activation_values", "DeadUnits", "dead_fractions", "watch_dead_units",
    "compare_losses", "fit_line", "outlier_data", "PlaygroundConfig", "PlaygroundSession",
]
