"""ImageBind's idea (Girdhar et al. 2023) in miniature: a third modality bound to CLIP's space through images alone.

Notes, LARGE MULTIMODAL MODELS: "ImageBind linking all modalities into a common space [...] utilizing images as
the binding factor. Employs pairs of modalities (I, M) where I is the image. It obtains two different modalities
(M_1, M_2) aligned even though it is trained using only the pairs (I, M_1) and (I, M_2)."

Here M_1 is text (a CLIP trained on scenes and captions, ``toolkit.multimodal.lab``) and M_2 is sound: every scene
plays a short recording (``scene_sounds``) in which each shape is a note whose pitch says which shape it is, whose
loudness says how large, and which starts earlier the further left the shape stands; colour makes no sound. A sound
encoder h is trained on (image, sound) pairs only, against the frozen image encoder:

    (1) z_i = h(a_i) W_A / ‖h(a_i) W_A‖                   the sound's embedding, in CLIP's space
    (2) S_ij = e^s z_i · u_j,  u_j = CLIP's image embedding (frozen)
    (3) L = ½ [CE(S, I) + CE(Sᵀ, I)]                      CLIP's symmetric loss, sounds against their scenes
    (4) ŷ(a) = argmax_c z(a) · w_c                         zero-shot from a sound with CLIP's prompt vectors w_c

No sound was ever paired with a text, yet Eq. 4 reads shapes from sounds (emergent alignment), and only what the
sound carries: a colour prompt cannot be read from a recording that has no colour in it.

Symbols -> names: h = "sound_encoder" (a small CNN on the log spectrogram), W_A = "sound_projection",
s = ``logit_scale`` (clipped as CLIP's), u and w_c from ``toolkit.multimodal.clip``.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import keras
import numpy as np
from keras import ops

from toolkit.config import setting
from toolkit.multimodal import lab
from toolkit.multimodal.clip import LogitScaleClip, _unit, clip_loss, matching_accuracy, recall_at_k
from toolkit.validation import check_float, check_positive_int, check_seed

SAMPLE_RATE = 8000  # Hz
DURATION = 0.5  # seconds per scene
FRAME = 128  # samples per spectrogram frame (and hop): 62.5 Hz per frequency bin
BINS = 32  # frequency bins kept, 0-2 kHz
NOTES = (262.0, 330.0, 392.0, 523.0, 659.0, 784.0)  # Hz, one per shape (C4 E4 G4 C5 E5 G5), in shapes.SHAPES order
LOUDNESS = (0.35, 0.65, 1.0)  # amplitude per size (small, medium, large)
TEST_SEED = 2  # the held-out recordings' noise (training: 0, probe: 1)
LATEST_ONSET = 0.3  # seconds: a shape at the right edge starts this late, one at the left edge at once
NOTE_DECAY = 0.06  # seconds: each note's exponential decay constant
LATEX = {
    "sound": r"z_i = \frac{h(a_i) W_A}{\lVert h(a_i) W_A \rVert}",
    "loss": r"\mathcal{L} = \tfrac12\big[\mathrm{CE}(S, I) + \mathrm{CE}(S^\top, I)\big],\ S_{ij} = e^{s} z_i^\top u_j",
    "zero_shot": r"\hat y(a) = \arg\max_c\, z(a)^\top w_c \quad \text{(no sound–text pair ever seen)}",
}


# ---------------------------------------------------------------- the sounds
def scene_waves(scenes, noise: float = 0.05, seed: int = 0) -> np.ndarray:
    """The recordings of `scenes` (``toolkit.data.shapes.Scenes``): (N, SAMPLE_RATE · DURATION) float32 waveforms.

    Each shape plays NOTES[class] (with a softer octave above, so it sounds less like a test tone) at
    LOUDNESS[size], from an onset proportional to its box's horizontal centre; Gaussian noise of std `noise`.
    """
    noise = check_float("noise", noise, 0.0, 2.0)
    rng = np.random.default_rng(check_seed(seed))
    size = scenes.images.shape[2]
    t = np.arange(int(SAMPLE_RATE * DURATION), dtype=np.float32) / SAMPLE_RATE
    waves = rng.normal(0.0, noise, (len(scenes.images), t.size)).astype(np.float32)
    for i, count in enumerate(scenes.counts):
        for k in range(int(count)):
            onset = LATEST_ONSET * float(scenes.boxes[i, k, 0] + scenes.boxes[i, k, 2]) / (2 * size)
            since = t - onset
            envelope = np.where(since >= 0, np.exp(-np.maximum(since, 0) / NOTE_DECAY), 0.0)
            pitch = NOTES[int(scenes.classes[i, k])]
            tone = np.sin(2 * np.pi * pitch * since) + 0.3 * np.sin(4 * np.pi * pitch * since)
            waves[i] += LOUDNESS[int(scenes.sizes[i, k])] * envelope * tone
    return waves


def spectrogram(waves) -> np.ndarray:
    """log(1 + |STFT|) of (N, samples) waveforms with FRAME-sample Hann windows and hops: (N, frames, BINS)."""
    waves = np.asarray(waves, np.float32)
    frames = waves.shape[1] // FRAME
    windows = waves[:, :frames * FRAME].reshape(len(waves), frames, FRAME) * np.hanning(FRAME).astype(np.float32)
    return np.log1p(np.abs(np.fft.rfft(windows, axis=-1))[..., :BINS]).astype(np.float32)


CHUNK = 500  # scenes whose recordings are made at once (scene_sounds)


def scene_sounds(scenes, noise: float = 0.05, seed: int = 0) -> np.ndarray:
    """The spectrograms of `scenes`' recordings, (N, frames, BINS, 1) float32, built CHUNK scenes at a time
    (chunk i's noise from seed + i, so ``recording`` can play any one of them again)."""
    parts = [spectrogram(scene_waves(scenes.take(slice(i, i + CHUNK)), noise, seed + i))
             for i in range(0, len(scenes.images), CHUNK)]
    return np.concatenate(parts)[..., None]


def recording(scenes, index: int, noise: float = 0.05, seed: int = 0) -> np.ndarray:
    """The waveform of scene `index` exactly as ``scene_sounds(scenes, noise, seed)`` heard it."""
    start = index - index % CHUNK
    return scene_waves(scenes.take(slice(start, start + CHUNK)), noise, seed + start)[index - start]


# ---------------------------------------------------------------- the bound encoder
@keras.saving.register_keras_serializable(package="toolkit")
class SoundBinder(keras.Model):
    """Eqs. 1-3: ``model(spectrograms)`` is z (B, E), unit rows; ``fit(spectrograms, u)`` trains against the
    frozen image embeddings u (B, E) of the same scenes.

    Args:
        input_shape: (frames, bins, 1) of the spectrograms.
        embed_dim: E, the width of the CLIP it binds to.
        width: the first convolution's channels (then 2·width, 4·width).
        temperature: τ at the start (e^s = 1/τ, at most 100 as in CLIP).
    """

    def __init__(self, input_shape=(31, BINS, 1), embed_dim: int = 64, width: int = 16, temperature: float = 0.07,
                 **kwargs):
        super().__init__(**kwargs)
        self.sound_shape = tuple(int(v) for v in input_shape)
        self.embed_dim, self.width = check_positive_int("embed_dim", embed_dim), check_positive_int("width", width)
        self.temperature = check_float("temperature", temperature, 1.0 / 100.0, 1.0)
        layers = [keras.Input(self.sound_shape)]
        for index, channels in enumerate((width, 2 * width, 4 * width)):
            layers.append(keras.layers.Conv2D(channels, 3, padding="same", activation="relu", name=f"conv{index + 1}"))
            layers.append(keras.layers.MaxPooling2D(name=f"pool{index + 1}"))
        layers.append(keras.layers.Flatten(name="flatten"))
        self.sound_encoder = keras.Sequential(layers, name="sound_encoder")
        self.sound_projection = keras.layers.Dense(self.embed_dim, use_bias=False, name="sound_projection")
        self.sound_projection.build(self.sound_encoder.outputs[0].shape)
        self.logit_scale = self.add_weight(shape=(), name="logit_scale", constraint=LogitScaleClip(),
                                           initializer=keras.initializers.Constant(math.log(1.0 / self.temperature)))
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    def call(self, sounds, training=False):
        return _unit(self.sound_projection(self.sound_encoder(sounds, training=training)))

    def similarity(self, sounds, image_embeddings, training=False):
        """Eq. 2: (B_sounds, B_images)."""
        return ops.exp(self.logit_scale) * ops.matmul(self(sounds, training=training),
                                                      ops.transpose(ops.cast(image_embeddings, "float32")))

    def train_step(self, data):
        import tensorflow as tf

        sounds, image_embeddings = data[0], data[1]
        with tf.GradientTape() as tape:
            similarity = self.similarity(sounds, image_embeddings, training=True)  # Eq. 2
            loss = clip_loss(similarity)  # Eq. 3: only h, W_A and s learn; u is data
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return self._track(loss, similarity)

    def test_step(self, data):
        similarity = self.similarity(data[0], data[1])
        return self._track(clip_loss(similarity), similarity)

    def _track(self, loss, similarity):
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(matching_accuracy(similarity))
        return {"loss": self.loss_tracker.result(), "accuracy": self.accuracy_tracker.result()}

    def get_config(self):
        return {**super().get_config(), "input_shape": self.sound_shape, "embed_dim": self.embed_dim,
                "width": self.width, "temperature": self.temperature}


def embed_sounds(model: SoundBinder, sounds, batch_size: int = 500) -> np.ndarray:
    """z of Eq. 1 for N spectrograms: (N, E) float32."""
    return np.concatenate([ops.convert_to_numpy(model(sounds[i:i + batch_size]))
                           for i in range(0, len(sounds), batch_size)])


# ---------------------------------------------------------------- the page's lab
@dataclasses.dataclass(frozen=True)
class BindConfig(lab.ClipConfig):
    """The CLIP page's settings (its CLIP is trained first, or reused) and the sound encoder's."""

    bind_noise: float = setting(0.05, lo=0.0, hi=2.0, step=0.05, label="Recording noise σ",
                                formula=r"a(t) = \sum_k L_{s_k}\, e^{-(t - t_k)/\delta} \sin 2\pi f_{c_k}(t - t_k)"
                                        r" + \sigma\epsilon",
                                help="Each shape k is a note: pitch f by its shape c_k, loudness L by its size s_k, "
                                     "onset t_k by how far right it stands; ε ~ N(0, 1). Colour makes no sound.")
    bind_epochs: int = setting(10, lo=1, hi=100, widget="number", label="Sound encoder epochs",
                               formula=LATEX["loss"],
                               help="Only the sound encoder (and s) learns: u_j, CLIP's image embedding of the "
                                    "recording's scene, is frozen.")
    bind_lr: float = setting(0.002, lo=1e-4, hi=0.05, step=1e-4, label="Sound encoder learning rate (Adam)")

    def clip_config(self) -> lab.ClipConfig:
        """The CLIP part of these settings (what decides whether a trained CLIP can be reused)."""
        return lab.ClipConfig(**{name: value for name, value in self.values().items()
                                 if name in lab.ClipConfig.settings()})


BIND_PRESETS = (
    lab.Preset("emergent", "Sound reads text it never met (the defaults)",
               "The CLIP page's CLIP is trained first (or reused from your last run with the same CLIP settings), then "
               "frozen. The sound encoder only ever sees (scene, recording) pairs, yet afterwards the prompt 'a {shape}' "
               "classifies single-shape recordings almost as well as the images themselves. Colour prompts fail "
               "on sounds: the binding carries only what the sound holds.", {}),
    lab.Preset("noisy", "A noisy recording",
               "Noise σ = 1.0 buries the quiet notes of small shapes: the sound encoder matches fewer scenes, and "
               "the shapes it can read from sounds zero-shot fall with it.", {"bind_noise": 1.0}),
)


@dataclasses.dataclass
class BindResult:
    """The trained CLIP (a ``lab.ClipResult``), the sound encoder's run, the held-out and probe sounds."""

    clip: object
    run: object | None
    test_sounds: np.ndarray
    probe_sounds: np.ndarray
    noise: float = 0.05
    probe: object = None  # the probe's single-shape Scenes (their sizes and colours label the zero-shot rows)

    @property
    def model(self):
        return self.run.model

    def evaluate(self) -> BindResult:
        """Computes every number the page shows after the run (the training thread calls it, under the live panel's
        "now computing" line, so the page's results appear at once); returns self. Nothing when the sound encoder
        did not train an epoch."""
        if self.run is not None and self.run.epochs_done:
            self._zero_shot_rows, self._recall_rows  # noqa: B018 (cached properties: computed here, read by the page)
        return self

    def zero_shot(self) -> list[dict]:
        """Eq. 4 on the probe's single shapes, from the sound and from the image, for shape, size and colour
        prompts: one row per attribute, with chance."""
        return self._zero_shot_rows

    def recalls(self) -> list[dict]:
        """Recall@1/5 on the held-out scenes: sound → image (trained), sound → caption (never trained),
        image → caption (CLIP's, for comparison)."""
        return self._recall_rows

    def wave(self, index: int) -> np.ndarray:
        """The waveform of held-out scene `index`, as the sound encoder heard it (for ``st.audio``)."""
        return recording(self.clip.test, index, self.noise, TEST_SEED)

    def captions_for(self, index: int, k: int = 3) -> list[tuple[str, float]]:
        """The `k` held-out captions nearest to held-out sound `index`, with their cosine similarity."""
        scores = self._caption_embeddings @ self._test_embeddings[index]
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.clip.captions[i], float(scores[i])) for i in order]

    # computed once each: the page reruns on every widget change (the scene slider too)
    @functools.cached_property
    def _test_embeddings(self) -> np.ndarray:
        return embed_sounds(self.model, self.test_sounds)

    @functools.cached_property
    def _caption_embeddings(self) -> np.ndarray:
        from toolkit.multimodal import clip

        return clip.embed_texts(self.clip.model, self.clip.captions)

    @functools.cached_property
    def _zero_shot_rows(self) -> list[dict]:
        from toolkit.data import shapes
        from toolkit.multimodal import clip

        probe = self.probe
        sound, image = embed_sounds(self.model, self.probe_sounds), self.clip.probe_embeddings
        rows = []
        for attribute, names, labels, template in (("shape", shapes.SHAPES, probe.classes[:, 0], lab.HAND_PROMPT),
                                                   ("size", shapes.SIZES, probe.sizes[:, 0], "a {} shape"),
                                                   ("colour", shapes.COLOUR_NAMES, probe.colours[:, 0], "a {} shape")):
            w = clip.class_embeddings(self.clip.model, names, [template])
            rows.append({"prompt": template.replace("{}", "{" + attribute + "}"),
                         "from the sound (emergent)": round(float(np.mean(np.argmax(sound @ w.T, 1) == labels)), 3),
                         "from the image (CLIP)": round(float(np.mean(np.argmax(image @ w.T, 1) == labels)), 3),
                         "chance": round(1 / len(names), 3)})
        return rows

    @functools.cached_property
    def _recall_rows(self) -> list[dict]:
        sound, image, text = self._test_embeddings, self.clip.test_embeddings, self._caption_embeddings
        return [{"pair": pair, **{f"R@{k}": round(recall_at_k(similarity, k), 3) for k in (1, 5)}}
                for pair, similarity in (("sound → image (trained)", sound @ image.T),
                                         ("sound → caption (emergent)", sound @ text.T),
                                         ("image → caption (CLIP)", image @ text.T))]


class BindMonitor:
    """The live state of the sound encoder's run, ``fn(run) -> dict``: the emergent zero-shot accuracy on the probe
    shapes' recordings, once an epoch (``run_binding`` fills it)."""

    def __init__(self):
        self.probe_sounds = self.probe_labels = self.prompts = None
        self.zero_shot: dict[int, float] = {}

    def __call__(self, run) -> dict:
        if self.prompts is None or not isinstance(run.model, SoundBinder):
            return {}
        if run.epochs_done not in self.zero_shot:
            z = embed_sounds(run.model, self.probe_sounds)
            self.zero_shot[run.epochs_done] = float(np.mean(np.argmax(z @ self.prompts.T, 1) == self.probe_labels))
        return {"zero_shot": dict(self.zero_shot)}


def run_binding(config: BindConfig, data=None, *, clip=None, callbacks=(), stop=None,
                monitor: BindMonitor | None = None) -> BindResult:
    """The page's run: CLIP (``lab.run_clip`` at `config`'s CLIP settings, unless a trained `clip` result is given),
    then the sound encoder on the training scenes' (recording, u) pairs, CLIP frozen."""
    from toolkit.data import load, shapes
    from toolkit.multimodal import clip as clip_module
    from toolkit.train import fit
    from toolkit.train.compare import seeded_build

    data = data if data is not None else load(**lab.clip_data_spec(config))
    if clip is None:
        clip = lab.run_clip(config.clip_config(), data, callbacks=callbacks, stop=stop)
    probe = shapes.scenes(lab.PROBE_SCENES, seed=1, size=data.input_shape[0], min_objects=1, max_objects=1)
    probe_sounds = scene_sounds(probe, config.bind_noise, seed=1)
    n_test = len(clip.test.images)
    train = data.take(slice(0, len(data) - n_test))
    test_sounds = scene_sounds(clip.test, config.bind_noise, seed=TEST_SEED)
    if clip.run.status != "completed" or not clip.run.epochs_done:
        return BindResult(clip, None, test_sounds, probe_sounds, config.bind_noise, probe)
    sounds = scene_sounds(train, config.bind_noise, seed=0)
    targets = clip_module.embed_images(clip.model, train.images)
    if monitor is not None:
        monitor.probe_sounds, monitor.probe_labels = probe_sounds, probe.classes[:, 0]
        monitor.prompts = clip_module.class_embeddings(clip.model, shapes.SHAPES, [lab.HAND_PROMPT])

    def build():
        model = SoundBinder(sounds.shape[1:], clip.model.embed_dim, temperature=config.clip_temperature)
        model.compile(optimizer=keras.optimizers.Adam(config.bind_lr))
        return model

    model = seeded_build(build, config.clip_seed)
    run = fit(model, sounds, targets, batch_size=config.clip_batch, epochs=config.bind_epochs,
              validation_data=(test_sounds, clip.test_embeddings), seed=config.clip_seed, callbacks=callbacks,
              stop=stop, config={"dataset": data.spec, **config.values()}, name="sound encoder")
    return BindResult(clip, run, test_sounds, probe_sounds, config.bind_noise, probe)
