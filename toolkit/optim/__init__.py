"""Chapter 3 of the notes, Optimization: optimizers, normalization layers, loss surfaces.

``optimizers`` holds the update rules (SGD, Momentum, Nesterov, Adagrad, RMSProp, Adam)
as ``keras.optimizers.Optimizer`` subclasses; ``normalization`` the batch, layer,
instance and group normalization layers; ``surfaces`` the 2-D loss surfaces and
``trajectories`` runs the same optimizers on them for the contour pictures.
"""

from toolkit.optim.normalization import (
    BatchNorm, GroupNorm, InstanceNorm, LayerNorm, normalization_axes,
)
from toolkit.optim.optimizers import (
    OPTIMIZERS, SGD, Adagrad, Adam, Momentum, Nesterov, RMSProp, effective_learning_rates,
    keras_builtin,
)
from toolkit.optim.surfaces import SURFACES, Surface, get_surface, surface_grid
from toolkit.optim.trajectories import Trajectory, trajectories

__all__ = [
    "OPTIMIZERS", "SGD", "SURFACES", "Adagrad", "Adam", "BatchNorm", "GroupNorm",
    "InstanceNorm", "LayerNorm", "Momentum", "Nesterov", "RMSProp", "Surface", "Trajectory",
    "effective_learning_rates", "get_surface", "keras_builtin", "normalization_axes",
    "surface_grid", "trajectories",
]
