"""The CoCa page's lab: a ``CoCa`` trained live on captioned shape crops, then asked to caption and to classify.

``CocaConfig`` / ``run_coca`` train the CoCa of ``toolkit.multimodal.coca`` on crops of single shapes
(``toolkit.diffusion.text_lab.shape_crops``), each captioned "a [size] [colour] shape" with each bracket kept
with probability ½ (so "a star" is a caption too, and a prompt). ``CocaMonitor`` is the live state: eight
held-out crops and the captions the model writes for them now. ``CocaResult`` answers what the page shows
after the run, on held-out crops: how often the greedy caption names the right shape (and, where it names
them, the right colour and size), and zero-shot classification of the shape two ways: by the contrastive
embeddings, as CLIP does (prompt "a {shape}"), and by the captioner's likelihood of each prompt, as a
generative model must (SimVLM's way).

Measured on 2 cores at the defaults and the other two lessons (seed 0, ``benchmarks/coca.py``): see
``CocaConfig`` and ``PRESETS``.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.multimodal import coca, mae_lab
from toolkit.multimodal.mae_lab import HELD_OUT_SEED, crops, held_out  # the MAE page's crops and held-out set
from toolkit.rnn.lab import Preset

HELD_OUT = mae_lab.HELD_OUT
WATCHED = 8  # held-out crops the live panel captions
NAMED = 0.5  # the chance that a caption names the size, and (independently) the colour
TEXT_LENGTH = 6  # words per caption ("a large red star" has 4)
PROMPT = "a {}"


@dataclasses.dataclass(frozen=True)
class CocaConfig(Config):
    """Every setting of the CoCa run (the page's URL parameters are the field names).

    Measured on 2 cores at the defaults (seed 0): 15 epochs of 3,000 crops in 31 s of training; on 1,000
    held-out crops the captions name the right shape 0.74 of the time (the right colour 1.00 where they name
    one, the right size 0.99), zero-shot 0.77 from the embeddings and 0.75 from the likelihoods. The
    contrastive loss sits at ln B for 7 epochs before it falls; alone (λ_cap = 0) it sat there for 13.
    """

    contrastive_weight: float = setting(1.0, lo=0.0, hi=2.0, step=0.1, label="Contrastive weight λ_con",
                                        formula=coca.LATEX["contrastive"],
                                        help="0: a captioner alone, SimVLM's prefix language model.")
    caption_weight: float = setting(1.0, lo=0.0, hi=2.0, step=0.1, label="Captioning weight λ_cap",
                                    formula=coca.LATEX["caption"],
                                    help="0: CLIP with a causal text encoder; no captions are learned.")
    caption_queries: int = setting(8, lo=1, hi=32, label="Decoder's image tokens q", formula=coca.LATEX["pool"],
                                   help="The learned queries of the captioning pooler: how many image tokens the "
                                        "multimodal decoder cross-attends to.")
    epochs: int = setting(15, lo=1, hi=100, widget="number", label="Epochs")
    n: int = setting(3000, lo=200, hi=20_000, step=100, widget="number", label="Training crops")
    batch: int = setting(128, choices=(32, 64, 128, 256), label="Batch size B")
    dim: int = setting(64, choices=(32, 64, 128), label="Width d")
    lr: float = setting(1e-3, lo=1e-5, hi=0.05, step=1e-4, label="Learning rate η (Adam)")
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")

    def check(self) -> None:
        if self.contrastive_weight == 0 and self.caption_weight == 0:
            raise ValueError("At least one of `contrastive_weight` and `caption_weight` must be positive: with both "
                             "0 nothing is learned.")
        if self.batch > self.n:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.n} training crops; choose a batch "
                             "of at most the dataset's size.")


PRESETS = (
    Preset("coca", "Contrast and caption (the defaults)",
           "Both losses at once: the same image encoder feeds the contrastive embedding (one pooled token) and the "
           "captioning decoder (eight pooled tokens). After 15 epochs (about 30 s on 2 idle cores) the captions of "
           "held-out crops name the right shape 0.74 of the time, and the same model classifies shapes zero-shot "
           "both ways: from its embeddings, as CLIP does (0.77), and from the likelihood of each prompt as the "
           "caption, as a captioner does (0.75); chance is 1/6.", {}),
    Preset("captioner", "Captions only (SimVLM's prefix language model)",
           "λ_con = 0: the words follow the image as a prefix and nothing pulls matching pairs together. The "
           "captions still name the right shape (0.68) and the likelihood-based zero-shot still works (0.68); the "
           "contrastive embeddings were never trained, so classifying by them is chance (0.15). The notes: SimVLM "
           "\"doesn't compete with CLIP\" on what CLIP's embeddings do.", {"contrastive_weight": 0.0}),
    Preset("contrastive", "Contrast only (CLIP)",
           "λ_cap = 0: a CLIP whose text encoder happens to be causal. Measured at seed 0: its loss stays at "
           "ln 128 ≈ 4.85 (every caption equally likely) for 13 of the 15 epochs and zero-shot ends at 0.19, while "
           "with the captioning loss beside it the same encoder left that plateau by epoch 8: predicting every word "
           "gives the encoder a signal from the first step. The untrained decoder's captions are noise: CoCa adds "
           "the generative branch CLIP lacks.", {"caption_weight": 0.0}),
)


def tokenizer():
    from toolkit.diffusion.text_lab import tokenizer as crop_tokenizer

    return crop_tokenizer()


def captions(data, seed: int = 0) -> list[str]:
    from toolkit.diffusion.text_lab import captions as crop_captions

    return crop_captions(data, NAMED, NAMED, seed=seed)


def tokens(texts) -> np.ndarray:
    return tokenizer().encode(texts, TEXT_LENGTH, padding="post")


def words(ids) -> list[str]:
    """The captions of ``CoCa.caption``'s word ids (N, T), padding dropped."""
    return tokenizer().decode(ids)


def build_coca(config: CocaConfig, image_shape) -> coca.CoCa:
    model = coca.CoCa(image_shape, len(tokenizer().vocabulary), dim=config.dim, heads=4,
                      caption_queries=config.caption_queries, text_length=TEXT_LENGTH,
                      contrastive_weight=config.contrastive_weight, caption_weight=config.caption_weight)
    model.build()
    model.compile(optimizer=keras.optimizers.Adam(config.lr))
    return model


class CocaMonitor:
    """``fn(run) -> dict`` for the live panel: eight held-out crops and the captions the model writes now."""

    def __init__(self):
        self.images = held_out().images[:WATCHED]
        self.truth = captions(held_out(), seed=HELD_OUT_SEED)[:WATCHED]

    def __call__(self, run) -> dict:
        if not isinstance(run.model, coca.CoCa):
            return {}
        return {"images": self.images, "captions": words(run.model.caption(self.images)), "truth": self.truth,
                "epoch": run.epochs_done}


def attributes(data) -> dict[str, list[str]]:
    """The held-out crops' shape, colour and size as words."""
    from toolkit.data import shapes

    return {"shape": [shapes.SHAPES[i] for i in data.classes], "colour": [shapes.COLOUR_NAMES[i] for i in data.colours],
            "size": [shapes.SIZES[i] for i in data.sizes]}


@dataclasses.dataclass
class CocaResult:
    """A trained CoCa and what the page reports on held-out crops."""

    run: object
    config: CocaConfig

    @property
    def model(self) -> coca.CoCa:
        return self.run.model

    @functools.cached_property
    def generated(self) -> list[str]:
        return words(self.model.caption(held_out().images))

    @functools.cached_property
    def caption_scores(self) -> dict:
        """How often the greedy caption names the crop's shape; where it names a colour (a size), how often the
        right one."""
        from toolkit.data import shapes

        truth = attributes(held_out())
        split = [caption.split() for caption in self.generated]
        scores = {"names the right shape": np.mean([shape in words_ for shape, words_ in zip(truth["shape"], split)])}
        for what, vocabulary in (("colour", shapes.COLOUR_NAMES), ("size", shapes.SIZES)):
            named = [(right, [w for w in words_ if w in vocabulary]) for right, words_ in zip(truth[what], split)]
            named = [(right, said) for right, said in named if said]
            scores[f"names a {what}"] = len(named) / len(split)
            scores[f"the right {what}, when named"] = (np.mean([right in said for right, said in named])
                                                      if named else float("nan"))
        return {name: round(float(value), 3) for name, value in scores.items()}

    @functools.cached_property
    def zero_shot(self) -> dict:
        """Zero-shot shape accuracy on the held-out crops: by the embeddings and by the caption likelihood."""
        from toolkit.data import shapes

        data = held_out()
        prompts = tokens([PROMPT.format(name) for name in shapes.SHAPES])
        by_embedding = (self.model.encode_images(data.images) @ self.model.encode_texts(prompts).T).argmax(1)
        likelihoods = np.stack([self.model.caption_log_likelihood(data.images, np.repeat(prompts[i:i + 1],
                                                                                          len(data.images), 0))
                                for i in range(len(prompts))], axis=1)
        truth = np.asarray(data.classes)
        return {"by the contrastive embeddings (CLIP's way)": round(float(np.mean(by_embedding == truth)), 3),
                "by the caption likelihood (a captioner's way)": round(float(np.mean(likelihoods.argmax(1) == truth)),
                                                                        3)}

    def evaluate(self) -> CocaResult:
        """Computes every number the page shows after the run (the training thread calls it, under the live panel's
        "now computing" line, so the page's results appear at once); returns self. Nothing before the first epoch."""
        if self.run.epochs_done:
            self.caption_scores, self.zero_shot  # noqa: B018 (cached properties: computed here, read by the page)
        return self

    def table(self) -> list[dict]:
        """One row: the run, its weights, its captions' scores, its two zero-shot accuracies."""
        weights = {"λ_con": self.config.contrastive_weight, "λ_cap": self.config.caption_weight}
        return [{**weights, **self.caption_table()[0], **{f"zero-shot {k}": v for k, v in self.zero_shot.items()}}]

    def caption_table(self) -> list[dict]:
        return [{"epochs": self.run.epochs_done, "train (s)": round(self.run.wall_time, 1), **self.caption_scores}]

    def zero_shot_table(self) -> list[dict]:
        return [{"classified": way, "shape accuracy": accuracy} for way, accuracy in self.zero_shot.items()]


def run_coca(config: CocaConfig, *, callbacks=(), stop=None) -> CocaResult:
    """Trains the CoCa of `config` on `config.n` captioned crops (seed 0); the tables use held-out crops (seed 1)."""
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    data = crops(config.n, seed=0)
    model = seeded_build(lambda: build_coca(config, data.images.shape[1:]), config.seed)
    run = fit(model, data.images, tokens(captions(data, seed=0)), batch_size=config.batch, epochs=config.epochs,
              seed=config.seed, callbacks=callbacks, stop=stop, config={"coca": config.values()}, name="CoCa")
    return CocaResult(run, config)
