"""The masked-image-modeling page's lab: an MAE, a BEiT and a DINO trained live on shape crops, then probed.

``MaeConfig`` / ``run_mae`` train the chosen methods in turn, from one seed, on crops of single shapes
(``toolkit.diffusion.text_lab.shape_crops``): the MAE of ``toolkit.multimodal.masked``, which paints the
hidden patches' pixels, and the BEiT of ``toolkit.multimodal.beit``, which predicts their visual tokens
(the shipped VQ-VAE's codes). Both have the same encoder (patch embedding, two pre-norm blocks, the mean
token as the feature vector). DINO (``toolkit.multimodal.dino``) masks nothing: its student matches its
teacher's clusters across random crops; its encoder has the same width and depth, with positions for any view
size. ``MaeMonitor`` is the live state (eight held-out crops: masked input and what the model puts back, or
held-out crops sorted into DINO's biggest clusters, once per report). ``MaeResult`` answers what the page shows
after the run: the held-out hidden patches against a guess without context (the mean visible colour for the
MAE, the most common visible token for BEiT), DINO's collapse measures and cluster purity, and linear probes: a
logistic regression on the frozen encoder's features, fitted with the labels the models never saw (shape,
colour, size), for each trained encoder and for the MAE's encoder (and DINO's) at its initial weights.
Optionally the same encoder is also trained WITH the shape labels for the same epochs: the supervised upper
bound of the notes' first method.

Measured on 2 cores at the defaults (seed 0, ``benchmarks/mae.py``): 20 epochs of 3,000 crops in 34 s;
Eq. 5 on held-out hidden patches 0.023 against the no-context baseline's 0.048; linear probe of the shape
0.81 (the untrained encoder 0.73), 0.38 with 10 labels per shape (0.33); the same encoder trained with the
shape labels 0.93 (0.89 with 10 labels), while its colour probe falls to 0.83: labels teach what they name.
(25 epochs, the default until December 2026, took 44 s for about the same numbers: 0.021, 0.82.)
BEiT at its 40 % (the "Predict visual tokens" lesson): 20 epochs in 32 s; 0.77 of the held-out hidden tokens
right against 0.60 for the most common visible token; shape probe 0.82 (untrained 0.73; 0.77 with another draw
of the initial weights, the mask embedding drawn after the blocks: the gain is real but smaller than the MAE's
to rely on). At the MAE's 75 % its probe stays near the untrained encoder's (0.74-0.76 against 0.73; tokens 0.73
against 0.58): a token is a coarse target, and three hidden patches in four leave too little to infer it from.
DINO at its lesson (20 epochs, two global and four local views per crop): 112 s; the teacher's shape probe 0.77
against 0.69 for its untrained encoder (seeds 1 and 2: 0.72 and 0.75 against 0.70); without centring 1.6
clusters used after 8 epochs, without sharpening H(P_t) 4.00 of log 64 = 4.16.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.multimodal import beit, dino, masked
from toolkit.rnn.lab import Preset

HELD_OUT = 1000  # held-out crops (another seed): the probes' test set and Eq. 5's
HELD_OUT_SEED = 1
WATCHED = 8  # held-out crops the live panel reconstructs
FEW_SHOTS = 10  # labelled crops per shape in the few-label probe
PROBED = ("shape", "colour", "size")
METHODS = {"mae": "MAE", "beit": "BEiT", "dino": "DINO"}  # setting value -> run name
DINO_RECIPE = {"local_crops": 4, "recolour": 0.8, "student_temperature": 0.1}  # fixed parts of DINO's run
CLUSTER_CROPS = 240  # held-out crops the live panel sorts into DINO's clusters
CLUSTERS_SHOWN = 6


@dataclasses.dataclass(frozen=True)
class MaeConfig(Config):
    """Every setting of the masked-autoencoder run (the page's URL parameters are the field names)."""

    methods: tuple = setting(("mae",), choices=tuple(METHODS), min_count=1,
                             label="Methods (mae: pixels, beit: visual tokens, dino: the teacher's clusters)",
                             help="Each chosen method trains in turn, from the same seed and crops.",
                             formula={"mae": masked.LATEX["loss"], "beit": beit.LATEX["loss"],
                                      "dino": dino.LATEX["loss"]})
    mask_ratio: float = setting(0.75, lo=0.1, hi=0.95, step=0.05, label="MAE's masking ratio r",
                                help="The share of patches hidden from the encoder (a new choice per image "
                                     "and step).", formula=masked.LATEX["mask_ratio"])
    beit_ratio: float = setting(0.4, lo=0.1, hi=0.95, step=0.05, label="BEiT's masking ratio r",
                                help="The share of patches replaced by the mask embedding; BEiT masks about 40 %.",
                                formula=beit.LATEX["input"])
    teacher_temperature: float = setting(0.04, lo=0.01, hi=1.0, step=0.01, label="DINO's teacher temperature τ_t",
                                         help="Sharpening: below the student's τ_s = 0.1 the teacher's clusters are "
                                              "sharper than the student's.", formula=dino.LATEX["teacher"])
    center_momentum: float = setting(0.9, lo=0.0, hi=1.0, step=0.01, label="DINO's centre momentum m",
                                     help="Centring: 1 keeps c = 0 (no centring).", formula=dino.LATEX["center"])
    teacher_momentum: float = setting(0.99, lo=0.0, hi=1.0, step=0.001, label="DINO's teacher momentum λ",
                                      help="The teacher is an average of the student's past weights.",
                                      formula=dino.LATEX["ema"])
    patch_size: int = setting(4, choices=(4, 8), label="Patch size P",
                              help="4: 64 patches of 4×4 pixels; 8: 16 patches of 8×8.",
                              formula=r"x_p^i \in \mathbb{R}^{P^2 C},\quad N = HW / P^2")
    epochs: int = setting(20, lo=1, hi=200, widget="number", label="Epochs")
    n: int = setting(3000, lo=200, hi=20_000, step=100, widget="number", label="Training crops")
    batch: int = setting(128, choices=(32, 64, 128, 256), label="Batch size")
    dim: int = setting(64, choices=(32, 64, 128), label="Encoder width d")
    depth: int = setting(2, lo=1, hi=6, label="Encoder blocks")
    lr: float = setting(2e-3, lo=1e-5, hi=0.1, step=1e-4, label="Learning rate η (AdamW)",
                        formula=r"\theta \leftarrow \theta - \eta\,(\mathrm{Adam}(\nabla_\theta \mathcal{L}) + 0.05\,\theta)")
    supervised: bool = setting(False, label="Also train it with labels",
                               help="The same encoder, trained for the same epochs on the shape labels: "
                                    "the supervised upper bound (doubles the time).")
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")

    def check(self) -> None:
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training crops; choose a batch "
                             "of at most the dataset's size.")
        if "beit" in self.methods and self.patch_size != beit.PATCH:
            raise ValueError(f"BEiT predicts one visual token per {beit.PATCH} × {beit.PATCH} patch (the tokenizer "
                             f"downsamples by {beit.PATCH}): choose patch size {beit.PATCH}, or train the MAE alone.")
        if self.dim % 4:
            raise ValueError(f"`dim` must be a multiple of the encoder's 4 heads, received dim={self.dim}.")


PRESETS = (
    Preset("mae", "Predict the hidden 75 % (the defaults)",
           "Three patches in four are hidden; the encoder sees 16 of the 64. After 20 epochs (about 35 s on 2 "
           "cores) the hidden patches are painted back with less than half the error of the best guess without "
           "context, and a linear probe on the frozen features tells the shapes apart better than the same "
           "encoder before training: nobody showed it a label.", {}),
    Preset("low", "Hide only a quarter",
           "With r = 0.25 the encoder reads 48 patches instead of 16, so each step costs more (48 s against 34 s "
           "for the 20 epochs on 2 cores); most hidden patches have visible neighbours and the loss ends lower. At "
           "this size the probe reads the shape about as well (0.83 against 0.81): the high ratio's gain in MAE is "
           "mostly cost, an encoder that skips three patches in four.", {"mask_ratio": 0.25}),
    Preset("big", "8 × 8 patches",
           "16 patches, 4 of them visible: a hidden patch is a quarter of the crop, often not guessable from the "
           "rest. The loss stays high and the probe reads the shape worse than before training (0.67 against "
           "0.79): a task that cannot be solved teaches little.", {"patch_size": 8}),
    Preset("beit", "Predict visual tokens (BEiT)",
           "Before pre-training, a VQ-VAE learned to tokenize a crop into 8 × 8 discrete visual tokens (shipped with "
           "the toolkit). BEiT replaces 40 % of the patches by a mask embedding and predicts their tokens, as BERT "
           "predicts masked words. After 20 epochs (about 35 s on 2 cores) it names 0.77 of the hidden tokens "
           "against 0.60 for the most common visible one, and its frozen features read the shape as well as the "
           "MAE's (0.82 against 0.73 untrained). Hide 75 % instead and the probe stays near the untrained "
           "encoder's (0.74–0.76): a token cannot be guessed from so little.", {"methods": ("beit",)}),
    Preset("dino", "Self-distillation without labels (DINO)",
           "No patch is hidden: the student reads two large and four small random crops of each image (their colours "
           "permuted) and matches the teacher's clusters for the other large crops; the teacher is the average of the "
           "student's past weights. After 20 epochs (about 110 s on 2 cores: six views per image) the teacher puts "
           "each held-out crop sharply in one cluster (H(P_t) 0.7 against log 64 = 4.16) and uses about 11 of the "
           "64, and its frozen features read the shape at 0.77 against 0.69 for the same encoder untrained.",
           {"methods": ("dino",)}),
    Preset("dino-no-centring", "DINO without centring (m = 1)",
           "With c fixed at 0 nothing stops one cluster from winning: the sharpened teacher pushes every crop into "
           "it: after 8 epochs the held-out crops use 1.6 clusters (from about 20 after the first epoch), and the "
           "probe gains nothing on the untrained encoder: the first collapse.",
           {"methods": ("dino",), "center_momentum": 1.0, "epochs": 8}),
    Preset("dino-no-sharpening", "DINO without sharpening (τ_t = τ_s)",
           "With the teacher as soft as the student, centring wins: every crop's P_t spreads over all 64 clusters "
           "(H(P_t) near log 64 = 4.16 after 8 epochs) and there is nothing left to learn from: the second collapse, "
           "and the probe falls below the untrained encoder's.",
           {"methods": ("dino",), "teacher_temperature": 0.1, "epochs": 8}),
)


def crops(n: int, seed: int = 0):
    from toolkit.diffusion.text_lab import shape_crops

    return shape_crops(n, seed=seed)


@functools.lru_cache(maxsize=1)
def held_out():
    return crops(HELD_OUT, seed=HELD_OUT_SEED)


def labels(data) -> dict[str, np.ndarray]:
    return {"shape": np.asarray(data.classes), "colour": np.asarray(data.colours), "size": np.asarray(data.sizes)}


def build_mae(config: MaeConfig, image_shape) -> masked.MaskedAutoencoder:
    model = masked.MaskedAutoencoder(image_shape, patch_size=config.patch_size, dim=config.dim, depth=config.depth,
                                     heads=4, mask_ratio=config.mask_ratio, seed=config.seed)
    model.build()
    model.compile(optimizer=keras.optimizers.AdamW(config.lr, weight_decay=0.05))
    return model


def build_beit(config: MaeConfig, image_shape) -> beit.MaskedTokenModel:
    model = beit.MaskedTokenModel(image_shape, num_codes=beit.tokenizer().num_codes, patch_size=config.patch_size,
                                  dim=config.dim, depth=config.depth, heads=4, mask_ratio=config.beit_ratio,
                                  seed=config.seed)
    model.build()
    model.compile(optimizer=keras.optimizers.AdamW(config.lr, weight_decay=0.05))
    return model


def build_dino(config: MaeConfig, image_shape) -> dino.Dino:
    model = dino.Dino(image_shape, patch_size=config.patch_size, dim=config.dim, depth=config.depth, heads=4,
                      teacher_temperature=config.teacher_temperature, center_momentum=config.center_momentum,
                      teacher_momentum=config.teacher_momentum, seed=config.seed, **DINO_RECIPE)
    model.build()
    model.compile(optimizer=keras.optimizers.AdamW(config.lr, weight_decay=0.05))
    return model


BUILDERS = {"mae": build_mae, "beit": build_beit, "dino": build_dino}


class MaeMonitor:
    """``fn(run) -> dict`` for the live panel: eight held-out crops, masked and put back (fixed masks)."""

    def __init__(self):
        self.images = held_out().images[:WATCHED]
        self.tokens = self.drawn = None  # the tokenizer's, computed at BEiT's first report (the tokenizer is frozen)
        self.clusters, self.clusters_epoch = {}, None  # DINO's, sorted again once per epoch

    def __call__(self, run) -> dict:
        model = run.model
        if isinstance(model, masked.MaskedAutoencoder):
            shown = model.reconstruct(self.images, seed=0)
            return {"original": self.images, "masked": shown["masked"], "method": "MAE",
                    "reconstruction": np.clip(np.nan_to_num(shown["reconstruction"], nan=0.5), 0, 1),
                    "epoch": run.epochs_done}
        if isinstance(model, beit.MaskedTokenModel):
            if self.tokens is None:
                self.tokens = beit.visual_tokens(self.images)
                self.drawn = beit.draw_tokens(self.tokens)
            hidden = model.fixed_mask(len(self.images), seed=0)
            guessed = np.where(hidden > 0, model.predict_tokens(self.images, hidden), self.tokens)
            return {"original": self.images, "masked": masked.greyed(self.images, hidden, model.patch_size),
                    "tokenizer": self.drawn, "reconstruction": beit.draw_tokens(guessed),
                    "method": "BEiT", "epoch": run.epochs_done}
        if isinstance(model, dino.Dino):
            if self.clusters_epoch != run.epochs_done:
                self.clusters, self.clusters_epoch = cluster_columns(model), run.epochs_done
            return {"clusters": self.clusters, "clusters_epoch": run.epochs_done}
        return {}  # before the first step, or the supervised run


def cluster_columns(model: dino.Dino, crops: int = CLUSTER_CROPS, shown: int = CLUSTERS_SHOWN,
                    rows: int = 4) -> dict:
    """The `shown` clusters of the teacher (arg max of Eq. 3) that hold most of `crops` held-out crops: column
    "#k: n" (cluster k, n of the crops) -> its first `rows` crops (white where it holds fewer)."""
    images = held_out().images[:crops]
    chosen = model.assignments(images).argmax(axis=1)
    columns = {}
    for cluster, count in sorted(zip(*np.unique(chosen, return_counts=True)), key=lambda pair: -pair[1])[:shown]:
        members = images[chosen == cluster][:rows]
        blank = np.ones((rows - len(members), *images.shape[1:]), images.dtype)
        columns[f"#{cluster}: {count}"] = np.concatenate([members, blank])
    return columns


def purity(clusters: np.ndarray, classes: np.ndarray) -> float:
    """The share of items whose cluster's most common class is their own class (1: every cluster holds one class)."""
    majority = sum(np.bincount(classes[clusters == c]).max() for c in np.unique(clusters))
    return float(majority / len(classes))


def linear_probe(train_features, train_labels, test_features, test_labels, rows=None) -> float:
    """Accuracy of a logistic regression on standardized frozen features (fitted on `rows` only, if given)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_features)
    rows = slice(None) if rows is None else rows
    classifier = LogisticRegression(max_iter=2000).fit(scaler.transform(train_features)[rows], train_labels[rows])
    return float(classifier.score(scaler.transform(test_features), test_labels))


def few_shot_rows(classes: np.ndarray, shots: int = FEW_SHOTS) -> np.ndarray:
    return np.concatenate([np.flatnonzero(classes == c)[:shots] for c in np.unique(classes)])


@dataclasses.dataclass
class MaeResult:
    """The trained models, the untrained copy of the MAE's encoder, and what the page reports."""

    runs: dict  # run name ("MAE", "BEiT") -> Run, in training order
    config: MaeConfig
    train: object  # the training crops (their labels are only read by the probes)
    initial: masked.MaskedAutoencoder  # the MAE's architecture and seed, never trained
    supervised: SupervisedEncoder | None = None  # the encoder trained with the shape labels, if asked
    initial_dino: dino.Dino | None = None  # DINO's architecture and seed, never trained (when DINO is chosen)

    def model(self, name: str):
        """The trained model of run `name`, or None when that method was not trained (or trained no epoch)."""
        run = self.runs.get(name)
        return run.model if run is not None and run.epochs_done else None

    @property
    def trained(self) -> bool:
        return any(run.epochs_done for run in self.runs.values())

    @functools.cached_property
    def reconstruction_errors(self) -> dict:
        """Eq. 5 on the held-out crops (mean over images) and the no-context baseline with the same masks (once:
        the page reruns on every widget change)."""
        images = held_out().images
        shown = self.model("MAE").reconstruct(images, seed=1)
        baseline = masked.mean_colour_error(images, shown["hidden"], self.config.patch_size)
        return {"mae": float(shown["error"].mean()), "mean colour of the visible patches": float(baseline.mean())}

    @functools.cached_property
    def token_scores(self) -> dict:
        """BEiT on the held-out crops (one fixed mask at its ratio): the share of hidden tokens it names right, and
        the share the image's most common visible token gets right."""
        images, model = held_out().images, self.model("BEiT")
        hidden = model.fixed_mask(len(images), seed=1)
        tokens = beit.visual_tokens(images)
        right = (model.predict_tokens(images, hidden) == tokens) * hidden
        return {"beit": float(right.sum() / hidden.sum()),
                "most common visible token": float(beit.most_common_visible_token(tokens, hidden).mean())}

    @functools.cached_property
    def probes(self) -> list[dict]:
        """One row per encoder: linear-probe accuracy of each attribute, and of the shape with 10 labels each."""
        test, train_labels = held_out(), labels(self.train)
        test_labels, few = labels(test), few_shot_rows(train_labels["shape"])
        encoders = {f"{name} (no labels)": model.features for name in self.runs
                    if (model := self.model(name)) is not None}
        encoders["same encoder, untrained"] = self.initial.features
        if self.initial_dino is not None:
            encoders["DINO's encoder, untrained"] = self.initial_dino.features
        if self.supervised is not None:
            encoders["same encoder, trained on the shapes"] = self.supervised.encoder.features
        rows = []
        for name, features in encoders.items():
            train_features, test_features = features(self.train.images), features(test.images)
            row = {"encoder": name}
            if not (np.all(np.isfinite(train_features)) and np.all(np.isfinite(test_features))):
                rows.append({**row, **dict.fromkeys((*PROBED, f"shape, {FEW_SHOTS} labels each"))})  # diverged
                continue
            for what in PROBED:
                row[what] = round(linear_probe(train_features, train_labels[what], test_features, test_labels[what]), 3)
            row[f"shape, {FEW_SHOTS} labels each"] = round(linear_probe(
                train_features, train_labels["shape"], test_features, test_labels["shape"], few), 3)
            rows.append(row)
        return rows

    @functools.cached_property
    def cluster_rows(self) -> list[dict]:
        """DINO's teacher on the held-out crops, read whole, trained and untrained: the two collapse measures of Eq. 3
        and how pure its clusters are in shape (the share of crops whose cluster's most common shape is theirs)."""
        model = self.model("DINO")
        if model is None:
            return []
        test = held_out()
        rows = []
        for name, teacher in (("trained", model), ("untrained", self.initial_dino)):
            probabilities = teacher.assignments(test.images)
            entropy, clusters = (float(v) for v in dino.collapse_measures(probabilities))
            rows.append({"DINO's teacher": name, "H(P_t) per crop": round(entropy, 2),
                         "log K (uniform)": round(float(np.log(probabilities.shape[1])), 2),
                         "clusters used": round(clusters, 1), "shape purity": round(purity(
                             probabilities.argmax(axis=1), np.asarray(test.classes)), 3)})
        return rows

    def evaluate(self) -> MaeResult:
        """Computes every number the page shows after the run (the training thread calls it, under the live panel's
        "now computing" line, so the page's results appear at once); returns self."""
        self.table()
        self.probes, self.cluster_rows  # noqa: B018 (cached properties: computed here, read by the page)
        return self

    def table(self) -> list[dict]:
        """One row per trained method: its cost, and how well it puts back held-out hidden patches against a guess
        without context."""
        rows = []
        for name, run in self.runs.items():
            model = self.model(name)
            if model is None or name == "DINO":  # DINO hides no patch
                continue
            hidden = model.patches_count - masked.visible_count(model.patches_count, model.mask_ratio)
            row = {"method": name, "epochs": run.epochs_done, "train (s)": round(run.wall_time, 1),
                   "patches (hidden / all)": f"{hidden} / {model.patches_count}"}
            if name == "MAE":
                errors = self.reconstruction_errors
                row.update({"target": "pixels", "measure": "squared error per pixel (lower is better)",
                            "the model": round(errors["mae"], 4),
                            "without context": round(errors["mean colour of the visible patches"], 4)})
            else:
                scores = self.token_scores
                row.update({"target": "visual tokens", "measure": "tokens named right (higher is better)",
                            "the model": round(scores["beit"], 3),
                            "without context": round(scores["most common visible token"], 3)})
            rows.append(row)
        return rows


@keras.saving.register_keras_serializable(package="toolkit")
class SupervisedEncoder(keras.Model):
    """The MAE's encoder (the mean of its tokens, every patch visible) and a linear softmax over the shapes:
    the supervised upper bound, trained with the labels the MAE never sees."""

    def __init__(self, encoder: masked.MaskedAutoencoder, classes: int, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.classes = encoder, int(classes)
        self.classifier = keras.layers.Dense(self.classes, name="classifier")
        encoder.build()
        for layer in (encoder.decoder_embedding, *encoder.decoder_blocks, encoder.decoder_norm, encoder.decoder_pixels):
            layer.trainable = False  # the decoder is not used: only the encoder and the classifier learn
        encoder.mask_token.trainable = False

    def call(self, images, training=None):
        return self.classifier(self.encoder(images, training=training))

    def get_config(self):
        return {**super().get_config(), "encoder": keras.saving.serialize_keras_object(self.encoder),
                "classes": self.classes}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return cls(**config)


def train_supervised(config: MaeConfig, data, callbacks=(), stop=None):
    """The same encoder (same seed) trained on the shape labels for the same epochs: (Run, model)."""
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    def build():
        model = SupervisedEncoder(masked.MaskedAutoencoder(data.images.shape[1:], patch_size=config.patch_size,
                                                     dim=config.dim, depth=config.depth, heads=4, seed=config.seed),
                            int(np.max(data.classes)) + 1)
        model.compile(optimizer=keras.optimizers.AdamW(config.lr, weight_decay=0.05),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        return model

    model = seeded_build(build, config.seed)
    run = fit(model, data.images, np.asarray(data.classes), batch_size=config.batch, epochs=config.epochs,
              seed=config.seed, callbacks=callbacks, stop=stop, name="supervised")
    return run, model


def run_mae(config: MaeConfig, *, callbacks=(), stop=None) -> MaeResult:
    """Trains each of `config.methods` in turn on `config.n` shape crops (seed 0), each from `config.seed`; the
    probes use held-out crops (seed 1). A run that does not complete ends the sequence."""
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    data = crops(config.n, seed=0)
    image_shape = data.images.shape[1:]
    initial = seeded_build(lambda: build_mae(config, image_shape), config.seed)
    runs = {}
    for method in config.methods:
        model = seeded_build(lambda: BUILDERS[method](config, image_shape), config.seed)
        targets = (beit.visual_tokens(data.images),) if method == "beit" else ()
        run = runs[METHODS[method]] = fit(model, data.images, *targets, batch_size=config.batch, epochs=config.epochs,
                                          seed=config.seed, callbacks=callbacks, stop=stop,
                                          config={"mae": config.values()}, name=METHODS[method])
        if run.status != "completed":
            break
    result = MaeResult(runs, config, data, initial)
    if "dino" in config.methods:
        result.initial_dino = seeded_build(lambda: build_dino(config, image_shape), config.seed)
    if config.supervised and all(run.status == "completed" for run in runs.values()):
        _, result.supervised = train_supervised(config, data, callbacks=callbacks, stop=stop)
    return result
