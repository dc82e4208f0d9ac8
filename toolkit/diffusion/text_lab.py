"""The Text-to-image page's lab: a latent DDPM that draws the shape a caption asks for (Eq. 3 of ``unet``).

The data are 32×32 crops centred on the one shape of a 64×64 scene of ``toolkit.data.shapes``, so
the shape fills the crop: six shapes, six colours, three sizes. Each crop's caption names its shape
and, each with its probability, its size and its colour ("a large red star", "a star", "a blue
star"): those are the words a prompt can use. As for the glyphs (``lab``), an autoencoder is trained
first, then ε_θ (an MLP) on its standardized codes, with the caption's words as the condition c. A
caption with no words is ∅; dropping the caption with probability p∅ trains the unconditional
ε_θ(x_t, t, ∅) that guidance needs.

``ShapeReader`` reads what a sample shows, independently of the model: its shape (a small CNN trained
once per process on crops of another seed), its colour (the palette colour nearest the mean of the
pixels that are not background) and its size (the size whose crops of the shape read have the median
count of such pixels nearest, in log scale: a star of a size covers fewer pixels than a square). ``prompt_table`` draws one sample of each of the 108 prompts "a {size} {colour} {shape}"
and counts how often each word is obeyed, for several guidance scales and for the empty prompt.

Crops of large shapes matter (measured, seed 0). On whole 32×32 scenes the shapes are 6 to 13 pixels
wide, and the autoencoder decoded every scene to a grey blob: the colour asked for was drawn 0 times in
100. Crops of 64×64 scenes (shapes 12 to 26 pixels wide) kept the colours, but the reader recognized
only 0.51 of the autoencoder's small shapes, and the DDPM drew the shape asked for in 0.71 of its
samples; crops of 80×80 scenes raise that to 0.90 (``TextDiffusionConfig``).
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.data import shapes
from toolkit.diffusion.lab import FORMULA_GUIDANCE, SCORE_STEPS, GlyphDiffusion, fit_model, standardized_codes
from toolkit.rnn.lab import Preset
from toolkit.validation import check_int, check_text

SIDE = 32  # crop side in pixels
SCENE = 80  # side of the scenes the crops are cut from: their shapes are 15 to 32 pixels wide
TEXT_LENGTH = 8  # words of a caption or prompt
PROMPT_CHARACTERS = 60
HELD_OUT = 500  # crops (after the training ones) for the validation loss and the reader's own accuracy
MAX_CROPS = shapes.MAX_SCENES - HELD_OUT  # training crops a run may ask for
FOREGROUND = 0.3  # a pixel is the shape's when its L1 distance from the background grey exceeds this
GUIDANCES = (0.0, 1.0, 2.0, 4.0)  # the scales of the prompt table
WATCH_ROWS = ("a large red", "a small green", "a blue", "a")  # the live samples: each before every shape
WATCHED = tuple(f"{row} {shape}" for row in WATCH_ROWS for shape in shapes.SHAPES)
GALLERY_ROWS = tuple(f"a {colour}" for colour in shapes.COLOUR_NAMES)  # after training: every colour, every shape
FORMULA_TEXT = r"e = \mathrm{MLP}(\gamma(t)) + W_w\, \overline{E_w[w]}_{w \in c},\quad " \
               r"c = \varnothing \text{ when } c \text{ has no word}"


@dataclasses.dataclass(frozen=True)
class TextDiffusionConfig(Config):
    """Train a caption-conditioned latent DDPM on crops of single shapes.

    Measured at the defaults on 2 cores (seed 0): the autoencoder trains in 16 s and the DDPM in 13 s;
    with w = 2, of the 108 prompts "a {size} {colour} {shape}" the reader sees the shape asked for in
    0.90 of the samples, the colour in 0.94, the size in 0.66 and all three in 0.54 (chance: 0.17,
    0.17, 0.33 and 0.009; at w = 0: 0.66, 0.64, 0.54). With p_colour = 0 the colour asked for is
    drawn 0.16 of the time: chance.
    """

    n: int = setting(6000, lo=500, hi=MAX_CROPS, step=500, widget="number", label="Crops",
                     help="32×32 crops centred on the one shape of toolkit.data.shapes scenes (64×64, seed 0).")
    colour_named: float = setting(0.5, lo=0.0, hi=1.0, step=0.1, label="Captions naming the colour p_colour",
                                  formula=r"P(\text{colour in } c) = p_{colour}")
    size_named: float = setting(0.5, lo=0.0, hi=1.0, step=0.1, label="Captions naming the size p_size",
                                formula=r"P(\text{size in } c) = p_{size}")
    latent: int = setting(32, choices=(8, 16, 32, 64), label="Latent size d",
                          formula=r"z_0 = \frac{E(x) - m}{s} \in \mathbb{R}^d,\ \ \hat x = D(s\,\hat z_0 + m)")
    autoencoder_epochs: int = setting(15, lo=1, hi=100, widget="number", label="Autoencoder epochs")
    diffusion_epochs: int = setting(40, lo=1, hi=400, widget="number", label="DDPM epochs",
                                    formula=r"L = \lVert \varepsilon - \varepsilon_\theta(z_t, t, c) \rVert^2")
    drop: float = setting(0.1, lo=0.0, hi=0.9, step=0.05, label="Caption dropped p∅",
                          formula=r"c \leftarrow \varnothing \text{ with probability } p_\varnothing",
                          help="Trains the unconditional ε_θ(x_t, t, ∅) inside the same network: guidance needs it.")
    batch: int = setting(128, choices=(32, 64, 128, 256), label="Batch size")
    lr: float = setting(0.002, lo=1e-4, hi=0.02, step=1e-4, label="Learning rate (Adam)")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")


PRESETS = (
    Preset("prompts", "Words become pictures (the defaults)",
           "Every crop comes with a caption that names its shape and, half of the time each, its size and its "
           "colour. The DDPM learns to remove noise given those words, so at sampling time the words choose the "
           "picture. At seed 0 on 2 cores, after 30 s of training, the reader sees the shape asked for in 0.90 of the "
           "samples and the colour in 0.94 (w = 2; chance is 0.17); the empty prompt draws any shape in any colour. "
           "Guidance matters: at w = 0 the shares are 0.66 and 0.64.",
           {}),
    Preset("colour-never-named", "A word never in a caption means nothing",
           "With p_colour = 0 no caption names a colour: the colour words have embeddings, but no image ever "
           "taught them anything. The DDPM still draws the shape asked for; the colour it draws is a guess "
           "(measured at seed 0: the colour asked for in 0.16 of the samples, chance 0.17; the shape in 0.78).",
           {"colour_named": 0.0}),
)


# ---------------------------------------------------------------- data and captions
def centred_crops(scenes, side: int = SIDE) -> np.ndarray:
    """(N, side, side, 3) crops of `scenes` (a ``shapes.Scenes``) centred on each one's first object,
    moved inside the canvas where the object is near its edge."""
    boxes = scenes.boxes[:, 0]  # (N, 4) xyxy
    canvas = scenes.images.shape[1]
    corner = lambda low, high: np.clip(np.round((low + high - side) / 2), 0, canvas - side).astype(int)  # noqa: E731
    left, top = corner(boxes[:, 0], boxes[:, 2]), corner(boxes[:, 1], boxes[:, 3])
    return np.stack([image[y:y + side, x:x + side] for image, y, x in zip(scenes.images, top, left)])


@dataclasses.dataclass
class ShapeCrops:
    """Crops of single shapes and what each shows: classes, colours, sizes (N,) index shapes.SHAPES,
    shapes.COLOUR_NAMES and shapes.SIZES."""

    images: np.ndarray
    classes: np.ndarray
    colours: np.ndarray
    sizes: np.ndarray

    def take(self, index) -> ShapeCrops:
        return ShapeCrops(self.images[index], self.classes[index], self.colours[index], self.sizes[index])


@functools.lru_cache(maxsize=2)
def shape_crops(n: int, seed: int = 0) -> ShapeCrops:
    """`n` crops of ``shapes.scenes(n, seed=seed)`` with one shape each; kept for the next run (drawing the
    6,500 scenes of the defaults takes 1.7 s on 2 cores, which a click would wait for), read-only."""
    scenes = shapes.scenes(check_int("n", n, 1, shapes.MAX_SCENES), seed=seed, size=SCENE, max_objects=1)
    crops = ShapeCrops(centred_crops(scenes), scenes.classes[:, 0], scenes.colours[:, 0], scenes.sizes[:, 0])
    for array in (crops.images, crops.classes, crops.colours, crops.sizes):
        array.setflags(write=False)
    return crops


def captions(crops: ShapeCrops, size_named: float, colour_named: float, seed: int = 0) -> list[str]:
    """One caption per crop: "a [size] [colour] shape", each bracket kept with its probability."""
    from toolkit.multimodal.lab import short_caption

    rng = np.random.default_rng(seed)
    return [short_caption(rng, [shape], [colour], [size], size_named, colour_named)
            for shape, colour, size in zip(crops.classes, crops.colours, crops.sizes)]


@functools.lru_cache(maxsize=1)
def tokenizer():
    from toolkit.data.text import WordTokenizer
    from toolkit.multimodal.clip import caption_vocabulary

    return WordTokenizer(caption_vocabulary())


def check_prompt(prompt: str) -> str:
    """`prompt`, or a ValueError when it is too long; "" is the empty prompt ∅."""
    from toolkit.data.text import tokenize

    prompt = check_text("prompt", prompt, PROMPT_CHARACTERS)
    if len(tokenize(prompt, True)) > TEXT_LENGTH:
        raise ValueError(f"A prompt holds at most {TEXT_LENGTH} words, received {len(tokenize(prompt, True))}: "
                         f"'{prompt}'. The DDPM reads captions such as 'a large red star'.")
    return prompt


def unknown_words(prompt: str) -> list[str]:
    """The words of `prompt` no caption can hold (each read as the one "unknown" token)."""
    from toolkit.data.text import tokenize

    known = set(tokenizer().vocabulary)
    return sorted({word for word in tokenize(prompt, True) if word not in known})


def tokens(prompts) -> np.ndarray:
    """(N, TEXT_LENGTH) word ids of `prompts`, 0 after the last word; "" is all zeros (∅)."""
    return tokenizer().encode([check_prompt(p) for p in prompts], TEXT_LENGTH, padding="post")


def asked(prompt: str) -> dict[str, int]:
    """What `prompt` asks for: {"shape" | "colour" | "size": index} of the attributes it names."""
    from toolkit.data.text import tokenize

    named = {}
    for word in tokenize(prompt, True):
        for attribute, names in (("shape", shapes.SHAPES), ("colour", shapes.COLOUR_NAMES), ("size", shapes.SIZES)):
            if word in names:
                named[attribute] = names.index(word)
    return named


# ---------------------------------------------------------------- reading samples
def foreground(images) -> np.ndarray:
    """(N, H, W) bool: the pixels far from the background grey."""
    return np.abs(np.asarray(images) - shapes.BACKGROUND_GREY).sum(-1) > FOREGROUND


def read_colours(images) -> np.ndarray:
    """(N,) the palette colour nearest the mean of each image's foreground pixels; -1 with none."""
    mask = foreground(images)
    counts = mask.sum((1, 2))
    means = (np.asarray(images) * mask[..., None]).sum((1, 2)) / np.maximum(counts, 1)[:, None]
    colours = ((means[:, None] - shapes.PALETTE[None]) ** 2).sum(-1).argmin(1)
    return np.where(counts >= 3, colours, -1)


@dataclasses.dataclass
class ShapeReader:
    """Reads shape, colour and size of 32×32 crops (module docstring); ``accuracy`` on held-out real crops."""

    network: keras.Model
    areas: np.ndarray  # (6, 3) median foreground pixels of each shape's crops of each size
    accuracy: dict = dataclasses.field(default_factory=dict)

    def read(self, images) -> dict[str, np.ndarray]:
        images = np.asarray(images, np.float32)
        area = foreground(images).sum((1, 2))
        probabilities = [keras.ops.convert_to_numpy(self.network(images[i:i + 500], training=False))
                         for i in range(0, len(images), 500)]
        shape = np.concatenate(probabilities).argmax(1) if len(images) else np.zeros(0, int)
        size = np.abs(np.log1p(area)[:, None] - np.log1p(self.areas[shape])).argmin(1)  # among the read shape's sizes
        return {"shape": shape, "colour": read_colours(images), "size": size}

    def obeyed(self, images, wanted: list[dict]) -> dict[str, float]:
        """For each attribute, the share of images showing what `wanted` (one ``asked`` per image)
        names, over the images whose prompt names it; "all": every named attribute shown."""
        read = self.read(images)
        shares, every = {}, np.ones(len(images), bool)
        for attribute in ("shape", "colour", "size"):
            rows = [i for i, want in enumerate(wanted) if attribute in want]
            hits = np.array([read[attribute][i] == wanted[i][attribute] for i in rows], bool)
            every[rows] &= hits
            shares[attribute] = float(hits.mean()) if rows else float("nan")
        shares["all"] = float(every.mean())
        return shares


def reader_network(classes: int = 6) -> keras.Model:
    image = keras.Input((SIDE, SIDE, 3), name="image")
    h = image
    for filters in (16, 32, 64):
        h = keras.layers.Conv2D(filters, 3, activation="relu", padding="same")(h)
        h = keras.layers.MaxPooling2D()(h)  # 32 -> 16 -> 8 -> 4 pixels
    h = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(h))
    return keras.Model(image, keras.layers.Dense(classes, activation="softmax", name="shape")(h), name="shape_reader")


@functools.lru_cache(maxsize=1)
def shape_reader(n: int = 4000, seed: int = 1, epochs: int = 5) -> ShapeReader:
    """The reader, its CNN trained on ``shape_crops(n, seed)`` (seed 1: never a DDPM's data) with a
    little Gaussian noise, so the autoencoder's soft edges read as the shape they are; once per process."""
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    crops = shape_crops(n + HELD_OUT, seed)
    train, held = crops.take(slice(0, n)), crops.take(slice(n, None))
    network = seeded_build(reader_network, seed)
    network.compile(keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy")
    noisy = train.images + np.random.default_rng(seed).normal(0, 0.05, train.images.shape).astype(np.float32)
    fit(network, noisy, train.classes, epochs=epochs, batch_size=64, seed=seed, name="shape reader")
    area = foreground(train.images).sum((1, 2))
    areas = [[np.median(area[(train.classes == c) & (train.sizes == s)]) for s in range(3)] for c in range(6)]
    reader = ShapeReader(network, np.array(areas, np.float32))
    read = reader.read(held.images)
    hits = {attribute: read[attribute] == getattr(held, name)
            for attribute, name in (("shape", "classes"), ("colour", "colours"), ("size", "sizes"))}
    reader.accuracy = {**{k: float(v.mean()) for k, v in hits.items()}, "all": float(np.mean(np.all(list(hits.values()), 0)))}
    return reader


# ---------------------------------------------------------------- the model and its run
class TextDiffusion(GlyphDiffusion):
    """A latent DDPM whose condition is a caption: ``sample(prompts)`` draws one image per prompt."""

    @property
    def name(self) -> str:
        return "text DDPM"

    def sample(self, prompts, **options):
        return super().sample(tokens(prompts), **options)


def crop_autoencoder(config: TextDiffusionConfig):
    from toolkit.generative.autoencoder import Autoencoder, build_decoder, build_encoder

    shape = {"architecture": "conv", "image_shape": (SIDE, SIDE, 3), "latent_dim": config.latent, "width": 32}
    model = Autoencoder(build_encoder(**shape), build_decoder(**shape), name="autoencoder")
    model.compile(keras.optimizers.Adam(config.lr))
    return model


def text_ddpm(config: TextDiffusionConfig, data_range):
    from toolkit.diffusion.ddpm import DDPM
    from toolkit.diffusion.unet import diffusion_mlp

    network = diffusion_mlp(config.latent, vocabulary=len(tokenizer()), text_length=TEXT_LENGTH)
    model = DDPM(network, schedule="cosine", steps=1000, drop_condition=config.drop, seed=config.seed, scale=1.0,
                 shift=0.0, data_range=data_range, name="text_DDPM")
    model.compile(optimizer=keras.optimizers.Adam(config.lr))
    return model


@dataclasses.dataclass
class TextResult:
    config: TextDiffusionConfig
    model: TextDiffusion | None  # None when stopped before the DDPM began
    runs: dict  # name -> toolkit.train.Run
    rows: list  # the prompt table
    gallery: tuple = ((), None)  # (prompts, images): "{GALLERY_ROWS[i]} {shape}" of every pair, w = 2
    reused_autoencoder: bool = False  # the autoencoder came from an earlier run with the same settings

    def table(self) -> list[dict]:
        return self.rows


# Trained autoencoders by the settings they depend on, the latest KEPT_AUTOENCODERS of this process: as
# Stable Diffusion trains its autoencoder once, a run that changes only the captions or the DDPM reuses
# it (measured: 30 s to 13 s at the defaults). Read-only once trained, so sessions may share them.
AUTOENCODERS: dict = {}
KEPT_AUTOENCODERS = 4


def autoencoder_key(config: TextDiffusionConfig) -> tuple:
    return config.n, config.seed, config.latent, config.autoencoder_epochs, config.batch, config.lr


def run_text_diffusion(config: TextDiffusionConfig, *, callbacks=(), stop=None, monitor=None,
                       reader: ShapeReader | None = None) -> TextResult:
    """The autoencoder (or the one of an earlier run with the same settings: ``AUTOENCODERS``), then the
    caption-conditioned DDPM on its codes; then the prompt table."""
    from toolkit.diffusion.lab import DiffusionMonitor
    from toolkit.train.compare import seeded_build

    monitor = monitor or DiffusionMonitor(WATCHED)
    crops = shape_crops(config.n + HELD_OUT, config.seed)
    dataset = {"name": "shapes", "n": config.n + HELD_OUT, "seed": config.seed, "size": SCENE, "max_objects": 1}
    ids = tokens(captions(crops, config.size_named, config.colour_named, config.seed))
    train, held = crops.take(slice(0, config.n)), crops.take(slice(config.n, None))
    key = autoencoder_key(config)
    coder, run = AUTOENCODERS.get(key, (None, None))
    reused = coder is not None
    if not reused:
        coder = seeded_build(lambda: crop_autoencoder(config), config.seed)
        run = fit_model(coder, train.images, None, (held.images, None), config.autoencoder_epochs, config, callbacks,
                        stop, "autoencoder", dataset)
        if run.status == "stopped":
            return TextResult(config, None, {"autoencoder": run}, [])
        AUTOENCODERS[key] = (coder, run)
        while len(AUTOENCODERS) > KEPT_AUTOENCODERS:
            AUTOENCODERS.pop(next(iter(AUTOENCODERS)))
    runs = {"autoencoder": run}
    z, mean, std = standardized_codes(coder, train.images)
    z_held = ((coder.encode(held.images) - mean) / std).astype(np.float32)
    model = seeded_build(lambda: text_ddpm(config, (float(z.min()), float(z.max()))), config.seed)
    result = TextDiffusion("latent", model, coder, mean, std)
    monitor.watch(result)
    runs[result.name] = fit_model(model, z, ids[:config.n], (z_held, ids[config.n:]), config.diffusion_epochs, config,
                                  callbacks, stop, result.name, dataset)
    if not runs[result.name].epochs_done:
        return TextResult(config, result, runs, [], reused_autoencoder=reused)
    pairs = [f"{row} {shape}" for row in GALLERY_ROWS for shape in shapes.SHAPES]
    gallery = (pairs, result.sample(pairs, sampling_steps=SCORE_STEPS, seed=config.seed + 1))
    rows = prompt_table(result, reader or shape_reader(), seed=config.seed + 2)
    return TextResult(config, result, runs, rows, gallery, reused)


def every_prompt() -> list[str]:
    """The 108 prompts "a {size} {colour} {shape}"."""
    return [f"a {size} {colour} {shape}" for size in shapes.SIZES for colour in shapes.COLOUR_NAMES
            for shape in shapes.SHAPES]


def prompt_table(model: TextDiffusion, reader: ShapeReader, *, seed: int = 0) -> list[dict]:
    """How often each word of the prompt is obeyed: one sample of each of the 108 prompts per
    guidance scale, the empty prompt against the same asks, and the reader on real crops."""
    prompts = every_prompt()
    wanted = [asked(p) for p in prompts]
    row = lambda name, shares: {"prompt": name, **{f"{a} as asked ↑": round(shares[a], 3)  # noqa: E731
                                                   for a in ("shape", "colour", "size", "all")}}
    rows = [row(f"each prompt, w = {w:g}", reader.obeyed(model.sample(prompts, sampling_steps=SCORE_STEPS,
                                                                      guidance=w, seed=seed), wanted))
            for w in GUIDANCES]
    rows.append(row("the empty prompt ∅ (chance)", reader.obeyed(model.sample([""] * len(prompts),
                                                                               sampling_steps=SCORE_STEPS,
                                                                               guidance=0.0, seed=seed), wanted)))
    rows.append(row("real crops (the reader's accuracy)", reader.accuracy))
    return rows


# ---------------------------------------------------------------- prompting the trained model
@dataclasses.dataclass(frozen=True)
class PromptConfig(Config):
    """The Prompt form: the caption, the guidance scale, how many samples and their noise."""

    prompt: str = setting("a large red star", max_length=PROMPT_CHARACTERS, label="Prompt c",
                          help="Words of the captions: a size (small, medium, large), a colour (red, green, blue, "
                               "yellow, magenta, cyan) and a shape (circle, square, triangle, diamond, star, "
                               "cross). Empty: the unconditional model.")
    guidance: float = setting(2.0, lo=0.0, hi=10.0, step=0.5, label="Guidance scale w", formula=FORMULA_GUIDANCE)
    count: int = setting(20, lo=5, hi=100, step=5, widget="number", label="Samples")
    sample_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Noise seed")

    def check(self):
        check_prompt(self.prompt)


def prompt_samples(model: TextDiffusion, config: PromptConfig, reader: ShapeReader) -> dict:
    """The form's samples and the share of them showing what the prompt names."""
    images = model.sample([config.prompt] * config.count, sampling_steps=SCORE_STEPS, guidance=config.guidance,
                          seed=config.sample_seed)
    want = asked(config.prompt)
    shares = reader.obeyed(images, [want] * config.count) if want else {}
    return {"images": images, "prompt": config.prompt, "guidance": config.guidance, "asked": want,
            "obeyed": {k: v for k, v in shares.items() if k in want}}
