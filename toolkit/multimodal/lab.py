"""The CLIP page's labs: contrastive training on shapes scenes, zero-shot, retrieval, prompt learning.

- ``ClipConfig`` / ``run_clip``: a CLIP (``toolkit.multimodal.clip``) trained live on scenes of
  one or two shapes and one caption each. ``ClipMonitor`` is the live state: the similarity
  matrix of eight held-out pairs and the zero-shot accuracy on single shapes, once per epoch.
  ``ClipResult`` answers the other tabs: zero-shot classification with any prompts (Eq. 4-5 of
  ``clip``), retrieval recall@k (Eq. 6) and caption search.
- ``PromptConfig`` / ``run_prompts``: CoOp and CoCoOp (``toolkit.multimodal.prompts``) on the
  trained CLIP, learned on a few shots of the base shapes, measured on base and novel shapes
  against the hand-written prompt.

The captions: every scene keeps one of its phrasings from ``toolkit.data.shapes`` ("a large red
circle to the left of a small blue star"), or, with probability p, a short one that names each
shape with a random subset of its size and colour ("a red circle and a star"). Without the short
ones the text encoder can match pairs by colour and position alone and never needs the shape's
word: measured at p = 0 the zero-shot accuracy on shapes stays near 0.4.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.multimodal import knowledge
from toolkit.rnn.lab import Preset
from toolkit.validation import check_float, check_seed

PROBE_SCENES = 600  # single-shape scenes (another seed) on which zero-shot accuracy is measured
WATCHED_PAIRS = 8  # held-out pairs whose similarity matrix the page draws live
HAND_PROMPT = "a {}"
ENSEMBLE = ("a {}", "a small {}", "a medium {}", "a large {}", "one shape: a {}")
TEMPLATES = (*ENSEMBLE, "a photo of a {}")  # the zero-shot tab's editable prompts
MAX_TEMPLATES = 12  # prompt templates the page accepts at once
TEMPLATE_LENGTH = 60  # characters of one template
QUERY_LENGTH = 120  # characters of a retrieval query


@dataclasses.dataclass(frozen=True)
class ClipConfig(Config):
    """Train CLIP: the data, the two encoders' size, the batch (B × B similarity matrix), Adam.

    Measured on 2 cores at the defaults (seed 0): 30 epochs of 4,500 scenes in 92 s of training,
    zero-shot accuracy on single shapes with the prompt "a {shape}" 0.94 after the last epoch (0.27
    after 10 epochs, while colours and sizes are learned first; 0.84 after 20), the five-prompt
    ensemble 0.94, "a photo of a {}" 0.90 ("photo" is a word CLIP never read). On another 2-core
    machine (other float rounding, the same seed) the shapes came later: 0.84 after 30 epochs.
    With ``clip_knowledge`` (K-LITE's training half, ``knowledge.enrich``): 91 s, zero-shot 0.92, and the twelve
    concepts of ``knowledge`` told apart from glosses in the dictionary's words at 0.83 (the default CLIP 0.42).
    """

    clip_scenes: int = setting(5000, lo=500, hi=20_000, step=500, widget="number", label="Scenes (train + held out)",
                               help="Scenes of one to `objects` shapes, each with one caption; a tenth held out.")
    clip_objects: int = setting(2, lo=1, hi=3, label="Shapes per scene (at most)")
    clip_short: float = setting(0.5, lo=0.0, hi=1.0, step=0.05, label="Short captions p",
                                formula=r"t = \text{``a [size] [colour] shape''} \text{ with probability } p",
                                help="The share of scenes captioned only by their shapes, each with a random part "
                                     "of its size and colour: the words a prompt uses.")
    clip_embed: int = setting(64, choices=(16, 32, 64, 128), label="Embedding width E",
                              formula=r"u_i = \frac{f(x_i)W_I}{\lVert f(x_i)W_I\rVert},\ v_j = "
                                      r"\frac{g(t_j)W_T}{\lVert g(t_j)W_T\rVert} \in \mathbb{R}^E")
    clip_encoder: str = setting("cnn", choices=("cnn", "vit"), label="Image encoder f",
                                formula={"cnn": r"f = \text{4 × (conv } 3{\times}3 \text{ + max-pool)}",
                                         "vit": r"f = \text{ViT, } 8{\times}8 \text{ patches, 2 blocks}"})
    clip_temperature: float = setting(0.07, lo=0.01, hi=1.0, step=0.01, label="Initial temperature τ",
                                      formula=r"S_{ij} = e^{s}\, u_i^\top v_j,\quad s = \log(1/\tau) \text{ learned}, "
                                              r"\ e^s \le 100",
                                      help="CLIP starts at 0.07; s is learned and clipped so e^s stays at most 100.")
    clip_epochs: int = setting(30, lo=1, hi=100, widget="number", label="Epochs")
    clip_batch: int = setting(128, choices=(16, 32, 64, 128, 256), label="Batch size B",
                              formula=r"L = \tfrac{1}{2}\left[\mathrm{CE}(S, I) + \mathrm{CE}(S^\top, I)\right],"
                                      r"\ S \in \mathbb{R}^{B\times B}",
                              help="Each caption competes with the batch's B − 1 others: a larger batch gives "
                                   "more negatives.")
    clip_lr: float = setting(0.002, lo=1e-4, hi=0.05, step=1e-4, label="Learning rate (Adam)")
    clip_knowledge: bool = setting(False, label="Train with knowledge (K-LITE)", formula=knowledge.TRAIN_LATEX,
                                   help="Each caption followed by the dictionary entry of each shape word it names, "
                                        "in words no caption uses (circle: round).")
    clip_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")


CLIP_PRESETS = (
    Preset("zero-shot", "Zero-shot from captions (the defaults)",
           "CLIP never sees a label: it learns which caption belongs to which scene among the batch's 128. "
           "Afterwards the prompt 'a {shape}' alone classifies single shapes: 0.84–0.94 zero-shot accuracy at seed 0 "
           "after 30 epochs (about 90 s on 2 cores; machines round floats differently, and the shapes are learned "
           "late, so the exact number varies). Watch the curve: colours and sizes come first, the shapes "
           "after about 10 epochs.",
           {}),
    Preset("long", "Only long captions: a shortcut",
           "Every caption names colour, size and often position. Most pairs in a batch can be matched by those "
           "alone, so the shapes' words matter less: measured at seed 0, the zero-shot accuracy on shapes reaches only "
           "0.55 after the same 30 epochs (0.94 with half the captions short), while the held-out captions are "
           "matched better than at the defaults (0.78 against 0.59): the easier pairing task teaches less about shapes.",
           {"clip_short": 0.0}),
    Preset("k-lite", "K-LITE: train with knowledge",
           "Every training caption is followed by the dictionary entry of each shape word it names, in words no "
           "caption uses: 'a red circle; circle: round'. The Knowledge tab then asks for twelve concepts CLIP never "
           "read, described in the dictionary's words ('a sun, a yellow round shape'): this CLIP tells them apart at "
           "0.83 at seed 0, where the CLIP of the defaults, for which 'round' is an unknown word, reads only the "
           "colour (0.42). It costs little elsewhere: zero-shot 'a {shape}' 0.92 against 0.94.",
           {"clip_knowledge": True}),
)


def parse_templates(text: str) -> tuple[str, ...]:
    """The zero-shot tab's prompts: one template per non-empty line, each with one "{}"."""
    from toolkit.multimodal.clip import check_templates

    if not isinstance(text, str):
        raise ValueError(f"The prompts must be text, one template per line, received {type(text).__name__}.")
    lines = tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))
    if len(lines) > MAX_TEMPLATES:
        raise ValueError(f"Write at most {MAX_TEMPLATES} prompt templates, received {len(lines)}.")
    long = [line for line in lines if len(line) > TEMPLATE_LENGTH]
    if long:
        raise ValueError(f"Each prompt template must be at most {TEMPLATE_LENGTH} characters, received "
                         f"{len(long[0])} in {long[0][:TEMPLATE_LENGTH]!r}….")
    return check_templates(lines)


def unknown_words(model, texts) -> list[str]:
    """The words of `texts` the text encoder has no embedding for (each read as one "unknown" token)."""
    from toolkit.data.text import tokenize

    known = set(model.vocabulary)
    return sorted({word for text in texts for word in tokenize(text.replace("{}", " "), True) if word not in known})


def clip_data_spec(config: ClipConfig) -> dict:
    return {"name": "shapes", "n": config.clip_scenes, "seed": 0, "min_objects": 1, "max_objects": config.clip_objects}


def short_caption(rng, classes, colours, sizes, size_named: float = 0.5, colour_named: float = 0.5) -> str:
    """Each shape named with a random subset of its size and colour, each kept with its probability:
    "a red circle and a star"."""
    from toolkit.data import shapes

    parts = []
    for shape, colour, size in zip(classes, colours, sizes):
        words = [shapes.SIZES[size]] if rng.random() < size_named else []
        words += [shapes.COLOUR_NAMES[colour]] if rng.random() < colour_named else []
        parts.append(" ".join(["a", *words, shapes.SHAPES[shape]]))
    return shapes.listed(parts)


def scene_captions(scenes, short: float, seed: int = 0) -> list[str]:
    """One caption per scene: a short one with probability `short`, else one of its phrasings."""
    short = check_float("short", short, 0.0, 1.0)
    rng = np.random.default_rng(check_seed(seed))
    captions = []
    for i, phrasings in enumerate(scenes.captions):
        k = int(scenes.counts[i])
        if rng.random() < short:
            captions.append(short_caption(rng, scenes.classes[i, :k], scenes.colours[i, :k], scenes.sizes[i, :k]))
        else:
            captions.append(phrasings[rng.integers(len(phrasings))])
    return captions


def probe_scenes(size: int = 64):
    """Single shapes on other scenes (seed 1): what zero-shot accuracy is measured on, labels (N,)."""
    from toolkit.data import shapes

    probe = shapes.scenes(PROBE_SCENES, seed=1, size=size, min_objects=1, max_objects=1)
    return probe.images, probe.classes[:, 0]


def build_clip(config: ClipConfig, image_shape) -> keras.Model:
    from toolkit.multimodal.clip import CLIP

    model = CLIP(image_shape, knowledge.vocabulary() if config.clip_knowledge else None, embed_dim=config.clip_embed,
                 image_kind=config.clip_encoder, temperature=config.clip_temperature)
    model.compile(optimizer=keras.optimizers.Adam(config.clip_lr))
    return model


class ClipMonitor:
    """The live state of a CLIP run, ``fn(run) -> dict`` for the panel: the similarity matrix of
    eight held-out pairs (every frame) and the zero-shot accuracy on single shapes (once an epoch).
    ``run_clip`` hands it the pairs and the probe shapes (``watch``) before the first step."""

    def __init__(self):
        self.images = self.captions = self.probe = None
        self.zero_shot: dict[int, float] = {}

    def watch(self, images, captions, probe) -> None:
        self.images, self.captions = images[:WATCHED_PAIRS], list(captions[:WATCHED_PAIRS])
        self.probe, self.zero_shot = probe, {}

    def __call__(self, run) -> dict:
        from toolkit.data import shapes
        from toolkit.multimodal import clip

        if self.images is None:
            return {}
        model = run.model
        tokens = model.tokenize(self.captions)
        similarity = keras.ops.convert_to_numpy(model({"images": self.images, "tokens": tokens}))
        if run.epochs_done not in self.zero_shot:
            predicted = clip.zero_shot_predict(model, self.probe[0], shapes.SHAPES, [HAND_PROMPT])
            self.zero_shot[run.epochs_done] = float(np.mean(predicted == self.probe[1]))
        return {"similarity": similarity, "images": self.images, "captions": self.captions, "scale": float(keras.ops.exp(model.logit_scale)),
                "zero_shot": dict(self.zero_shot)}


@dataclasses.dataclass
class ClipResult:
    """A trained CLIP and what the zero-shot, retrieval and prompt-learning tabs ask of it."""

    run: object
    config: ClipConfig
    test: object  # the held-out scenes
    captions: list  # the held-out scenes' captions
    probe: tuple  # (images, shape labels) of single-shape scenes

    @property
    def model(self):
        return self.run.model

    @functools.cached_property
    def probe_embeddings(self) -> np.ndarray:
        """u of the probe shapes, computed once: every prompt the zero-shot tab tries reuses them."""
        from toolkit.multimodal import clip

        return clip.embed_images(self.model, self.probe[0])

    @functools.cached_property
    def test_embeddings(self) -> np.ndarray:
        """u of the held-out scenes, computed once for every search and the recalls."""
        from toolkit.multimodal import clip

        return clip.embed_images(self.model, self.test.images)

    def zero_shot(self, templates) -> tuple[float, np.ndarray, np.ndarray]:
        """Eqs. 4-5 on the probe shapes: accuracy, predictions, and the (C, C) confusion counts."""
        from toolkit.data import shapes
        from toolkit.multimodal import clip

        w = clip.class_embeddings(self.model, shapes.SHAPES, templates)
        predicted = np.argmax(self.probe_embeddings @ w.T, axis=1)
        confusion = np.zeros((len(shapes.SHAPES),) * 2, np.int64)
        np.add.at(confusion, (self.probe[1], predicted), 1)
        return float(np.mean(predicted == self.probe[1])), predicted, confusion

    def recalls(self) -> dict:
        """Eq. 6 on the held-out scenes with their captions, both ways, k = 1 and 5."""
        from toolkit.multimodal import clip

        similarity = self.test_embeddings @ clip.embed_texts(self.model, self.captions).T  # rows: images
        return {"image → text": {k: clip.recall_at_k(similarity, k) for k in (1, 5)},
                "text → image": {k: clip.recall_at_k(similarity.T, k) for k in (1, 5)}}

    def table_note(self) -> str:
        """What ``table``'s columns measure, for the page."""
        return ("In-batch matching: the share of held-out images (and captions) whose pair is the most similar in its "
                f"batch. Zero-shot: {PROBE_SCENES} single shapes of another seed, prompt '{HAND_PROMPT}'. R@k: the own "
                f"caption (scene) among the k most similar of all {len(self.captions)} held-out ones.")

    def search(self, text: str, k: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The held-out scenes most similar to `text`: images, cosine similarities, indices."""
        from toolkit.multimodal import clip

        scores = self.test_embeddings @ clip.embed_texts(self.model, [text])[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return self.test.images[order], scores[order], order

    def table(self) -> list[dict]:
        history = self.run.history
        recalls = self.recalls()
        return [{"epochs": self.run.epochs_done, "train (s)": round(self.run.wall_time, 1),
                 "held-out loss": round(float(history["val_loss"][-1]), 3),
                 "in-batch matching": round(float(history["val_accuracy"][-1]), 3),
                 "e^s = 1/τ": round(float(keras.ops.exp(self.model.logit_scale)), 1),
                 f"zero-shot '{HAND_PROMPT}'": round(self.zero_shot([HAND_PROMPT])[0], 3),
                 "image→text R@1": round(recalls["image → text"][1], 3),
                 "text→image R@1": round(recalls["text → image"][1], 3),
                 "text→image R@5": round(recalls["text → image"][5], 3)}]


def run_clip(config: ClipConfig, data=None, *, callbacks=(), stop=None, monitor: ClipMonitor | None = None,
             build=build_clip, name: str = "CLIP"):
    """Trains CLIP on `data` (``clip_data_spec``'s scenes) and returns a ``ClipResult``.

    `monitor`, when given, is filled with the held-out pairs and probe shapes before training. `build`
    (config, image_shape) -> compiled model: another model of the CLIP family on the same data and batches
    (``toolkit.multimodal.filip.run_filip``).
    """
    from toolkit.data import load
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    if config.clip_knowledge and build is not build_clip:
        raise ValueError("Training with knowledge (`clip_knowledge`) is built for CLIP only: its vocabulary holds the "
                         "dictionary's words; train this model with clip_knowledge=False.")
    data = data if data is not None else load(**clip_data_spec(config))
    captions = scene_captions(data, config.clip_short, config.clip_seed)
    if config.clip_knowledge:  # K-LITE's training half, Eq. 3 of ``knowledge``
        captions = [knowledge.enrich(caption) for caption in captions]
    n_test = max(len(data) // 10, WATCHED_PAIRS)
    train, test = data.take(slice(0, len(data) - n_test)), data.take(slice(len(data) - n_test, len(data)))
    model = seeded_build(lambda: build(config, data.input_shape), config.clip_seed)
    tokens = model.tokenize(captions)
    probe = probe_scenes(data.input_shape[0])
    if monitor is not None:
        monitor.watch(test.images, captions[-n_test:], probe)
    x = {"images": train.images, "tokens": tokens[:-n_test]}
    x_val = {"images": test.images, "tokens": tokens[-n_test:]}
    run = fit(model, x, None, batch_size=config.clip_batch, epochs=config.clip_epochs, validation_data=(x_val, None),
              seed=config.clip_seed, callbacks=callbacks, stop=stop, config={"dataset": data.spec, **config.values()},
              name=name)
    return ClipResult(run, config, test, captions[-n_test:], probe)


# ---------------------------------------------------------------- prompt learning: CoOp and CoCoOp
PROMPT_METHODS = {"coop": "CoOp", "cocoop": "CoCoOp"}
PROMPT_FORMULAS = {"coop": r"\text{CoOp: } t_c = [v_1, \dots, v_M, e(c)]",
                   "cocoop": r"\text{CoCoOp: } v_m(x) = v_m + \pi(x)"}
PROMPT_NOTE = ("Base: held-out images of the base shapes, among the base classes; novel: images of the novel shapes, "
               "among the novel classes, with the same learned prompt. The hand-written rows learn nothing.")
SHOT_SCENES = 2000  # single-shape scenes (seed 2) the shots are drawn from


def _shape_names() -> tuple[str, ...]:
    from toolkit.data import shapes

    return shapes.SHAPES


@dataclasses.dataclass(frozen=True)
class PromptConfig(Config):
    """Learn the prompt on a few shots of the base shapes; measure it on base and novel shapes.

    Measured at the defaults on the first tab's default CLIP (seed 0, 2 cores, about 13 s for both):
    base / novel accuracy: hand-written 'a {}' 0.99 / 0.94, CoOp 0.94 / 0.86, CoCoOp 0.95 / 0.89.
    """

    prompt_methods: tuple = setting(("coop", "cocoop"), choices=tuple(PROMPT_METHODS), min_count=1,
                                    label="Methods", formula=PROMPT_FORMULAS,
                                    help="Each starts from the same context vectors and sees the same batches.")
    prompt_base: tuple = setting(("circle", "square", "triangle"), choices=_shape_names(), min_count=1,
                                 label="Base classes (the rest are novel)",
                                 help="The prompts learn on these; the other shapes are never shown to them.")
    prompt_context: int = setting(4, lo=1, hi=16, label="Context vectors M",
                                  formula=r"v_1, \dots, v_M \in \mathbb{R}^{D}\ \text{learned, } g, f \text{ frozen}")
    prompt_shots: int = setting(2, lo=1, hi=64, widget="number", label="Shots per base class")
    prompt_epochs: int = setting(40, lo=1, hi=200, widget="number", label="Epochs")
    prompt_lr: float = setting(0.01, lo=1e-4, hi=0.1, step=1e-3, label="Learning rate (Adam)",
                               formula=r"\mathcal{L} = -\log \frac{\exp(e^s u^\top w_y)}{\sum_{c \in \text{base}}"
                                       r"\exp(e^s u^\top w_c)}")
    prompt_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def check(self):
        if len(self.prompt_base) == len(_shape_names()):
            raise ValueError("Leave at least one shape out of `prompt_base`: the novel classes are the ones left out.")

    @property
    def novel(self) -> tuple[str, ...]:
        return tuple(name for name in _shape_names() if name not in self.prompt_base)

    def variants(self) -> dict[str, str]:
        return {PROMPT_METHODS[name]: name for name in self.prompt_methods}


PROMPT_PRESETS = (
    Preset("base-novel", "CoOp fits its base classes, CoCoOp generalizes better (the defaults)",
           "Four context vectors learned from 2 images of each base shape (circle, square, triangle) for 40 epochs, on "
           "the CLIP trained at the first tab's defaults. Measured at seed 0: the learned prompts fit their few "
           "shots and lose on the novel shapes they never saw: CoOp 0.86 novel accuracy against the hand-written "
           "'a {}''s 0.94. CoCoOp's image-conditioned context loses less, 0.89, and has the better harmonic mean. "
           "This small CLIP's captions say 'a circle', so the hand prompt is already its best prompt (0.99 on base).",
           {}),
    Preset("more-shots", "16 shots per base class",
           "Eight times the labelled images: both learned prompts do better on the base shapes (CoOp 0.94, "
           "CoCoOp 0.97 at seed 0), and the novel shapes stay behind the hand prompt (0.86 and 0.87): more base "
           "data does not teach the prompt about other classes.",
           {"prompt_shots": 16}),
)


def shots(config: PromptConfig, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """`prompt_shots` single-shape images of every base class (seed 2 + seed), labels in base order."""
    from toolkit.data import shapes

    pool = shapes.scenes(SHOT_SCENES, seed=2, size=size, min_objects=1, max_objects=1)
    rng = np.random.default_rng(check_seed(config.prompt_seed))
    picked, labels = [], []
    for label, name in enumerate(config.prompt_base):
        candidates = np.flatnonzero(pool.classes[:, 0] == shapes.SHAPES.index(name))
        picked.extend(rng.choice(candidates, min(config.prompt_shots, len(candidates)), replace=False))
        labels += [label] * min(config.prompt_shots, len(candidates))
    return pool.images[np.array(picked)], np.array(labels, np.int32)


def split_probe(probe, names) -> tuple[np.ndarray, np.ndarray]:
    """The probe images of the classes `names`, labels re-indexed in `names`' order."""
    from toolkit.data import shapes

    images, classes = probe
    index = {shapes.SHAPES.index(name): k for k, name in enumerate(names)}
    keep = np.isin(classes, list(index))
    return images[keep], np.array([index[int(c)] for c in classes[keep]], np.int32)


def build_prompt_learner(config: PromptConfig, clip_model, method: str) -> keras.Model:
    from toolkit.multimodal.prompts import PromptLearner

    learner = PromptLearner(clip_model, config.prompt_base, context=config.prompt_context, meta=method == "cocoop",
                            name=method)
    learner.compile(optimizer=keras.optimizers.Adam(config.prompt_lr))
    return learner


@dataclasses.dataclass
class PromptResult:
    """CoOp and CoCoOp runs, and the base / novel table against hand-written prompts."""

    runs: dict
    config: PromptConfig
    rows: list

    def table(self) -> list[dict]:
        return self.rows


def prompt_row(name: str, base: float, novel: float, seconds: float | None) -> dict:
    from toolkit.multimodal.prompts import harmonic_mean

    return {"prompt": name, "base": round(base, 3), "novel": round(novel, 3),
            "H": round(harmonic_mean(base, novel), 3), "train (s)": "—" if seconds is None else round(seconds, 1)}


def hand_rows(clip_model, config: PromptConfig, probe) -> list[dict]:
    """Zero-shot rows: the hand prompt and the ensemble, each class among its own split (base or novel)."""
    from toolkit.multimodal import clip

    rows = []
    for name, templates in ((f"hand-written '{HAND_PROMPT}'", [HAND_PROMPT]), ("ensemble of 5 prompts", ENSEMBLE)):
        scores = []
        for names in (config.prompt_base, config.novel):
            images, labels = split_probe(probe, names)
            scores.append(float(np.mean(clip.zero_shot_predict(clip_model, images, names, templates) == labels)))
        rows.append(prompt_row(name, *scores, None))
    return rows


def run_prompts(config: PromptConfig, clip_result: ClipResult, *, callbacks=(), stop=None) -> PromptResult:
    """Trains each chosen prompt learner on the shots from the same start; returns the base/novel table."""
    from toolkit.multimodal.prompts import accuracy
    from toolkit.train import compare

    clip_model, probe = clip_result.model, clip_result.probe
    x, y = shots(config, clip_model.image_shape[0])
    x_val, y_val = split_probe(probe, config.prompt_base)
    builders = {title: (lambda method=method: build_prompt_learner(config, clip_model, method))
                for title, method in config.variants().items()}
    runs = compare(builders, (x, y, x_val, y_val), epochs=config.prompt_epochs, batch_size=min(32, len(x)),
                   seed=config.prompt_seed, callbacks=callbacks, stop=stop, config=config.values())
    rows = hand_rows(clip_model, config, probe)
    novel_images, novel_labels = split_probe(probe, config.novel)
    for title, run in runs.items():
        if run.epochs_done:
            rows.append(prompt_row(title, accuracy(run.model, x_val, y_val),
                                   accuracy(run.model, novel_images, novel_labels, config.novel), run.wall_time))
    return PromptResult(runs, config, rows)
