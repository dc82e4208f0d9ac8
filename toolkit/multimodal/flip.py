"""FLIP (Li et al. 2023): CLIP whose ViT image encoder reads a random subset of the patches while it trains.

Notes, LARGE MULTIMODAL MODELS: "FLIP [...] try to scale CLIP training via randomly masking out image patches with a
high masking ratio. This allow encoder to process only non-masked patches." The image encoder is the ViT of
``toolkit.multimodal.clip`` (8 × 8 patches of a 64 × 64 scene: N = 64 tokens), with the position added to each patch
*before* a random share r of them is dropped, so the ones kept still know where they are:

    (1) z_p = x_p E + E_pos^p,  p = 1..N                      every patch embedded where it stands
    (2) V ⊂ {1..N}, |V| = ⌊(1 − r) N⌋, a new V per image and step    (``toolkit.multimodal.masked.random_split``)
    (3) f(x) = ViT([x_class; z_p : p ∈ V])_class               the encoder's cost falls with |V|
    (4) L = CLIP's symmetric cross-entropy (``clip.clip_loss``)

At evaluation every patch is read (r = 0). The trade the notes name: each step costs less (attention ∝ |V|², the
MLPs ∝ |V|), so more images go through per second, while each image is seen through fewer patches.
``run_flip_page`` trains the ViT CLIP (r = 0) and FLIP (r > 0) on the same scenes, captions and batches and reports
both times and recalls; ``benchmarks/flip.py`` prints them for several r.

Symbols -> names: E = "patch_embedding", E_pos = "position_embedding", the drop "patch_drop" (``PatchDrop``),
x_class = "class_token", the blocks "block_l"; r = ``mask_ratio``.
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np
from keras import ops

from toolkit.config import setting, setting_of
from toolkit.multimodal import lab
from toolkit.multimodal.clip import CLIP
from toolkit.multimodal.masked import _gather, random_split, visible_count
from toolkit.validation import check_float

PATCH = 8  # pixels per patch side, as the CLIP page's ViT


@keras.saving.register_keras_serializable(package="toolkit")
class PatchDrop(keras.layers.Layer):
    """Eq. 2: (B, N, D) -> (B, |V|, D) while training (a uniform random V per image), the input unchanged otherwise."""

    def __init__(self, ratio: float = 0.5, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.ratio = check_float("ratio", ratio, 0.0, 1.0, open_high=True)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, tokens, training=None):
        if not training or self.ratio == 0.0:
            return tokens
        visible, _, _ = random_split(ops.shape(tokens)[0], tokens.shape[1], self.ratio, seed=self.seed_generator)
        return _gather(tokens, visible)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "ratio": self.ratio, "seed": self.seed}


def flip_image_encoder(image_shape, width: int = 16, mask_ratio: float = 0.5, patch_size: int = PATCH,
                       seed: int | None = None) -> keras.Model:
    """f of Eqs. 1-3: (B, H, W, C) -> (B, 2·width), the class token's output; the CLIP page's ViT (2 pre-norm blocks,
    4 heads, dim 2·width) with its positions added before ``PatchDrop``."""
    from toolkit.transformers.vision import (ClassToken, ClassTokenOutput, PatchEmbedding, PositionEmbedding,
                                             _vit_block)

    height, width_px, _ = (int(v) for v in image_shape)
    dim = 2 * width
    tokens = (height // patch_size) * (width_px // patch_size)
    images = keras.Input(tuple(image_shape), name="images")
    z = PatchEmbedding(patch_size, dim, name="patch_embedding")(images)  # (B, N, dim)
    z = PositionEmbedding(tokens, name="position_embedding")(z)  # Eq. 1
    z = PatchDrop(mask_ratio, seed, name="patch_drop")(z)  # Eq. 2: (B, |V|, dim) while training
    z = ClassToken(dim, name="class_token")(z)
    for layer in (1, 2):
        z = _vit_block(z, f"block_{layer}", dim, 4, 4 * width, 0.0)  # Eq. 3
    z = keras.layers.LayerNormalization(epsilon=1e-6, name="norm")(z)
    return keras.Model(images, ClassTokenOutput(name="class_token_output")(z), name="image_encoder")


@keras.saving.register_keras_serializable(package="toolkit")
class FLIP(CLIP):
    """CLIP's arguments (the image encoder is always the ViT) and `mask_ratio` r of Eq. 2 (0: the ViT CLIP itself)."""

    def __init__(self, *args, mask_ratio: float = 0.5, **kwargs):
        self.mask_ratio = check_float("mask_ratio", mask_ratio, 0.0, 1.0, open_high=True)  # read by the encoder
        kwargs["image_kind"] = "vit"
        super().__init__(*args, **kwargs)

    def build_image_encoder(self) -> keras.Model:
        return flip_image_encoder(self.image_shape, self.width, self.mask_ratio)

    @property
    def patch_count(self) -> int:
        return (self.image_shape[0] // PATCH) * (self.image_shape[1] // PATCH)

    @property
    def visible_patches(self) -> int:
        """|V| of Eq. 2: the patches the encoder reads per image while training."""
        return self.patch_count if self.mask_ratio == 0.0 else visible_count(self.patch_count, self.mask_ratio)

    def get_config(self):
        config = super().get_config()
        config.pop("image_kind")
        return {**config, "mask_ratio": self.mask_ratio}


@dataclasses.dataclass(frozen=True)
class FlipConfig(lab.ClipConfig):
    """The CLIP page's settings with the ViT image encoder, batches of 64 and Adam at 0.001, and FLIP's r. Measured on
    2 cores (``benchmarks/flip.py``, 15 epochs each): the ViT CLIP 54.1 s, FLIP at r = 0.25 47.5 s, r = 0.5 39.4 s
    (1.37× faster per epoch), r = 0.75 35.2 s (1.54×): the text encoder and each step's fixed costs do not shrink
    with the patches. (Until December 2026 the defaults were 30 epochs of batches of 128 at 0.002: 87 s and 65 s,
    with about the same recalls.)"""

    clip_encoder: str = setting("vit", choices=("vit",), label="Image encoder f",
                                formula={"vit": r"f = \text{ViT, } 8{\times}8 \text{ patches, 2 blocks}"})
    clip_epochs: int = setting(15, lo=1, hi=100, widget="number", label="ViT CLIP epochs")
    clip_batch: int = setting_of(lab.ClipConfig, "clip_batch", 64)  # the CLIP page's 128 takes twice the epochs
    clip_lr: float = setting_of(lab.ClipConfig, "clip_lr", 0.001)
    flip_ratio: float = setting(0.5, choices=(0.25, 0.5, 0.75, 0.9), label="Patches dropped r",
                                formula=r"|V| = \lfloor (1 - r)\, N \rfloor \text{ read of } N = 64",
                                help="A new random V per image and step; at evaluation every patch is read.")
    flip_epochs: int = setting(15, lo=1, hi=100, widget="number", label="FLIP epochs",
                               help="FLIP's own epochs: raise them to give FLIP the ViT CLIP's time (at r = 0.5 an "
                                    "epoch costs about 0.73 of the ViT CLIP's: 20 epochs match its 15).")


FLIP_PRESETS = (
    lab.Preset("same-epochs", "The same epochs (the defaults)",
               "Both encoders see 15 epochs of the same batches; FLIP reads half of each scene's 64 patches. Measured on "
               "2 cores: its epochs take about 0.73 of the ViT CLIP's (39 s against 54 s in all without a browser), and "
               "it retrieves the held-out pairs a little worse (R@5 0.34 / 0.34 against 0.44 / 0.38; at seed 1 "
               "0.36 / 0.32 against 0.39 / 0.37): each scene was seen through half its patches. Neither ViT reads "
               "single shapes zero-shot well in 15 epochs (0.23–0.25, chance 0.17): unlike the CLIP page's CNN it has "
               "no built-in sense of neighbouring pixels.", {}),
    lab.Preset("same-time", "The same time",
               "FLIP gets 20 epochs at r = 0.5, the ViT CLIP's 15 in time (measured 51 s against 54 s): it sees a "
               "third more scenes, each through half its patches. In miniature that does not pay: R@5 0.29 / 0.30, "
               "below both the ViT CLIP (0.44 / 0.38) and FLIP's own 15 epochs (0.34 / 0.34), as these 4,500 scenes "
               "repeat every epoch. FLIP's paper gains at scale, where the image encoder is nearly all the cost and "
               "the data never repeat.", {"flip_epochs": 20}),
    lab.Preset("high-ratio", "r = 0.75: fastest, and it shows",
               "Only 16 of 64 patches per scene: epochs at about 0.65 of the ViT CLIP's time (35 s in all), but R@5 "
               "falls to 0.26 / 0.25: too little of each scene is left to match its caption.", {"flip_ratio": 0.75}),
)


def run_flip(config: FlipConfig, data=None, *, ratio: float | None = None, epochs: int | None = None, callbacks=(),
             stop=None, monitor=None, name: str | None = None):
    """One model of the family trained as ``lab.run_clip`` trains CLIP (same scenes, captions, split, seed, batches):
    FLIP at `ratio` (default ``config.flip_ratio``; 0 is the ViT CLIP) for `epochs` (default ``config.flip_epochs``)."""
    ratio = config.flip_ratio if ratio is None else ratio

    def build(config, image_shape):
        model = FLIP(image_shape, embed_dim=config.clip_embed, temperature=config.clip_temperature, mask_ratio=ratio)
        model.compile(optimizer=keras.optimizers.Adam(config.clip_lr))
        return model

    config = config.replace(clip_epochs=config.flip_epochs if epochs is None else epochs)
    name = name or (f"FLIP r = {ratio:g}" if ratio else "ViT CLIP")
    return lab.run_clip(config, data, callbacks=callbacks, stop=stop, monitor=monitor, build=build, name=name)


@dataclasses.dataclass
class FlipComparison:
    """The FLIP page's result: the ViT CLIP (r = 0) and FLIP, each a ``lab.ClipResult`` (None if stopped before)."""

    clip: object | None
    flip: object | None

    @property
    def run(self):
        return (self.flip or self.clip).run

    def evaluate(self) -> FlipComparison:
        """Computes every number the page shows after the run (the training thread calls it, under the live panel's
        "now computing" line, so the page's results appear at once); returns self. Nothing before the first epoch."""
        if self.run.epochs_done:
            self._rows  # noqa: B018 (a cached property: computed here, read by the page)
        return self

    def table(self) -> list[dict]:
        """One row per model: r, patches read per image, epochs, seconds, seconds per epoch, recall@1/5, zero-shot."""
        return self._rows

    @functools.cached_property
    def _rows(self) -> list[dict]:  # computed once: the page reruns on every widget change
        rows = []
        for result in (self.clip, self.flip):
            if result is None or not result.run.epochs_done:
                continue
            run, model, recalls = result.run, result.model, result.recalls()
            rows.append({"model": run.name, "patches read": f"{model.visible_patches} of {model.patch_count}",
                         "epochs": run.epochs_done, "train (s)": round(run.wall_time, 1),
                         "s / epoch": round(run.wall_time / run.epochs_done, 2),
                         **{f"{way.replace(' ', '')} R@{k}": round(recalls[way][k], 3) for way in recalls for k in (1, 5)},
                         f"zero-shot '{lab.HAND_PROMPT}'": round(result.zero_shot([lab.HAND_PROMPT])[0], 3)})
        return rows

    def speed_up(self) -> float | None:
        """The ViT CLIP's seconds per epoch over FLIP's (None until both trained)."""
        if self.clip is None or self.flip is None or not (self.clip.run.epochs_done and self.flip.run.epochs_done):
            return None
        per_epoch = [r.run.wall_time / r.run.epochs_done for r in (self.clip, self.flip)]
        return float(per_epoch[0] / max(per_epoch[1], 1e-9))


def run_flip_page(config: FlipConfig, data=None, *, callbacks=(), stop=None) -> FlipComparison:
    """The FLIP page's run: the ViT CLIP (r = 0, ``clip_epochs``) first, then FLIP (``flip_ratio``, ``flip_epochs``)."""
    from toolkit.data import load

    data = data if data is not None else load(**lab.clip_data_spec(config))
    clip = run_flip(config, data, ratio=0.0, epochs=config.clip_epochs, callbacks=callbacks, stop=stop)
    if clip.run.status != "completed":
        return FlipComparison(clip, None)
    return FlipComparison(clip, run_flip(config, data, callbacks=callbacks, stop=stop))


def dropped_view(images, ratio: float, seed: int = 0, patch_size: int = PATCH) -> np.ndarray:
    """What FLIP's encoder reads of (n, H, W, C) `images` in one step at `ratio`: the dropped patches painted grey
    (a uniform random |V| per image, Eq. 2, drawn with NumPy for the page)."""
    images = np.array(images, np.float32)
    ratio = check_float("ratio", ratio, 0.0, 1.0, open_high=True)
    rows, cols = images.shape[1] // patch_size, images.shape[2] // patch_size
    keep = rows * cols if ratio == 0.0 else visible_count(rows * cols, ratio)
    rng = np.random.default_rng(seed)
    for image in images:
        for patch in rng.permutation(rows * cols)[keep:]:
            row, col = divmod(int(patch), cols)
            image[row * patch_size:(row + 1) * patch_size, col * patch_size:(col + 1) * patch_size] = 0.5
    return images


def tokens_seen(model: FLIP, images) -> int:
    """How many patch tokens the image encoder reads for `images` in one training pass (Eq. 2's |V| per image)."""
    reader = keras.Model(model.image_encoder.inputs[0], model.image_encoder.get_layer("patch_drop").output)
    return int(np.prod(ops.shape(reader(np.asarray(images, np.float32), training=True))[:2]))
