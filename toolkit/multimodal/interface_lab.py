"""The LLMs-as-interface page's lab: Frozen and Flamingo-mini trained live to answer questions about shape scenes.

``InterfaceConfig`` / ``run_interface`` train each chosen adapter of ``toolkit.multimodal.interface`` in turn, from
the same seed (so both vision encoders start from the same weights), on question-answer pairs of 64×64 scenes
(``toolkit.data.shapes``, 1-3 objects, `questions` pairs drawn per scene), with the shipped language model frozen.
``InterfaceMonitor`` is the live state: held-out accuracy per kind of question each epoch, the gates tanh α, and
six held-out scenes with a question and the answer given now. ``InterfaceResult`` is the table the page shows
after the run: the blind language model, then each adapter, per kind of question.

Measured on 2 cores at the defaults (seed 0, ``benchmarks/interface.py``): see ``InterfaceConfig``.
"""

from __future__ import annotations

import dataclasses
import functools
import threading

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.multimodal import interface, language
from toolkit.rnn.lab import Preset

ADAPTERS = {"frozen": "Frozen (visual prefix)", "flamingo": "Flamingo-mini (resampler + gated cross-attention)"}
HELD_OUT_SCENES, HELD_OUT_SEED = 300, 1  # every question of each (3,145 pairs)
MAX_PAIRS = 12_000  # training pairs a run may hold: 12 kB each as uint8, so one run stays under 150 MB
WATCHED = 6  # held-out scenes the live panel asks a question about, one of each kind
LIVE_EVERY = 3  # the live accuracy curves score every third held-out pair (the table scores all)
IMAGE_SIZE = 64
QUESTION_CHARACTERS = 40  # the page's question box


@dataclasses.dataclass(frozen=True)
class InterfaceConfig(Config):
    """Every setting of the page's run (the URL parameters are the field names).

    Measured on 2 cores at the defaults (seed 0, ``benchmarks/interface.py``): 6 epochs of 6,000 question-answer
    pairs, about 30 s of training per adapter. On 3,145 held-out questions the frozen language model alone answers
    0.39 right (its prior), with Frozen's prefix 0.65, with Flamingo-mini's gated cross-attention 0.73; reading
    each scene's caption in words, 0.89.
    """

    adapters: tuple = setting(("frozen", "flamingo"), choices=tuple(ADAPTERS), min_count=1,
                              label="Adapters (each trained in turn, same start)",
                              formula={"frozen": interface.LATEX["frozen"], "flamingo": interface.LATEX["flamingo"]})
    prefix_tokens: int = setting(4, lo=1, hi=16, label="Frozen's prefix length k", formula=interface.LATEX["prefix"])
    latents: int = setting(8, lo=1, hi=32, label="Flamingo's visual tokens R", formula=interface.LATEX["resampler"])
    train_gates: bool = setting(True, label="Train Flamingo's gates α", formula=interface.LATEX["gate"],
                                help="Off: every α stays 0, so tanh α = 0 and the frozen model never reads the "
                                     "image.")
    epochs: int = setting(6, lo=1, hi=100, widget="number", label="Epochs (each adapter)")
    scenes: int = setting(3000, lo=200, hi=6000, step=100, widget="number", label="Training scenes")
    questions: int = setting(2, lo=1, hi=4, label="Questions per scene")
    batch: int = setting(128, choices=(32, 64, 128, 256), label="Batch size B")
    lr: float = setting(2e-3, lo=1e-5, hi=0.05, step=1e-4, label="Learning rate η (Adam)",
                        formula=interface.LATEX["loss"])
    seed: int = setting(0, lo=0, hi=2**31 - 1, label="Seed")

    def check(self) -> None:
        pairs = self.scenes * self.questions
        if pairs > MAX_PAIRS:
            raise ValueError(f"{self.scenes:,} scenes × {self.questions} questions is {pairs:,} training pairs; at "
                             f"most {MAX_PAIRS:,} fit in a run's memory here.")
        if self.batch > pairs:
            raise ValueError(f"`batch` ({self.batch}) is larger than the {self.scenes * self.questions} training "
                             "pairs; choose a smaller batch or more scenes.")


PRESETS = (
    Preset("both", "Frozen and Flamingo-mini (the defaults)",
           "Both adapters in turn, from the same seed, around the same frozen language model and vision encoder "
           "(about a minute on 2 idle cores). Measured on 3,145 held-out questions: the language model alone answers "
           "0.39 of them right, from its prior (“is there a star?” gets the likelier answer, not the true one). "
           "Frozen's four soft-prompt embeddings lift it to 0.65, Flamingo-mini's resampler and gated "
           "cross-attention to 0.73, neither changing one weight of the language model. Reading the scene's caption "
           "in words it reaches 0.89: the ceiling a perfect visual prefix could stand for.", {}),
    Preset("gates_shut", "Gates kept shut",
           "Flamingo-mini with every α held at 0. The resampler and the cross-attention still run, but tanh 0 = 0 "
           "multiplies what they add, so no gradient reaches them and the model answers exactly as the blind "
           "language model does (0.39, every answer its answer). The zero-initialized gates are what let Flamingo "
           "start from the frozen model unchanged; training opens them.", {"adapters": ("flamingo",),
                                                                             "train_gates": False}),
    Preset("one_token", "One token each",
           "k = 1 and R = 1. Frozen's single embedding must carry the whole scene through the frozen model's own "
           "attention: it falls from 0.65 to 0.51. Flamingo-mini keeps 0.71 (0.73 with 8): its one visual token is "
           "read again by a trained cross-attention before every frozen block.", {"prefix_tokens": 1, "latents": 1}),
)


@dataclasses.dataclass(frozen=True, eq=False)
class QuestionPairs:
    """Question-answer pairs about scenes: images (N, 64, 64, 3) uint8, the questions and answers as text."""

    images: np.ndarray
    questions: tuple
    answers: tuple
    captions: tuple  # each pair's scene's listing caption (``language.listing``)

    def inputs(self) -> dict:
        questions, words = interface.question_ids(self.questions)
        return {"images": self.images, "questions": questions, "words": words}

    def targets(self) -> np.ndarray:
        return interface.answer_ids(self.answers)


def draw_scenes(scenes: int, seed: int):
    from toolkit.data import shapes

    return shapes.scenes(scenes, seed=seed, size=IMAGE_SIZE, min_objects=1, max_objects=3)


def question_pairs(scenes: int, per_scene: int | None, seed: int, drawn=None) -> QuestionPairs:
    """`per_scene` pairs drawn from each of `scenes` scenes (every pair of each when None), images as uint8."""
    drawn = draw_scenes(scenes, seed) if drawn is None else drawn
    rng = np.random.default_rng(seed)
    index, questions, answers, captions = [], [], [], []
    for i, pairs in enumerate(drawn.questions):
        chosen = range(len(pairs)) if per_scene is None else rng.choice(len(pairs), min(per_scene, len(pairs)),
                                                                         replace=False)
        for j in chosen:
            index.append(i)
            questions.append(pairs[j][0])
            answers.append(pairs[j][1])
            captions.append(language.listing(drawn.captions[i]))
    images = np.round(drawn.images * 255).astype(np.uint8)[np.asarray(index)]
    return QuestionPairs(images, tuple(questions), tuple(answers), tuple(captions))


@functools.lru_cache(maxsize=1)
def held_out_scenes():
    return draw_scenes(HELD_OUT_SCENES, HELD_OUT_SEED)


@functools.lru_cache(maxsize=1)
def held_out() -> QuestionPairs:
    """Every question about every held-out scene."""
    return question_pairs(HELD_OUT_SCENES, None, HELD_OUT_SEED, held_out_scenes())


def held_out_scene(index: int) -> tuple[np.ndarray, tuple]:
    """Held-out scene `index`: its image (64, 64, 3) uint8 and its (question, answer) pairs."""
    scenes = held_out_scenes()
    return np.round(scenes.images[index] * 255).astype(np.uint8), scenes.questions[index]


def check_question(text: str) -> str:
    """`text` as a question the models can read ("What colour is the star?" -> "what colour is the star?"), or a
    ValueError in one sentence: too long, a word the language model never read, or not one of the kinds asked."""
    from toolkit.data.text import tokenize

    if not isinstance(text, str) or len(text) > QUESTION_CHARACTERS:
        raise ValueError(f"A question holds at most {QUESTION_CHARACTERS} characters.")
    words = tokenize(text)
    unknown = [word for word in words if word not in language.vocabulary()]
    if unknown:
        raise ValueError(f"The language model never read {', '.join(repr(w) for w in unknown[:3])}: use the words of "
                         "the scene questions (shapes, colours, sizes, how many, what, is there).")
    if not 2 <= len(words) <= interface.QUESTION_LENGTH:
        raise ValueError(f"A question holds 2 to {interface.QUESTION_LENGTH} words, received {len(words)}.")
    question = " ".join(words) + "?"
    try:
        interface.kind(question)
    except ValueError:
        raise ValueError("Ask as the scene questions do: how many …, what colour / size is the …, "
                         "what shape is …, is there a ….") from None
    return question


def answers_to(models: dict, image, question: str, truth: str | None) -> list[dict]:
    """One row per model: its answer to `question` about `image`, and whether it is `truth` (blank when the right
    answer is not known); the blind language model first."""
    said = {BLIND: language.answers(blind_model(), [question])[0]}
    said.update({name: model.answer(image[None], [question])[0] for name, model in models.items()})
    return [{"model": name, "answer": answer, "right": "" if truth is None else ("yes" if answer == truth else "no")}
            for name, answer in said.items()]


BLIND, READING = "language model alone (no image)", "language model reading the true caption"


@functools.lru_cache(maxsize=1)
def blind_model() -> language.ShapesLM:
    """The shipped language model, shared read-only by every session (the adapters get their own copies)."""
    return language.pretrained()


def text_scores() -> dict[str, dict[str, float]]:
    """The frozen language model's accuracy per kind of held-out question with no image: blind (its prior), and
    after the scene's listing caption in words (what a perfect visual prefix could stand for). Computed once per
    process (about 1.5 s on 2 cores); a second caller waits for the first."""
    with _SCORES_LOCK:
        return _text_scores()


def warm_up() -> None:
    """Computes ``text_scores`` in a background thread, once per process: the page calls it on render, so the
    work is done while the student reads instead of between the click on Train and the first step."""
    global _WARMING
    with _SCORES_LOCK:
        if _WARMING or _text_scores.cache_info().currsize:
            return
        _WARMING = True
    # not a daemon: a process that exits meanwhile waits the second it takes instead of killing TensorFlow mid-call
    threading.Thread(target=text_scores, name="interface-warm-up", daemon=False).start()


_SCORES_LOCK, _WARMING = threading.Lock(), False


@functools.lru_cache(maxsize=1)
def _text_scores() -> dict[str, dict[str, float]]:
    data, model = held_out(), blind_model()
    return {BLIND: interface.accuracy_by_kind(data.questions, data.answers,
                                              language.answers(model, data.questions)),
            READING: interface.accuracy_by_kind(data.questions, data.answers,
                                                language.answers(model, data.questions, data.captions))}


def build(config: InterfaceConfig, adapter: str) -> interface.VisualAdapter:
    """The `adapter` around a fresh copy of the shipped language model and the shipped vision encoder, compiled."""
    image_shape = (IMAGE_SIZE, IMAGE_SIZE, 3)
    if adapter == "frozen":
        model = interface.FrozenPrefix(language.pretrained(), image_shape, prefix_tokens=config.prefix_tokens)
    else:
        model = interface.FlamingoMini(language.pretrained(), image_shape, latents=config.latents,
                                       train_gates=config.train_gates)
    interface.load_pretrained_vision(model)
    model.compile(optimizer=keras.optimizers.Adam(config.lr))
    return model


def watched_pairs(data: QuestionPairs) -> list[int]:
    """One held-out pair of each kind of question, each about another scene."""
    picks, images = [], []
    for kind in interface.KINDS:
        for i, question in enumerate(data.questions):
            if interface.kind(question) == kind and not any(np.array_equal(data.images[i], seen) for seen in images):
                picks.append(i)
                images.append(data.images[i])
                break
    return picks


class InterfaceMonitor:
    """``fn(run) -> dict`` for the live panel: per adapter, held-out accuracy per kind each epoch; the gates; six
    held-out scenes, one question each, and the answer given now."""

    def __init__(self):
        data = held_out()
        picks = watched_pairs(data)
        self.images = data.images[picks]
        self.questions = [data.questions[i] for i in picks]
        self.answers = [data.answers[i] for i in picks]
        self.accuracy: dict[str, dict[int, dict]] = {}
        self.gates: dict[int, list] = {}

    def __call__(self, run) -> dict:
        model = run.model
        if not isinstance(model, interface.VisualAdapter):
            return {}
        curve = self.accuracy.setdefault(run.name, {})
        if run.epochs_done not in curve:
            data = held_out()
            every = slice(None, None, LIVE_EVERY)
            curve[run.epochs_done] = interface.accuracy_by_kind(
                data.questions[every], data.answers[every], model.answer(data.images[every], data.questions[every]))
            if isinstance(model, interface.FlamingoMini):
                self.gates[run.epochs_done] = model.gates()
        return {"accuracy": {name: dict(values) for name, values in self.accuracy.items()}, "name": run.name,
                "images": self.images, "questions": self.questions, "answers": self.answers,
                "said": model.answer(self.images, self.questions), "epoch": run.epochs_done, "gates": dict(self.gates)}


@dataclasses.dataclass
class InterfaceResult:
    """The trained adapters ({name: Run}) and the page's table."""

    runs: dict
    config: InterfaceConfig

    @property
    def trained(self) -> bool:
        """Whether any adapter trained at least one epoch (the page shows its results then)."""
        return any(run.epochs_done for run in self.runs.values())

    def evaluate(self) -> InterfaceResult:
        """Computes every number the page shows after the run (the training thread calls it, under the live panel's
        "now computing" line, so the page's results appear at once); returns self. Nothing before the first epoch."""
        if self.trained:
            self.scores  # noqa: B018 (a cached property: computed here, read by the page)
        return self

    @functools.cached_property
    def scores(self) -> dict[str, dict[str, float]]:
        data = held_out()
        scores = {BLIND: text_scores()[BLIND]}
        for name, run in self.runs.items():
            if run.epochs_done:
                scores[name] = interface.accuracy_by_kind(data.questions, data.answers,
                                                          run.model.answer(data.images, data.questions))
        return {**scores, READING: text_scores()[READING]}

    def table(self) -> list[dict]:
        seconds = {name: round(run.wall_time, 1) for name, run in self.runs.items()}
        return [{"model": name, "train (s)": seconds.get(name, 0.0),
                 **{key: round(value, 3) for key, value in scores.items()}} for name, scores in self.scores.items()]


def run_interface(config: InterfaceConfig, *, callbacks=(), stop=None) -> InterfaceResult:
    """Trains each of `config.adapters` in turn on `config.scenes` scenes (seed 0) from the same seed; the held-out
    pairs (seed 1) are the validation data."""
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    data, test = question_pairs(config.scenes, config.questions, 0), held_out()
    runs = {}
    for adapter in config.adapters:
        model = seeded_build(lambda: build(config, adapter), config.seed)
        name = ADAPTERS[adapter]
        runs[name] = fit(model, data.inputs(), data.targets(), batch_size=config.batch, epochs=config.epochs,
                         validation_data=(test.inputs(), test.targets()), seed=config.seed, callbacks=callbacks,
                         stop=stop, config={"interface": config.values(), "adapter": adapter}, name=name)
        if runs[name].status != "completed":
            break
    return InterfaceResult(runs, config)
