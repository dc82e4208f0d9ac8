"""Chapter 3 of the notes, Optimization: optimizers, normalization layers, loss surfaces.

``optimizers`` holds the update rules (SGD, Momentum, Nesterov, Adagrad, RMSProp, Adam)
as ``keras.optimizers.Optimizer`` subclasses; ``normalization`` the batch, layer,
instance and group normalization layers; ``surfaces`` the 2-D loss surfaces and
``trajectories`` runs the same optimizers on them for the contour pictures.

The experiments of the chapter's pages: ``surface_lab`` (optimizers on a surface, with
lesson presets), ``race`` (the optimizer race on a real network), ``minibatch`` (batch vs
stochastic vs minibatch descent and the variance of ĝ), ``covariate_shift`` (pre-activations
over training with and without normalization), ``norm_statistics`` (batch norm's training
and inference modes, the values sharing one μ, σ²); ``networks`` builds their classifier.
"""

from toolkit.optim.covariate_shift import (
    NormalizationRace, PreactivationRecorder, normalization_race, saturated_fraction,
    saturation_intervals,
)
from toolkit.optim.minibatch import (
    DescentComparison, EpochClock, GradientVariance, compare_descent, descent_batch_sizes,
    gradient_variance,
)
from toolkit.optim.networks import fit_variants, mlp_classifier
from toolkit.optim.norm_statistics import BatchNormModes, batchnorm_modes, shared_statistics
from toolkit.optim.normalization import (
    BatchNorm, GroupNorm, InstanceNorm, LayerNorm, normalization_axes,
)
from toolkit.optim.optimizers import (
    OPTIMIZERS, SGD, Adagrad, Adam, Momentum, Nesterov, RMSProp, effective_learning_rates,
    keras_builtin,
)
from toolkit.optim.race import (
    OptimizerChoice, optimizer_choice, optimizer_race, race_learning_rates, race_messages,
    race_table,
)
from toolkit.optim.surface_lab import PRESETS, SurfaceLab, SurfacePreset, surface_lab
from toolkit.optim.surfaces import SURFACES, Surface, get_surface, surface_grid
from toolkit.optim.trajectories import Trajectory, trajectories

__all__ = [
    "OPTIMIZERS", "PRESETS", "SGD", "SURFACES", "Adagrad", "Adam", "BatchNorm", "BatchNormModes",
    "DescentComparison", "EpochClock", "GradientVariance", "GroupNorm", "InstanceNorm",
    "LayerNorm", "Momentum", "Nesterov", "NormalizationRace", "OptimizerChoice",
    "PreactivationRecorder", "RMSProp", "Surface", "SurfaceLab", "SurfacePreset", "Trajectory",
    "batchnorm_modes", "compare_descent", "descent_batch_sizes", "effective_learning_rates",
    "fit_variants", "get_surface", "gradient_variance", "keras_builtin", "mlp_classifier",
    "normalization_axes", "normalization_race", "optimizer_choice", "optimizer_race",
    "race_learning_rates", "race_messages", "race_table", "saturated_fraction", "saturation_intervals",
    "shared_statistics", "surface_grid", "surface_lab", "trajectories",
]
