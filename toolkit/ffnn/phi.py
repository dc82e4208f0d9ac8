"""How to choose φ (the notes, chapter 1): one linear model on four representations of the same points.

A feed-forward network is a linear model applied to a representation φ(x) (``mlp`` Eqs. 2-3):

    ŷ = σ(wᵀφ(x) + b)                                                                       (1)
    none:        φ(x) = x                                  a straight boundary only
    engineered:  φ(x) = (x1, x2, x1², x2², x1x2, sin x1, sin x2)     Playground's features (``mlp`` Eq. 4)
    generic:     φ(x) = √(2/D) cos(Wᵀx + b)                the RBF kernel's features (``kernels`` Eq. 2)
    learned:     φ(x) = tanh(W₂ᵀ tanh(W₁ᵀx + b₁) + b₂)     hidden layers, trained with w

Measured on the Playground's spiral at the defaults (``PhiConfig``): the engineered φ is "limited by
the complexity of data" (no mix of the seven features separates two spiral arms); the generic φ has
"enough capacity to fit the training data"; the learned φ finds a representation from the data. With
a small length-scale ℓ the generic φ still fits every training point but generalizes poorly: each
point only informs its ℓ-neighbourhood (lesson "memorize").
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.data.playground import CLASSIFICATION_NAMES
from toolkit.ffnn.kernels import RandomFourierFeatures
from toolkit.ffnn.mlp import ENGINEERED_FEATURES, PlaygroundFeatures
from toolkit.rnn.lab import Preset

REPRESENTATIONS = {"none": "no φ: x itself", "engineered": "engineered φ", "generic": "generic φ (RBF)",
                   "learned": "learned φ"}
EXTENT = (-6.0, 6.0, -6.0, 6.0)  # the Playground's plane
FORMULAS = {
    "none": r"\varphi(x) = x",
    "engineered": r"\varphi(x) = (x_1, x_2, x_1^2, x_2^2, x_1 x_2, \sin x_1, \sin x_2)",
    "generic": r"\varphi(x) = \sqrt{2/D}\,\cos(W^\top x + b),\ \ W_{ij} \sim \mathcal{N}(0, \ell^{-2})",
    "learned": r"\varphi(x) = \tanh(W_2^\top \tanh(W_1^\top x + b_1) + b_2)"}
FORMULA_MODEL = r"\hat y = \sigma\big(w^\top \varphi(x) + b\big)"


@dataclasses.dataclass(frozen=True)
class PhiConfig(Config):
    """The representations raced, the data, the generic φ's D and ℓ, the learned φ's width, Adam.

    Measured at the defaults on 2 cores (seed 0, 4 × 300 epochs in about 6 s): test accuracy on the
    spiral 0.61 with no φ, 0.59 engineered, 0.99 generic (train 1.0), 0.955 learned.
    """

    representations: tuple = setting(tuple(REPRESENTATIONS), choices=tuple(REPRESENTATIONS), min_count=1,
                                     label="Representations φ", formula=FORMULAS)
    dataset: str = setting("spiral", choices=tuple(n for n in CLASSIFICATION_NAMES if n != "spiral_k"),
                           label="Data")
    points: int = setting(400, lo=20, hi=2000, step=20, widget="number", label="Points (half for testing)")
    noise: float = setting(0.1, lo=0.0, hi=0.5, step=0.05, label="Noise")
    features: int = setting(256, lo=8, hi=2048, step=8, widget="number", label="RBF features D",
                            formula=r"\varphi(x)^\top\varphi(y) \approx k(x, y)")
    lengthscale: float = setting(0.5, lo=0.05, hi=5.0, step=0.05, label="Length-scale ℓ",
                                 formula=r"k(x, y) = \exp\big(-\lVert x - y \rVert^2 / 2\ell^2\big)")
    hidden: int = setting(16, lo=1, hi=64, label="Learned φ: units per hidden layer")
    epochs: int = setting(300, lo=1, hi=3000, step=10, widget="number", label="Epochs")
    learning_rate: float = setting(0.03, lo=1e-4, hi=1.0, step=1e-3, label="Learning rate (Adam)")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")


PRESETS = (
    Preset("spiral", "Two spiral arms: the engineered φ fails, the generic and the learned φ succeed (the defaults)",
           "The same sigmoid unit ŷ = σ(wᵀφ(x) + b) on four representations of 200 training points. Measured at "
           "seed 0: no φ reaches 0.59 on the test points and Playground's seven engineered features 0.50: no weighting "
           "of x1², x2², x1x2 or sin separates two arms that wind around each other (engineering is limited by the "
           "complexity of the data). The RBF kernel's 256 random features fit the training points (0.995) and the "
           "test points (0.99); two learned tanh layers of 16 units find their own φ (0.955).", {}),
    Preset("memorize", "A generic φ with a tiny ℓ fits every point and generalizes poorly",
           "With ℓ = 0.05 the kernel k(x, y) is 0 unless x and y almost coincide, so each training point decides "
           "only its own tiny neighbourhood: the generic φ still fits the training points (0.995), the notes' "
           "\"enough capacity\", but the test accuracy falls to 0.675 (0.99 at ℓ = 0.5): poor generalization. "
           "The learned φ is unchanged.", {"lengthscale": 0.05}),
    Preset("circle", "A circle: two engineered features are all it takes",
           "Inside or outside a circle is linear in x1² and x2²: the engineered φ classifies every test point "
           "(1.0) with 8 trained parameters, where the generic φ needs 257 (0.95). Engineering works when it "
           "captures what matters in the data.", {"dataset": "circle"}),
)


def build(representation: str, config: PhiConfig) -> keras.Model:
    """Eq. 1 on one representation: a sigmoid unit after φ (φ = x for "none")."""
    points = keras.Input((2,), name="points")
    if representation == "engineered":
        phi = PlaygroundFeatures(tuple(ENGINEERED_FEATURES), name="engineered_phi")(points)
    elif representation == "generic":
        phi = RandomFourierFeatures(config.features, config.lengthscale, seed=config.seed, name="generic_phi")(points)
    elif representation == "learned":
        phi = keras.layers.Dense(config.hidden, activation="tanh", name="learned_phi_1")(points)
        phi = keras.layers.Dense(config.hidden, activation="tanh", name="learned_phi_2")(phi)
    else:
        phi = points
    model = keras.Model(points, keras.layers.Dense(1, activation="sigmoid", name="linear_model")(phi),
                        name=f"{representation}_phi")
    model.compile(keras.optimizers.Adam(config.learning_rate), "binary_crossentropy", metrics=["accuracy"])
    return model


def phi_data_spec(config: PhiConfig) -> dict:
    """The toolkit.data.load arguments of the config's points (half of them the test split)."""
    return {"name": config.dataset, "n": config.points, "noise": config.noise, "seed": config.seed}


@dataclasses.dataclass
class PhiResult:
    """The trained models (by label), their data, and what each φ made of it."""

    config: PhiConfig
    runs: dict  # label -> toolkit.train.Run
    data: object  # the toolkit Dataset

    def accuracy(self, label: str, x, y) -> float:
        """The share of points whose side of p = 0.5 is their class (one forward pass, no ``evaluate``)."""
        probabilities = keras.ops.convert_to_numpy(self.runs[label].model(np.asarray(x, "float32"), training=False))
        return float(np.mean((probabilities[:, 0] > 0.5) == (np.asarray(y).reshape(-1) == 1)))

    def table(self) -> list[dict]:
        rows = []
        for label, run in self.runs.items():
            train = self.accuracy(label, self.data.x_train, self.data.y_train)
            test = self.accuracy(label, self.data.x_test, self.data.y_test)
            rows.append({"φ": label, "train accuracy": round(train, 3), "test accuracy": round(test, 3),
                         "gap": round(train - test, 3), "size of φ(x)": int(run.model.layers[-2].output.shape[-1]),
                         "trained parameters": sum(int(np.prod(w.shape)) for w in run.model.trainable_weights)})
        return rows

    def boundary(self, label: str, resolution: int = 80) -> np.ndarray:
        """p(class 1) over the plane, (resolution, resolution)."""
        xx, yy = np.meshgrid(np.linspace(*EXTENT[:2], resolution), np.linspace(*EXTENT[2:], resolution))
        points = np.stack([xx.ravel(), yy.ravel()], axis=1).astype("float32")
        probabilities = keras.ops.convert_to_numpy(self.runs[label].model(points, training=False))
        return probabilities.reshape(resolution, resolution)


def run_phi(config: PhiConfig, data=None, *, callbacks=(), stop=None) -> PhiResult:
    """Every chosen representation trained in turn from the same seed on the same batches."""
    from toolkit.data import load
    from toolkit.train.compare import compare

    data = data if data is not None else load(**phi_data_spec(config))
    builders = {REPRESENTATIONS[name]: (lambda name=name: build(name, config))
                for name in REPRESENTATIONS if name in config.representations}
    runs = compare(builders, data, epochs=config.epochs, batch_size=min(32, len(data.x_train)), seed=config.seed,
                   callbacks=callbacks, stop=stop, config={"dataset": phi_data_spec(config), **config.values()})
    return PhiResult(config, runs, data)
