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
Each page's settings are one Config (``SurfaceConfig``, ``RaceConfig``, ``DescentConfig``,
``NormalizationConfig``) and its training one ``run_*`` function that reports through
``toolkit.train`` callbacks.
"""

from toolkit.optim.covariate_shift import (
    INPUT_SCALES, NORMALIZATION_DATASET, NormalizationConfig, NormalizationRace, PreactivationRecorder,
    normalization_race, run_covariate_shift, run_high_learning_rate, saturated_fraction,
    saturation_intervals,
)
from toolkit.optim.minibatch import (
    DESCENT_DATASET, DescentComparison, DescentConfig, EpochClock, GradientVariance, compare_descent,
    descent_batch_sizes, gradient_variance, run_descent,
)
from toolkit.optim.networks import fit_variants, mlp_classifier
from toolkit.optim.norm_statistics import BatchNormModes, batchnorm_modes, shared_statistics
from toolkit.optim.normalization import (
    BatchNorm, GroupNorm, InstanceNorm, LayerNorm, normalization_axes,
)
from toolkit.optim.optimizers import (
    OPTIMIZERS, SGD, UPDATE_RULES, Adagrad, Adam, Momentum, Nesterov, RMSProp,
    effective_learning_rates, keras_builtin,
)
from toolkit.optim.race import (
    RACE_DATASETS, OptimizerChoice, RaceConfig, optimizer_choice, optimizer_race, race_learning_rates,
    race_messages, race_table, run_race,
)
from toolkit.optim.surface_lab import (
    OPTIMIZER_NAMES, PRESETS, SurfaceConfig, SurfaceLab, SurfacePreset, run_surface_lab, surface_lab,
)
from toolkit.optim.surfaces import SURFACES, Surface, get_surface, surface_grid
from toolkit.optim.trajectories import Trajectory, path_points, trajectories

__all__ = [
    "DESCENT_DATASET", "INPUT_SCALES", "NORMALIZATION_DATASET", "OPTIMIZERS", "OPTIMIZER_NAMES",
    "PRESETS", "RACE_DATASETS", "SGD", "SURFACES", "UPDATE_RULES", "Adagrad", "Adam", "BatchNorm",
    "BatchNormModes", "DescentComparison", "DescentConfig", "EpochClock", "GradientVariance",
    "GroupNorm", "InstanceNorm", "LayerNorm", "Momentum", "Nesterov", "NormalizationConfig",
    "NormalizationRace", "OptimizerChoice", "PreactivationRecorder", "RMSProp", "RaceConfig", "Surface",
    "SurfaceConfig", "SurfaceLab", "SurfacePreset", "Trajectory", "batchnorm_modes", "compare_descent",
    "descent_batch_sizes", "effective_learning_rates", "fit_variants", "get_surface", "gradient_variance",
    "keras_builtin", "mlp_classifier", "normalization_axes", "normalization_race", "optimizer_choice",
    "optimizer_race", "path_points", "race_learning_rates", "race_messages", "race_table",
    "run_covariate_shift", "run_descent", "run_high_learning_rate", "run_race", "run_surface_lab",
    "saturated_fraction", "saturation_intervals", "shared_statistics", "surface_grid", "surface_lab",
    "trajectories",
]
