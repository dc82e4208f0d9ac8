"""Model ensembles: train several models separately, then let them vote (bagging).

Different models make different errors on the test set, so their average errs less than a
typical member. Bagging (bootstrap aggregating) makes the members differ by training each
on its own bootstrap sample of the data, n draws with replacement (Eq. 1), in which a
sample appears c times, c ≈ Poisson(1) (Eq. 2; about 37 % of the samples are left out of
each member's sample). ``BaggingEnsemble`` trains K members in one model, so that
``toolkit.train.compare`` races it against single networks on the same batches: each
member weights every sample of a batch by its count (Eq. 3), the "Poisson bootstrap" of
online bagging (Oza & Russell 2001). The count is a fixed function of the sample (Eq. 4),
so a member sees the same resample at every epoch, as in bagging.

    (1) D_k = n draws with replacement from D                        member k's bootstrap sample
    (2) c_ik = times sample i is in D_k ~ Binomial(n, 1/n) ≈ Poisson(1)
    (3) L_k = (1/B) Σ_i c_ik ℓ(f_k(x_i), y_i)                         member k's loss on a batch
    (4) u_ik = frac(A · sin(r_k · x_i)),   c_ik = F⁻¹_Poisson(1)(u_ik)  r_k ~ N(0, s² I) fixed
    (5) average: p(x) = (1/K) Σ_k p_k(x);   vote: argmax_c Σ_k [argmax p_k(x) = c]
    (6) disagreement(j, k) = mean over x of [argmax p_j(x) ≠ argmax p_k(x)]

| symbol | variable |   | symbol | variable |
|--------|----------|---|--------|----------|
| K      | ``size`` | | r_k    | column k of ``projection`` |
| c_ik   | ``counts[i, k]`` | | A, s | ``HASH_SCALE``, ``PROJECTION_STDDEV`` |
"""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.ffnn import build_mlp
from toolkit.regularization.custom_step import CustomStepModel
from toolkit.validation import check_int, check_positive_int

MAX_MEMBERS = 20
HASH_SCALE = 1000.0
PROJECTION_STDDEV = 10.0
# Eq. 2: the Poisson(1) distribution function F(j) = P(c <= j), j = 0..7 (P(c > 8) < 1e-5)
POISSON_CDF = np.cumsum([math.exp(-1) / math.factorial(j) for j in range(8)]).astype(np.float32)


def bootstrap_sample(n: int, seed: int = 0) -> np.ndarray:
    """Eq. 1: the indices of one bootstrap sample of ``n`` items (n draws with replacement)."""
    n = check_positive_int("n", n)
    return np.random.default_rng(seed).integers(0, n, size=n)


def bootstrap_counts(x, projection):
    """Eq. 4: the count c_ik of every sample (B, ...) for every member (columns of ``projection``)."""
    flat = ops.reshape(ops.cast(x, "float32"), (ops.shape(x)[0], -1))  # (B, D)
    phase = ops.matmul(flat, ops.cast(projection, "float32"))  # (B, K): r_k . x_i
    hashed = HASH_SCALE * ops.sin(phase)
    u = hashed - ops.floor(hashed)  # frac(.) in [0, 1)
    # Eq. 2: c = number of CDF steps below u, the inverse of the Poisson(1) CDF
    steps = ops.cast(u[..., None] > ops.convert_to_tensor(POISSON_CDF), "float32")
    return ops.sum(steps, axis=-1)  # (B, K)


@keras.saving.register_keras_serializable(package="toolkit")
class BaggingEnsemble(CustomStepModel):
    """K MLPs (``toolkit.ffnn.build_mlp``) trained on Poisson bootstrap samples; predicts Eq. 5.

    Args:
        input_shape: shape of one input, e.g. (2,) or (28, 28, 1) (flattened for the members).
        num_classes: K classes of the softmax outputs.
        size: number of members, in [2, 20].
        hidden, activation: the members' hidden layers, as in ``build_mlp``.
        seed: member k is ``build_mlp(seed=seed + 100 k)``; the projection of Eq. 4 uses seed.
        from_scratch: toolkit layers (True) or ``keras.layers.Dense`` (False) in the members.
        bootstrap: weight the samples by Eq. 4 (bagging); False gives every sample count 1,
            an ensemble whose members differ only by their initial weights.
    """

    def __init__(self, input_shape=(2,), num_classes=2, size=5, hidden=(64, 64), activation="relu",
                 seed=0, from_scratch=False, bootstrap=True, **kwargs):
        size = check_int("size", size, 2, MAX_MEMBERS, hint="It is the number of models K in the ensemble.")
        super().__init__(**kwargs)
        self.input_dim = int(np.prod(input_shape))
        self.ensemble_config = {"input_shape": tuple(int(d) for d in input_shape), "num_classes": int(num_classes),
                       "size": size, "hidden": tuple(int(h) for h in hidden), "activation": activation,
                       "seed": int(seed), "from_scratch": bool(from_scratch), "bootstrap": bool(bootstrap)}
        self.members = [build_mlp(self.input_dim, hidden, activation, output="softmax",
                                  num_classes=num_classes, seed=seed + 100 * k,
                                  from_scratch=from_scratch, name=f"member_{k}")
                        for k in range(size)]
        rng = np.random.default_rng(seed)
        projection = rng.normal(0, PROJECTION_STDDEV, (self.input_dim, size)).astype("float32")
        self.projection = self.add_weight(shape=(self.input_dim, size), name="projection",
                                          initializer=keras.initializers.Constant(projection),
                                          trainable=False)
        self.built = True  # the members are built by build_mlp's Input

    @property
    def size(self) -> int:
        return len(self.members)

    def counts(self, x):
        """c_ik of Eq. 4 for a batch (B, K), or ones without ``bootstrap``."""
        if self.ensemble_config["bootstrap"]:
            return bootstrap_counts(x, self.projection)
        return ops.ones((ops.shape(x)[0], self.size), "float32")

    def member_probabilities(self, x, training=False):
        """(K, B, C): every member's class probabilities."""
        flat = ops.reshape(x, (ops.shape(x)[0], self.input_dim))
        return ops.stack([member(flat, training=training) for member in self.members])

    def call(self, x, training=False):
        return ops.mean(self.member_probabilities(x, training), axis=0)  # Eq. 5, average

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            probs = self.member_probabilities(x, training=True)  # (K, B, C)
            counts = self.counts(x)  # (B, K), Eq. 4
            # Eq. 3 for every member; members share no weight, so the sum trains each on its own
            losses = [ops.mean(counts[:, k] * keras.losses.sparse_categorical_crossentropy(y, probs[k]))
                      for k in range(self.size)]
            loss = ops.sum(ops.stack(losses))
            if self.losses:
                loss = loss + ops.sum(self.losses)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        y_pred = ops.mean(probs, axis=0)  # Eq. 5
        # The logged loss is the ensemble's, comparable with val_loss (Keras' own loss tracker).
        self._loss_tracker.update_state(ops.mean(keras.losses.sparse_categorical_crossentropy(y, y_pred)))
        return self.compute_metrics(x, y, y_pred)

    def get_config(self):
        return {**super().get_config(), **dict(self.ensemble_config)}


# -- how the members vote (Eqs. 5-6) -----------------------------------------------------
@dataclasses.dataclass(frozen=True)
class EnsembleReport:
    """Individual vs ensemble error on one set, and how different the members' mistakes are."""

    member_errors: np.ndarray    # (K,) each member's error rate
    average_error: float         # error of the averaged probabilities (Eq. 5)
    vote_error: float            # error of the majority vote (Eq. 5)
    disagreement: np.ndarray     # (K, K) Eq. 6
    member_correct: np.ndarray   # (K, N) bool: member k right on sample i
    vote: np.ndarray             # (N,) the voted class

    @property
    def mean_disagreement(self) -> float:
        k = len(self.member_errors)
        return float(self.disagreement[~np.eye(k, dtype=bool)].mean())

    @property
    def all_wrong(self) -> float:
        """Fraction of samples that every member gets wrong (no vote can fix those)."""
        return float(np.mean(~self.member_correct.any(axis=0)))

    @property
    def some_wrong(self) -> float:
        """Fraction of samples at least one member gets wrong."""
        return float(np.mean(~self.member_correct.all(axis=0)))


def majority_vote(member_probs) -> np.ndarray:
    """Eq. 5, vote: the class most members predict (ties go to the smallest class id)."""
    probs = np.asarray(member_probs)
    predictions = probs.argmax(axis=-1)  # (K, N)
    votes = np.stack([(predictions == c).sum(axis=0) for c in range(probs.shape[-1])], axis=-1)
    return votes.argmax(axis=-1)


def ensemble_report(member_probs, y) -> EnsembleReport:
    """Eqs. 5-6 from the members' probabilities (K, N, C) and the labels (N,)."""
    probs = np.asarray(member_probs, dtype=float)
    y = np.asarray(y).reshape(-1)
    if probs.ndim != 3 or probs.shape[1] != len(y) or probs.shape[0] < 2:
        raise ValueError(f"`member_probs` must have shape (K >= 2, N, C) with N = len(y) = {len(y)}, "
                         f"received shape {probs.shape}.")
    predictions = probs.argmax(axis=-1)  # (K, N)
    vote = majority_vote(probs)
    disagreement = (predictions[:, None, :] != predictions[None, :, :]).mean(axis=-1)  # Eq. 6
    return EnsembleReport(
        member_errors=(predictions != y).mean(axis=1),
        average_error=float(np.mean(probs.mean(axis=0).argmax(axis=-1) != y)),
        vote_error=float(np.mean(vote != y)),
        disagreement=disagreement, member_correct=predictions == y, vote=vote,
    )
