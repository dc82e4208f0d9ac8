"""Chapter 1, Feed forward neural networks: activations, losses, units, MLPs, approximation.

    activations    h(z) and h'(z) from scratch (sigmoid, tanh, ReLU, generalized ReLU, ELU,
                   Swish), as functions and layers; ``ACTIVATIONS`` maps names to them
    losses         cross-entropies, MSE, MAE, Huber as functions, derivatives and Loss classes
    units          the linear unit ŷ = Wᵀh + b and the (stable) softmax unit
    mlp            ``build_mlp`` (toolkit layers or Keras built-ins) and ``PlaygroundFeatures``
    approximation  Cybenko's theorem in practice: error against width, depth against width
    playground     TensorFlow Playground's settings, network, live session and snapshots
    dying_relu     the fraction of dead ReLU units while training at a high learning rate
                   (``DeadUnitMonitor``, a toolkit.train Callback)
    outliers       a line fitted with MSE, MAE and Huber to data with outliers

Each experiment of the Activations page has a Config (``ActivationsConfig``,
``DyingReluConfig``, ``OutliersConfig``, ``ApproximationConfig``) whose fields declare the
page's controls and their bounds, and a ``run_*`` function that trains through
``toolkit.train`` with ``callbacks`` and ``stop``.
"""

from toolkit.ffnn.activations import (
    ACTIVATION_LAYERS, ACTIVATIONS, ELU, ActivationsConfig, GeneralizedReLU, ReLU, Sigmoid, Swish, Tanh,
    activation_latex, activation_values, d_elu, d_generalized_relu, d_relu, d_sigmoid, d_swish, d_tanh, elu,
    generalized_relu, relu, sigmoid, swish, tanh,
)
from toolkit.ffnn.approximation import (
    TARGET_FUNCTIONS, Approximation, ApproximationConfig, architectures_for_budget, depth_vs_width,
    error_vs_width, fit_function, parameter_count, run_approximation,
)
from toolkit.ffnn.losses import (
    BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy, binary_crossentropy, categorical_crossentropy,
    d_binary_crossentropy, d_categorical_crossentropy, d_huber, d_mean_absolute_error,
    d_mean_squared_error, huber, mean_absolute_error, mean_squared_error,
    sparse_categorical_crossentropy,
)
from toolkit.ffnn.mlp import ENGINEERED_FEATURES, PLAYGROUND_FEATURES, RBF_CENTRES, PlaygroundFeatures, build_mlp
from toolkit.ffnn.units import LinearUnit, Softmax, naive_softmax, softmax, softmax_jacobian
from toolkit.ffnn.dying_relu import DeadUnitMonitor, DeadUnits, DyingReluConfig, dead_fractions, run_dying_relu
from toolkit.ffnn.outliers import OutliersConfig, compare_losses, fit_line, outlier_data, run_line_fits
from toolkit.ffnn.playground import PlaygroundConfig, PlaygroundSession

__all__ = [
    "ACTIVATIONS", "ACTIVATION_LAYERS", "ActivationsConfig", "ELU", "GeneralizedReLU", "ReLU", "Sigmoid", "Swish",
    "Tanh", "d_elu", "d_generalized_relu", "d_relu", "d_sigmoid", "d_swish", "d_tanh", "elu",
    "generalized_relu", "relu", "sigmoid", "swish", "tanh",
    "TARGET_FUNCTIONS", "Approximation", "ApproximationConfig", "architectures_for_budget",
    "depth_vs_width", "error_vs_width", "fit_function", "parameter_count", "run_approximation",
    "BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "MeanAbsoluteError",
    "MeanSquaredError", "SparseCategoricalCrossentropy", "binary_crossentropy",
    "categorical_crossentropy", "d_binary_crossentropy", "d_categorical_crossentropy",
    "d_huber", "d_mean_absolute_error", "d_mean_squared_error", "huber", "mean_absolute_error",
    "mean_squared_error", "sparse_categorical_crossentropy",
    "ENGINEERED_FEATURES", "PLAYGROUND_FEATURES", "RBF_CENTRES", "PlaygroundFeatures", "build_mlp",
    "LinearUnit", "Softmax", "naive_softmax", "softmax", "softmax_jacobian",
    "activation_latex", "activation_values", "DeadUnitMonitor", "DeadUnits", "DyingReluConfig",
    "dead_fractions", "run_dying_relu", "OutliersConfig", "compare_losses", "fit_line", "outlier_data",
    "run_line_fits", "PlaygroundConfig", "PlaygroundSession",
]
