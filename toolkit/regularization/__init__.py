"""Chapter 4 of the notes, Regularization: every strategy, from scratch, beside its Keras twin.

    penalties        L̃(w) = L(w) + λΩ(w): ``L1``, ``L2``, ``L1L2`` regularizers and the 2-D
                     picture of why L₁ gives zeros (``penalty_geometry``)
    augmentation     Keras preprocessing pipelines for images, ``RandomPointRotation`` for
                     2-D points, and how invariant a classifier became (``invariance``)
    noise            noise to the input (``GaussianNoise``), to the weights (``NoisyDense``)
                     and to the label (``SmoothedSparseCategoricalCrossentropy``,
                     ``LabelFlipCrossentropy``)
    early_stopping   ``EarlyStopping``, a ``toolkit.train`` callback with patience and
                     restore-best
    multitask        ``MultiTaskNetwork``: a shared trunk with a head per task
    sharing          tied weights: ``TiedAutoencoder``, ``RepeatedDense``
    ensembles        ``BaggingEnsemble`` (K members on bootstrap samples) and ``ensemble_report``
    dropout          ``InvertedDropout``
    custom_step      the base of the two models that write their own training step
    lab              the page's side-by-side comparison: ``LabConfig``, ``run_lab``, ``LabResult``,
                     ``stopping_epochs`` (early stopping's marks, live or final)
"""

from toolkit.regularization.augmentation import (
    IMAGE_TRANSFORMS, RandomPointRotation, augmentation_pipeline, invariance, point_augmentation,
)
from toolkit.regularization.dropout import InvertedDropout
from toolkit.regularization.early_stopping import EarlyStopping, StoppingState
from toolkit.regularization.ensembles import (
    BaggingEnsemble, EnsembleReport, bootstrap_counts, bootstrap_sample, ensemble_report,
    majority_vote,
)
from toolkit.regularization.lab import (
    STRATEGIES, LabConfig, LabData, LabResult, lab_data, run_lab, stopping_epochs,
)
from toolkit.regularization.multitask import (
    AUXILIARY_TASKS, MultiTaskNetwork, auxiliary_targets, auxiliary_threshold,
)
from toolkit.regularization.noise import (
    GaussianNoise, LabelFlipCrossentropy, NoisyDense, SmoothedSparseCategoricalCrossentropy,
    smooth_labels,
)
from toolkit.regularization.penalties import (
    L1, L1L2, L2, PenaltyGeometry, omega, penalty, penalty_geometry, penalty_path,
)
from toolkit.regularization.sharing import (
    RepeatedDense, TiedAutoencoder, autoencoder_parameters, build_autoencoder,
)

__all__ = [
    "AUXILIARY_TASKS", "IMAGE_TRANSFORMS", "L1", "L1L2", "L2", "STRATEGIES", "BaggingEnsemble",
    "EarlyStopping", "EnsembleReport", "GaussianNoise", "InvertedDropout", "LabConfig", "LabData",
    "LabResult", "LabelFlipCrossentropy", "MultiTaskNetwork", "NoisyDense", "PenaltyGeometry",
    "RandomPointRotation", "RepeatedDense", "SmoothedSparseCategoricalCrossentropy",
    "StoppingState", "TiedAutoencoder", "augmentation_pipeline", "autoencoder_parameters",
    "auxiliary_targets", "auxiliary_threshold", "bootstrap_counts", "bootstrap_sample",
    "build_autoencoder", "ensemble_report", "invariance", "lab_data", "majority_vote", "omega",
    "penalty", "penalty_geometry", "penalty_path", "point_augmentation", "run_lab", "smooth_labels",
    "stopping_epochs",
]
