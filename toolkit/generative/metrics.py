"""Evaluating GANs: Inception Score, Fréchet Inception Distance and mode collapse (classes covered).

The notes: evaluation asks whether a GAN makes RECOGNIZABLE objects and a VARIETY of them;
both are read from a classifier's outputs p(y|x). The Inception Score is high when each
p(y|x) has low entropy (recognizable) and their average p(y) is spread over all labels
(variety). FID treats a chosen layer's activations of real and of generated samples as two
multivariate normals and compares them with the Fréchet distance:

    IS  = exp( E_x KL( p(y|x) ‖ p(y) ) ),   p(y) = E_x p(y|x)                          (1)
    FID = ‖μ_r - μ_g‖² + Tr( Σ_r + Σ_g - 2 (Σ_r Σ_g)^{1/2} )                            (2)
    covered = #{ c : share of samples classified c with confidence ≥ τ is ≥ s_min }    (3)

Both were defined with InceptionV3 trained on ImageNet. Its weights are not available
offline (the toolkit downloads nothing), and ImageNet features would say little about 28x28
glyphs anyway, so ``GlyphJudge`` is a small CNN trained here on glyphs; its penultimate
layer gives the FID features and its softmax the IS probabilities. Values are therefore
comparable between runs of this toolkit, not with published Inception numbers.
"""

from __future__ import annotations

import functools
import json
import warnings
from pathlib import Path

import keras
import numpy as np
from scipy import linalg

from toolkit.data.cache import cache_dir


def _probabilities(probs, name="probs"):
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 2 or len(probs) == 0 or probs.shape[1] < 2:
        raise ValueError(f"`{name}` must be (N, K) class probabilities with N >= 1 and K >= 2, received shape {probs.shape}.")
    if not np.all(np.isfinite(probs)) or probs.min() < 0 or not np.allclose(probs.sum(1), 1, atol=1e-3):
        raise ValueError(f"`{name}` must hold non-negative rows that sum to 1 (softmax outputs).")
    return probs


def inception_score(probs, eps: float = 1e-12) -> float:
    """Eq. 1: exp of the mean KL divergence between p(y|x) and the marginal p(y).

    It is K for confident predictions spread uniformly over K classes and 1 when every
    sample gets the same prediction (or when every prediction is uniform).
    """
    probs = _probabilities(probs)
    marginal = probs.mean(axis=0, keepdims=True)  # p(y), (1, K)
    kl = np.sum(probs * (np.log(probs + eps) - np.log(marginal + eps)), axis=1)  # (N,)
    return float(np.exp(kl.mean()))


def _features(features, name):
    features = np.asarray(features, np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"`{name}` must be (N, F) features with N >= 2 samples, received shape {features.shape}.")
    if not np.all(np.isfinite(features)):
        raise ValueError(f"`{name}` must hold finite numbers.")
    return features


def gaussian_statistics(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean μ (F,) and covariance Σ (F, F) of (N, F) features."""
    features = _features(features, "features")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu_a, sigma_a, mu_b, sigma_b) -> float:
    """Eq. 2 for two Gaussians N(μ_a, Σ_a), N(μ_b, Σ_b)."""
    mu_a, mu_b = np.atleast_1d(mu_a), np.atleast_1d(mu_b)
    sigma_a, sigma_b = np.atleast_2d(sigma_a), np.atleast_2d(sigma_b)
    with warnings.catch_warnings():  # singular products are handled just below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # a zero covariance (blank samples)
        root, _ = linalg.sqrtm(sigma_a @ sigma_b, disp=False)
    if not np.all(np.isfinite(root)):  # singular product: nudge both diagonals (as pytorch-fid)
        offset = np.eye(len(sigma_a)) * 1e-6
        root = linalg.sqrtm((sigma_a + offset) @ (sigma_b + offset))
    root = np.real(root)  # numerical noise can leave tiny imaginary parts
    # Eq. 2: ‖μ_a - μ_b‖² + Tr(Σ_a + Σ_b - 2 (Σ_a Σ_b)^{1/2})
    value = np.sum((mu_a - mu_b) ** 2) + np.trace(sigma_a) + np.trace(sigma_b) - 2 * np.trace(root)
    return float(max(value, 0.0))


def fid(features_a, features_b) -> float:
    """Eq. 2: Fréchet distance between Gaussians fitted to two sets of (N, F) features."""
    features_a, features_b = _features(features_a, "features_a"), _features(features_b, "features_b")
    if features_a.shape[1] != features_b.shape[1]:
        raise ValueError(f"`features_a` and `features_b` must have the same number of features, "
                         f"received {features_a.shape[1]} and {features_b.shape[1]}.")
    return frechet_distance(*gaussian_statistics(features_a), *gaussian_statistics(features_b))


def recognized_fraction(probs, confidence: float = 0.9) -> float:
    """Share of samples whose top class has probability >= `confidence`."""
    return float(np.mean(_probabilities(probs).max(axis=1) >= confidence))


def class_histogram(probs, confidence: float = 0.9) -> np.ndarray:
    """(K,) counts of samples classified as each class with probability >= `confidence`."""
    probs = _probabilities(probs)
    sure = probs.max(axis=1) >= confidence
    return np.bincount(probs.argmax(axis=1)[sure], minlength=probs.shape[1])


def classes_covered(probs, confidence: float = 0.9, min_share: float = 0.02) -> int:
    """Eq. 3: classes that get at least `min_share` of the samples, confidently classified.

    The notes' mode collapse measured: a collapsed generator covers 1 or 2 classes.
    """
    if not 0 <= min_share < 1:
        raise ValueError(f"`min_share` must be in [0, 1), received min_share={min_share!r}.")
    counts = class_histogram(probs, confidence)
    return int(np.sum(counts >= max(1, min_share * len(np.asarray(probs)))))


# -- the glyph classifier that stands in for InceptionV3 ------------------------------------
ATTRIBUTES = ("thickness", "slant")
ASSETS = Path(__file__).resolve().parent / "assets"
SHIPPED = ASSETS / "glyph_judge.keras"  # trained once by ``python -m toolkit.generative.train_judge``
SHIPPED_RECIPE = {"n": 10_000, "seed": 1, "epochs": 10}  # what the shipped file was trained with
JUDGE_VERSION = 2  # bump when judge_network changes, so stale cached judges are never read
# FID and IS as the pages show them beside the controls that turn scoring on
SCORES_LATEX = (r"\begin{array}{l} \text{FID} = \lVert \mu_r - \mu_g \rVert^2 + \operatorname{Tr}\big(\Sigma_r + \Sigma_g"
                r" - 2 (\Sigma_r \Sigma_g)^{1/2}\big) \\ \text{IS} = e^{\,\mathbb{E}_x \mathrm{KL}(p(y|x) \,\|\, p(y))}"
                r"\end{array}")


def judge_network(image_shape=(28, 28, 1), num_classes=10, num_attributes=len(ATTRIBUTES)) -> keras.Model:
    """A small CNN: class probabilities, glyph attributes, and a 128-d "features" layer.

    Three 3x3 convolutions, each followed by 2x2 max pooling, leave a (3, 3, 64) map, so the
    dense "features" layer has 74k weights and the whole judge about 131k (520 kB on disk).
    """
    image = keras.Input(image_shape, name="image")
    h = image
    for filters in (32, 64, 64):
        h = keras.layers.Conv2D(filters, 3, activation="relu", padding="same")(h)
        h = keras.layers.MaxPooling2D()(h)  # (B, 14, 14, 32) -> (B, 7, 7, 64) -> (B, 3, 3, 64)
    h = keras.layers.Flatten()(h)  # (B, 576)
    features = keras.layers.Dense(128, activation="relu", name="features")(h)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="class")(features)
    attributes = keras.layers.Dense(num_attributes, name="attributes")(features)
    return keras.Model(image, {"class": probs, "attributes": attributes}, name="glyph_judge")


class GlyphJudge:
    """A glyph classifier used as the "Inception network" of IS and FID, and to read attributes.

    ``probabilities(images)`` -> (N, K) softmax; ``features(images)`` -> (N, 128) penultimate
    activations; ``attributes(images)`` -> {"thickness": (N,), "slant": (N,)} in the units of
    ``toolkit.data.glyphs`` attrs (the model's "attributes" output is in those units). Get the
    shipped one with ``glyph_judge()``.
    """

    def __init__(self, model, test_accuracy=float("nan")):
        self.model = model
        self._all = keras.Model(model.inputs[0], {**model.output, "features": model.get_layer("features").output})
        self.test_accuracy = float(test_accuracy)

    def outputs(self, images, batch_size: int = 1000) -> dict[str, np.ndarray]:
        images = np.asarray(images, np.float32)
        if images.ndim == 3:
            images = images[..., None]  # (N, H, W) -> (N, H, W, 1)
        expected = tuple(self.model.inputs[0].shape[1:])
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(f"`images` must have shape (N, {', '.join(map(str, expected))}), received shape {images.shape}.")
        parts = [self._all(images[i:i + batch_size], training=False) for i in range(0, len(images), batch_size)]
        return {key: np.concatenate([keras.ops.convert_to_numpy(p[key]) for p in parts]) for key in parts[0]}

    def probabilities(self, images) -> np.ndarray:
        return self.outputs(images)["class"]

    def features(self, images) -> np.ndarray:
        return self.outputs(images)["features"]

    def attributes(self, images) -> dict[str, np.ndarray]:
        values = self.outputs(images)["attributes"]
        return {name: values[:, i] for i, name in enumerate(ATTRIBUTES)}

    def accuracy(self, images, labels) -> float:
        """Share of `images` whose most probable class is `labels`."""
        return float(np.mean(self.probabilities(images).argmax(1) == np.asarray(labels)))

    def report(self, images, real_features=None, confidence: float = 0.9) -> dict:
        """IS, FID (against `real_features`), recognized share and classes covered of samples."""
        out = self.outputs(images)
        probs = out["class"]
        return {
            "inception_score": inception_score(probs),
            "fid": fid(real_features, out["features"]) if real_features is not None else float("nan"),
            "recognized": recognized_fraction(probs, confidence),
            "classes_covered": classes_covered(probs, confidence),
            "class_histogram": class_histogram(probs, confidence),
        }


def train_glyph_judge(n: int = 10_000, seed: int = 1, epochs: int = 10) -> GlyphJudge:
    """Trains the judge on ``glyphs(n, seed)`` (its train split); accuracy measured on its test split.

    The attribute head learns standardized targets (thickness and slant have different
    scales); afterwards the de-standardization y = s · (W h + b) + m is folded into that
    head's weights (W <- W s, b <- b s + m), so the model itself outputs glyph units.
    """
    from toolkit.data import glyphs
    from toolkit.train import fit

    data = glyphs(n=n, seed=seed)
    targets = np.stack([data.attrs_train[name] for name in ATTRIBUTES], axis=1)
    mean, std = targets.mean(0), targets.std(0) + 1e-6
    keras.utils.set_random_seed(seed)
    model = judge_network(data.input_shape, data.num_classes)
    model.compile(keras.optimizers.Adam(2e-3),
                  loss={"class": "sparse_categorical_crossentropy", "attributes": "mse"})
    fit(model, data.x_train, {"class": data.y_train, "attributes": (targets - mean) / std},
        epochs=epochs, batch_size=64, seed=seed)
    head = model.get_layer("attributes")
    kernel, bias = head.get_weights()
    head.set_weights([kernel * std, bias * std + mean])  # outputs in glyph units
    judge = GlyphJudge(model)
    judge.test_accuracy = judge.accuracy(data.x_test, data.y_test)
    return judge


def save_glyph_judge(judge: GlyphJudge, path, **provenance) -> None:
    """Writes ``path`` (.keras, the model) and ``path`` .json (test accuracy and `provenance`).

    An uncompiled copy is saved: the trained model's optimizer state would double its size.
    """
    from toolkit.saving import save_uncompiled

    facts = {"test_accuracy": round(judge.test_accuracy, 4), "version": JUDGE_VERSION, **provenance}
    save_uncompiled(judge.model, path, **facts)


def load_glyph_judge(path) -> GlyphJudge:
    """The judge stored by ``save_glyph_judge`` (a fraction of a second)."""
    path = Path(path)
    model = keras.saving.load_model(path, compile=False)
    facts = json.loads(path.with_suffix(".json").read_text()) if path.with_suffix(".json").exists() else {}
    return GlyphJudge(model, facts.get("test_accuracy", float("nan")))


@functools.lru_cache(maxsize=2)
def glyph_judge(n: int = 10_000, seed: int = 1, epochs: int = 10) -> GlyphJudge:
    """The glyph classifier trained for `epochs` on `n` glyphs of `seed`.

    The defaults are the judge shipped with the toolkit (``assets/glyph_judge.keras``,
    trained once by ``python -m toolkit.generative.train_judge``), loaded in a fraction of
    a second. Other arguments train a judge on first use (about 3 s per 1,000 glyphs and
    epoch on 2 cores) and store it under ``toolkit.data.cache_dir()``. Its seed differs from
    the GAN pages' dataset seed, so it judges glyphs it has not been trained on.

    Ten epochs, not fewer, so that "recognized with confidence >= 0.9" is reachable: on
    held-out real glyphs the shipped judge is 99 % accurate (``assets/glyph_judge.json``),
    the ceiling of ``recognized_fraction`` for a perfect generator being the share of real
    glyphs it recognizes with confidence >= 0.9. After 5 epochs judges were under-confident.
    """
    recipe = {"n": n, "seed": seed, "epochs": epochs}
    if recipe == SHIPPED_RECIPE and SHIPPED.exists():
        return load_glyph_judge(SHIPPED)
    path = cache_dir() / f"glyph-judge-v{JUDGE_VERSION}-n{n}-seed{seed}-epochs{epochs}.keras"
    try:
        return load_glyph_judge(path)
    except (OSError, ValueError):
        judge = train_glyph_judge(n, seed, epochs)
        try:
            save_glyph_judge(judge, path, **recipe)
        except OSError:  # a read-only cache only costs the next process a retraining
            pass
        return judge
