"""The Transformers page's three labs: translation, the temporal convolutional network, vision.

Each lab is a config (its fields are the page's widgets and URL names, prefixed per lab so one
URL holds all three) and one call that trains its models from the same seed on the same batches
(``toolkit.train.compare``):

- ``TranslationConfig`` / ``run_translation``: the transformer (and ConvS2S) against the RNN
  translators of Chapter 7 on the same dates; ``inside`` opens the trained transformer on a
  typed date: Q, K, V, the scores and the softmax of one head (Eqs. 1-4 of
  ``toolkit.transformers.attention``), every head's weights, the cross-attention.
- ``TCNConfig`` / ``run_tcn``: a dilated TCN, the same TCN without dilation and an LSTM on the
  adding problem. Eq. 1 is the receptive field of L residual blocks of two causal convolutions
  of width k with dilations d_l = 2^(l−1):

      (1) R = 1 + 2 (k − 1) Σ_l d_l        (dilated: 1 + 2(k − 1)(2^L − 1);  undilated: 1 + 2(k − 1) L)

  The adding problem's answer needs the marked value in the sequence's first half, so a network
  whose R is shorter than T cannot see it (``tcn.input_influence`` draws which inputs reach y_T).
- ``VisionConfig`` / ``run_vision``: a small CNN, ViT and Swin on few glyphs at the same epochs
  ("transformers don't generalize well when trained on insufficient amount of data").
"""

from __future__ import annotations

import dataclasses
import functools

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.rnn.lab import Preset, last_value, loss_and_metrics
from toolkit.sequence import seq2seq
from toolkit.validation import check_choice

# ---------------------------------------------------------------- translation
MODEL_NAMES = (*seq2seq.MODEL_NAMES, "transformer", "convs2s")
MODEL_TITLES = {**seq2seq.MODEL_TITLES, "transformer": "Transformer", "convs2s": "ConvS2S"}
MODEL_FORMULAS = {
    **seq2seq.MODEL_FORMULAS,
    "transformer": r"\text{Transformer: } \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V,\ "
                   r"\text{no recurrence}",
    "convs2s": r"\text{ConvS2S: } h^l = \mathrm{GLU}(W^l * h^{l-1}) + h^{l-1},\ \text{attention in every layer}",
}


@dataclasses.dataclass(frozen=True)
class TranslationConfig(seq2seq.TranslationConfig):
    """The translation tab: Chapter 7's settings, the transformer's size, its models by default.

    The defaults race Bahdanau attention against a one-block transformer for 3 epochs on 10,000
    dates at Adam 0.002, the same batches: measured on 2 cores, the transformer translates 0.935 of
    the held-out dates exactly after 13.5 s of training (4.5 s an epoch), Bahdanau 0.672 after
    15.9 s (5.3 s an epoch). (At Chapter 7's 0.005 Bahdanau reaches 0.999 and a two-block
    transformer 0.66: the transformer, trained without warm-up, wants the smaller step.)
    """

    models: tuple = setting(("bahdanau", "transformer"), choices=MODEL_NAMES, min_count=1, label="Models",
                            formula=MODEL_FORMULAS, help="Each trains in turn from the same seed on the same batches.")
    dim: int = setting(64, lo=8, hi=256, step=8, widget="number", label="Model width d_model",
                       formula=r"x_i = \sqrt{d_{model}}\, E y_i + PE_i \in \mathbb{R}^{d_{model}}",
                       help="Transformer and ConvS2S: the width of every token's vector.")
    heads: int = setting(4, choices=(1, 2, 4, 8), label="Heads h",
                         formula=r"\mathrm{head}_i = \mathrm{Attention}(QW_i^Q, KW_i^K, VW_i^V)",
                         help="d_k = d_model / h: the heads split the width, they do not add to it.")
    lr: float = setting(0.002, lo=1e-4, hi=0.1, step=1e-3, label="Learning rate (Adam)")
    blocks: int = setting(1, lo=1, hi=4, label="Blocks N",
                          formula=r"z^{n} = \mathrm{LN}(u + \mathrm{FFN}(u)),\ u = \mathrm{LN}(z + \mathrm{MHA}(z))",
                          help="Encoder blocks and decoder blocks (ConvS2S: convolution layers on each side).")
    ffn: int = setting(128, lo=8, hi=1024, step=8, widget="number", label="Feed-forward width d_ff",
                       formula=r"\mathrm{FFN}(x) = \max(0, xW_1 + b_1)W_2 + b_2",
                       help="W_1 is d_model × d_ff, W_2 d_ff × d_model.")

    def check(self):
        super().check()
        if self.dim % self.heads:
            raise ValueError(f"`dim` must be a multiple of `heads` (each head gets d_k = d_model / h), received "
                             f"dim={self.dim} and heads={self.heads}.")

    def variants(self) -> dict[str, str]:
        return {MODEL_TITLES[name]: name for name in self.models}


TRANSLATION_PRESETS = (
    Preset("race", "The transformer against attention RNNs (the defaults)",
           "Dates in 12 human forms, 3 epochs, the same batches and learning rate. Without recurrence the "
           "transformer reads every position of a sentence at once, and each character attends to all the others "
           "from the first block on: it translates 0.935 of the held-out dates exactly, Bahdanau's attention RNN "
           "0.672, each in about 5 s an epoch on 2 cores.",
           {}),
    Preset("convs2s", "Convolutions instead of recurrence: ConvS2S",
           "Gehring et al. replaced the LSTMs by stacks of gated convolutions: every position is computed in "
           "parallel, and each decoder layer attends to the encoder. On dates, at the same learning rate and "
           "batches, it is the fastest learner of the three: 0.991 exact match after 3 epochs and about 6 s of "
           "training on 2 cores, against the transformer's 0.935 and Bahdanau's 0.671 (about 16 s each).",
           {"models": ("bahdanau", "convs2s", "transformer")}),
    Preset("reversal", "Reversing digit strings",
           "Random strings of 4 to 16 digits written backwards, 3 epochs. Bahdanau's attention reverses all of the "
           "held-out strings (1.000), the transformer 0.95. Type a string: the cross-attention of the last decoder "
           "block follows the anti-diagonal only roughly, because the encoder's self-attention has already moved "
           "each digit's identity to other positions and the heads share the work.",
           {"task": "reversal", "digits": 16}),
)


def build_translator(config: TranslationConfig, name: str, source_length: int | None = None) -> keras.Model:
    """``seq2seq.build_translator`` for the RNN models; the transformer and ConvS2S at the config's size."""
    name = check_choice("name", name, MODEL_NAMES)
    if name in seq2seq.MODEL_NAMES:
        return seq2seq.build_translator(config, name, source_length)
    length = seq2seq.task_source_length(config) if source_length is None else source_length
    if name == "transformer":
        from toolkit.transformers.transformer import transformer

        model = transformer(config.dim, config.heads, config.blocks, config.ffn, source_length=length)
    else:
        from toolkit.transformers.convs2s import convs2s

        model = convs2s(config.dim, config.blocks, source_length=length)
    return seq2seq.compile_translator(model, config.lr)


def run_translation(config: TranslationConfig, data=None, *, callbacks=(), stop=None) -> seq2seq.TranslationResult:
    """Chapter 7's ``run_translation`` with this lab's models (``build_translator``)."""
    return seq2seq.run_translation(config, data, callbacks=callbacks, stop=stop, build=build_translator)


@dataclasses.dataclass
class Inside:
    """The trained transformer on one typed source (``inside``).

    Attributes:
        source: the source's characters; output: the translation's characters.
        steps: Eqs. 1-4 of the first encoder block's self-attention, every head: "query", "key",
            "value" (H, S, d_k), "scores", "weights" (H, S, S), "output" (H, S, d_k).
        encoder: the last encoder block's weights (H, S, S); cross: the last decoder block's
            cross-attention (H, T, S), each output character (rows) over the source (columns).
    """

    source: list
    output: list
    steps: dict
    encoder: np.ndarray
    cross: np.ndarray


def inside(result: seq2seq.TranslationResult, text: str, label: str = MODEL_TITLES["transformer"]) -> Inside:
    """Opens the trained transformer `label` of `result` on the typed source `text`."""
    from toolkit.transformers.attention import self_attention_steps
    from toolkit.transformers.transformer import encoder_self_attention_layer, transformer_attention

    if label not in result.translations:
        raise ValueError(f"`label` must be a trained transformer of this result, received {label!r}; trained: "
                         f"{', '.join(result.translations)}.")
    reading = result.read(text, labels=(label,))  # the other models' translations are not drawn here
    model, length = result.runs[label].model, len(reading.source)
    ids = seq2seq.source_tokenizer().encode(["".join(reading.source)], length=model.inputs[0].shape[1])
    target_vocab = seq2seq.target_tokenizer().vocabulary
    predicted = np.array([[target_vocab.index(c) for c in reading.outputs[label]]], np.int32)
    shifted = np.concatenate([[[seq2seq.START_ID]], predicted[:, :-1]], axis=1).astype(np.int32)
    attention = transformer_attention(model, ids, shifted)
    embedded, layer = encoder_self_attention_layer(model, ids)
    steps = self_attention_steps(embedded[:, :length], layer)
    return Inside(reading.source, reading.outputs[label], steps, attention["encoder"][-1][0, :, :length, :length],
                  attention["cross"][-1][0, :, :, :length])


# ---------------------------------------------------------------- the temporal convolutional network
TCN_MODELS = ("tcn", "tcn_undilated", "lstm")
TCN_TITLES = {"tcn": "TCN, dilated", "tcn_undilated": "TCN, no dilation", "lstm": "LSTM"}
TCN_FORMULAS = {
    "tcn": r"\text{dilated: } d_l = 2^{\,l-1},\ R = 1 + 2(k-1)(2^L - 1)",
    "tcn_undilated": r"\text{no dilation: } d_l = 1,\ R = 1 + 2(k-1)L",
    "lstm": r"\text{LSTM: } c_t = f_t \odot c_{t-1} + i_t \odot g_t",
}


@dataclasses.dataclass(frozen=True)
class TCNConfig(Config):
    """The TCN tab on the adding problem (its field names, prefixed ``tcn_``, are its URL names).

    The defaults train the same TCN, 5 blocks, k = 3, 24 filters, with dilations 1 … 16 (R = 125)
    and without (R = 21) on 4,000 sequences of T = 64 steps, 6 epochs, Adam 0.005. Measured on 2
    cores: held-out MSE 0.0024 dilated (0.014 of the constant guess's 0.167) against 0.132 (0.79 of
    it) undilated, about 8 s of training each; an LSTM of 24 units stays at 0.166 in those 6 epochs.
    """

    tcn_models: tuple = setting(("tcn", "tcn_undilated"), choices=TCN_MODELS, min_count=1, label="Networks",
                                formula=TCN_FORMULAS,
                                help="Each trains in turn from the same seed on the same batches.")
    tcn_length: int = setting(64, lo=8, hi=256, step=8, widget="number", label="Sequence length T",
                              formula=r"y = v_p + v_q,\ \ p < T/2 \le q")
    tcn_n: int = setting(4000, lo=500, hi=20_000, step=500, widget="number", label="Sequences",
                         help="80% train, 20% held out.")
    tcn_levels: int = setting(5, lo=1, hi=8, label="Residual blocks L",
                              formula=r"R = 1 + 2(k-1)\sum_{l=1}^{L} d_l")
    tcn_kernel: int = setting(3, lo=2, hi=8, label="Kernel size k",
                              formula=r"y_t = \sum_{i=0}^{k-1} w_i\, x_{t - d\,i}")
    tcn_filters: int = setting(24, lo=4, hi=128, step=4, widget="number", label="Filters (LSTM units)")
    tcn_dropout: float = setting(0.0, lo=0.0, hi=0.5, step=0.05, label="Dropout",
                                 formula=r"\tilde h = m \odot h / (1 - p),\ m_i \sim \mathrm{Bernoulli}(1 - p)")
    tcn_weight_norm: bool = setting(True, label="Weight normalization",
                                    formula=r"w = g\, \frac{v}{\lVert v \rVert}")
    tcn_epochs: int = setting(6, lo=1, hi=100, widget="number", label="Epochs")
    tcn_batch: int = setting(64, choices=(32, 64, 128, 256), label="Batch size")
    tcn_lr: float = setting(0.005, lo=1e-4, hi=0.1, step=1e-3, label="Learning rate (Adam)")
    tcn_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def variants(self) -> dict[str, str]:
        return {TCN_TITLES[name]: name for name in self.tcn_models}

    def dilations(self, name: str) -> tuple:
        """d_1 … d_L of the network `name` (Eq. 1)."""
        return tuple(2 ** level if name == "tcn" else 1 for level in range(self.tcn_levels))

    def receptive_field(self, name: str) -> int | None:
        """Eq. 1 for a TCN; None for the LSTM, which reads every step."""
        from toolkit.transformers.tcn import receptive_field

        return receptive_field(self.tcn_kernel, self.dilations(name)) if name != "lstm" else None


TCN_PRESETS = (
    Preset("dilation", "Dilation widens the receptive field (the defaults)",
           "Sequences of T = 64 steps, 5 residual blocks of two causal convolutions, k = 3. With dilations "
           "1, 2, 4, 8, 16 the receptive field is R = 1 + 2·2·31 = 125 ≥ T: the output sees both marked values "
           "and the dilated TCN solves the task. Without dilation R = 1 + 2·2·5 = 21 < T: the first value is "
           "out of sight and the network can only guess its mean.",
           {}),
    Preset("lstm", "The TCN against an LSTM",
           "Bai et al. (2018) found generic TCNs better than LSTMs on the adding problem. Here, in the same 6 "
           "epochs, the dilated TCN solves T = 64 while the LSTM, which must carry the first value through 64 "
           "steps of recurrence, is still at the guess (Chapter 6's page trains it longer on T = 40).",
           {"tcn_models": ("tcn", "lstm")}),
)


def tcn_data_spec(config: TCNConfig) -> dict:
    return {"name": "adding", "n": config.tcn_n, "length": config.tcn_length, "seed": config.tcn_seed}


def build_tcn_network(config: TCNConfig, name: str, length: int) -> keras.Model:
    """The network `name` for sequences of `length` steps, compiled with Adam(lr) and the adding problem's MSE."""
    from toolkit.transformers.tcn import tcn

    name = check_choice("name", name, TCN_MODELS)
    if name == "lstm":
        model = keras.Sequential([keras.Input((length, 2)), keras.layers.LSTM(config.tcn_filters, name="rnn"),
                                  keras.layers.Dense(1, name="readout")], name="lstm_adding")
    else:
        model = tcn((length, 2), 1, filters=config.tcn_filters, kernel_size=config.tcn_kernel,
                    dilations=config.dilations(name), dropout=config.tcn_dropout,
                    weight_norm=config.tcn_weight_norm)
    loss, metrics = loss_and_metrics("adding")
    model.compile(optimizer=keras.optimizers.Adam(config.tcn_lr), loss=loss, metrics=metrics)
    return model


@dataclasses.dataclass
class TCNResult:
    """What ``run_tcn`` returns: the runs on the adding problem and their data."""

    config: TCNConfig
    runs: dict
    data: object

    def table(self) -> list[dict]:
        """One row per network: its receptive field, held-out MSE and accuracy, training time."""
        from toolkit.data.sequences import ADDING_CONSTANT_MSE

        rows = []
        for label, run in self.runs.items():
            name = self.config.variants()[label]
            field = self.config.receptive_field(name)
            history = run.history
            mse = last_value(history, "val_loss")
            rows.append({
                "Network": label, "Parameters": run.model.count_params() if run.model is not None else None,
                "Receptive field R": field,
                "Sees the first marker": field is None or field >= self.config.tcn_length,
                "Held-out MSE": mse,
                "Held-out accuracy": last_value(history, "val_accuracy"),
                "MSE / guessing 1": None if mse is None else round(mse / ADDING_CONSTANT_MSE, 3),
                "Training (s)": round(run.wall_time, 1),
                "s per epoch": round(run.wall_time / max(run.epochs_done, 1), 2),
            })
        return rows

    def influence(self, label: str, examples: int = 32) -> np.ndarray:
        """|∂ŷ / ∂x_s| of the network `label` against the input step s, averaged over held-out sequences."""
        from toolkit.transformers.tcn import input_influence

        return input_influence(self.runs[label].model, self.data.x_test[:examples])


def run_tcn(config: TCNConfig, data=None, *, callbacks=(), stop=None) -> TCNResult:
    """Trains every chosen network from the same seed on the same batches of the adding problem."""
    from toolkit.data import load
    from toolkit.train import compare

    data = data if data is not None else load(**tcn_data_spec(config))
    length = data.x_train.shape[1]
    builders = {label: functools.partial(build_tcn_network, config, name, length)
                for label, name in config.variants().items()}
    runs = compare(builders, data, epochs=config.tcn_epochs, batch_size=config.tcn_batch, seed=config.tcn_seed,
                   callbacks=callbacks, stop=stop, config={"task": "adding", "length": length})
    return TCNResult(config, runs, data)


# ---------------------------------------------------------------- vision transformers
VISION_MODELS = ("cnn", "vit", "swin")
VISION_TITLES = {"cnn": "CNN", "vit": "ViT", "swin": "Swin"}
SWIN_PATCH = 2  # 28 × 28 glyphs -> 14 × 14 patches: two 7 × 7 windows a side, then 7 × 7 after merging
VISION_FORMULAS = {
    "cnn": r"\text{CNN: } h = \mathrm{pool}(\mathrm{ReLU}(W * x)),\ \text{local, shared weights}",
    "vit": r"\text{ViT: } z_0 = [x_{class};\, x_p^1 E; \dots; x_p^N E] + E_{pos},\ y = \mathrm{MLP}(z_L^0)",
    "swin": r"\text{Swin: } \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d}} + B\right)V \text{ in } M \times M "
            r"\text{ windows, shifted by } M/2",
}


@dataclasses.dataclass(frozen=True)
class VisionConfig(Config):
    """The vision tab on glyphs (its field names, prefixed ``vision_``, are its URL names).

    The defaults train a small CNN (20,490 weights) and a two-block ViT with 4 × 4 patches (19,658
    weights) for 6 epochs on 2,000 glyphs, Adam 0.002. Measured on 2 cores (``benchmarks/transformers.py``),
    held-out accuracy over seeds 0-2: CNN 0.938 / 0.926 / 0.938 (3 s a run), ViT 0.788 / 0.748 / 0.724
    (14 s); Swin (lesson "swin", 28,274 weights) 0.572 / 0.578 / 0.566 (43 s). With four times the
    glyphs (seed 0) the gap halves: CNN 0.975, ViT 0.891.
    """

    vision_models: tuple = setting(("cnn", "vit"), choices=VISION_MODELS, min_count=1, label="Models",
                                   formula=VISION_FORMULAS,
                                   help="Each trains in turn from the same seed on the same batches.")
    vision_n: int = setting(2500, lo=500, hi=20_000, step=500, widget="number", label="Glyphs (train + test)",
                            help="80% train, 20% held out. Few images: where the notes say transformers struggle.")
    vision_patch: int = setting(4, choices=(2, 4, 7), label="ViT patch size P",
                                help="Swin embeds 2 × 2 patches (a 14 × 14 grid) and merges them into 4 × 4 ones.",
                                formula=r"N = HW / P^2 \text{ patches},\ x_p \in \mathbb{R}^{P^2 C}")
    vision_dim: int = setting(32, lo=8, hi=128, step=8, widget="number", label="Token width D",
                              help="ViT's token width and the CNN's last channels; Swin's first stage is D/2 wide, "
                                   "doubling at the merge.")
    vision_depth: int = setting(2, lo=1, hi=6, label="ViT blocks L",
                                formula=r"z_l = \mathrm{MLP}(\mathrm{LN}(z'_l)) + z'_l,\ z'_l = "
                                        r"\mathrm{MSA}(\mathrm{LN}(z_{l-1})) + z_{l-1}")
    vision_heads: int = setting(4, choices=(1, 2, 4, 8), label="Heads")
    vision_window: int = setting(7, choices=(7, 14), label="Swin window M",
                                 help="7: four windows of 7 × 7 patches, shifted by 3 every other block; 14: one "
                                      "window, attention over the whole 14 × 14 grid (no locality, as ViT).",
                                 formula=r"\text{window attention: } M^2 \text{ tokens, shift } \lfloor M/2 \rfloor")
    vision_epochs: int = setting(6, lo=1, hi=50, widget="number", label="Epochs")
    vision_batch: int = setting(64, choices=(32, 64, 128, 256), label="Batch size")
    vision_lr: float = setting(0.002, lo=1e-4, hi=0.05, step=1e-4, label="Learning rate (Adam)")
    vision_seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def check(self):
        if self.vision_dim % (2 * self.vision_heads):
            raise ValueError(f"`vision_dim` must be a multiple of 2 × `vision_heads` (Swin's first stage, D/2 wide, "
                             f"splits into the heads too), received vision_dim={self.vision_dim} and vision_heads="
                             f"{self.vision_heads}.")

    def variants(self) -> dict[str, str]:
        return {VISION_TITLES[name]: name for name in self.vision_models}


VISION_PRESETS = (
    Preset("few", "Few images: the CNN's prior wins (the defaults)",
           "2,000 training glyphs, 6 epochs, about 20,000 weights each. The CNN knows that nearby pixels belong "
           "together and that a stroke means the same anywhere; ViT must learn both from the data, so with this "
           "little of it the CNN generalizes better: 0.94 against 0.79 held-out accuracy at seed 0.",
           {}),
    Preset("more", "More images narrow the gap",
           "Four times the glyphs, the same 6 epochs: the CNN reaches 0.975, ViT 0.891 at seed 0. The gap halves, "
           "as the notes say: transformers need data more than CNNs do.",
           {"vision_n": 10_000}),
    Preset("swin", "Swin: attention within shifted windows",
           "Swin attends within 7 × 7-patch windows, shifted by 3 patches every other block, and merges 2 × 2 "
           "patches between its stages, a hierarchy like a CNN's. In these 6 epochs it is still learning (0.57 at "
           "seed 0) and costs the most per epoch: the window bookkeeping (shift, mask, partition) is many small "
           "operations on a CPU.",
           {"vision_models": ("cnn", "vit", "swin")}),
)


def vision_data_spec(config: VisionConfig) -> dict:
    return {"name": "glyphs", "n": config.vision_n, "seed": 0}


def build_vision_model(config: VisionConfig, name: str, data) -> keras.Model:
    """The classifier `name` for `data`'s images, compiled with Adam(lr) and the cross-entropy."""
    from toolkit.transformers import vision

    name = check_choice("name", name, VISION_MODELS)
    shape, classes = data.input_shape, data.num_classes
    if name == "cnn":
        model = small_cnn(shape, classes, config.vision_dim)
    elif name == "vit":
        model = vision.vit(shape, classes, patch_size=config.vision_patch, dim=config.vision_dim,
                           depth=config.vision_depth, heads=config.vision_heads, mlp_dim=2 * config.vision_dim)
    else:
        model = vision.swin(shape, classes, patch_size=SWIN_PATCH, dim=config.vision_dim // 2,
                            window=config.vision_window, heads=(config.vision_heads, 2 * config.vision_heads))
    model.compile(optimizer=keras.optimizers.Adam(config.vision_lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def small_cnn(input_shape, classes: int, width: int = 32) -> keras.Model:
    """Two 3 × 3 convolution + pooling stages and a linear readout of the pooled maps (LeNet's plan):
    locality and weight sharing built in, about as many weights as the default ViT."""
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Conv2D(width // 2, 3, padding="same", activation="relu", name="conv1"),
        keras.layers.MaxPooling2D(name="pool1"),
        keras.layers.Conv2D(width, 3, padding="same", activation="relu", name="conv2"),
        keras.layers.MaxPooling2D(name="pool2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(classes, name="logits"),
    ], name="cnn")


def run_vision(config: VisionConfig, data=None, *, callbacks=(), stop=None):
    """Trains every chosen model on the glyphs; returns ``toolkit.cnn.training.ArchitectureResults``."""
    from toolkit.cnn.training import ArchitectureResults
    from toolkit.data import load
    from toolkit.train import compare

    data = data if data is not None else load(**vision_data_spec(config))
    builders = {label: functools.partial(build_vision_model, config, name, data)
                for label, name in config.variants().items()}
    runs = compare(builders, data, epochs=config.vision_epochs, batch_size=config.vision_batch,
                   seed=config.vision_seed, callbacks=callbacks, stop=stop, config={"dataset": data.spec})
    return ArchitectureResults(runs, data)


# ---------------------------------------------------------------- what the page draws before training
def encoding_table(config: TranslationConfig) -> np.ndarray:
    """PE of the task's S source positions at the config's d_model (``attention.positional_encoding``)."""
    from toolkit.transformers.attention import positional_encoding

    return positional_encoding(seq2seq.task_source_length(config), config.dim)


@functools.lru_cache(maxsize=1)
def sample_glyph() -> np.ndarray:
    """One 28 × 28 glyph (an "A"-like character at seed 0) for the patch and window figures."""
    from toolkit.data.synthetic_glyphs import glyphs

    data = glyphs(n=20, seed=0, classes=36, cache=False)
    return data.x_train[0]


def swin_partitions(image_shape, window: int, patch_size: int = SWIN_PATCH) -> tuple[np.ndarray, np.ndarray]:
    """The window id of every patch of an image of `image_shape`: regular windows, and windows
    shifted by ⌊M/2⌋ (after the cyclic shift: each id a region the mask keeps apart)."""
    from toolkit.transformers.vision import window_ids

    height, width = (size // patch_size for size in image_shape[:2])
    shift = window // 2 if window < min(height, width) else 0  # one window over the grid: nothing to shift
    return window_ids(height, width, window, 0), window_ids(height, width, window, shift)


def class_token_views(result, count: int = 6) -> tuple[np.ndarray, np.ndarray, list]:
    """`count` held-out glyphs, the attention of ViT's class token over their patches in the last
    block (the mean of its heads), and "true → predicted" captions."""
    from toolkit.transformers.vision import class_token_attention

    model, data = result.runs[VISION_TITLES["vit"]].model, result.data
    images = data.x_test[:count]
    evaluation = result.evaluation(VISION_TITLES["vit"])
    names = data.classes or tuple(str(k) for k in range(data.num_classes))
    captions = [f"{names[int(t)]} → {names[int(p)]}" for t, p in zip(data.y_test[:count], evaluation.y_pred[:count])]
    return images, class_token_attention(model, images).mean(axis=1), captions


def vision_table(result) -> list[dict]:
    """The results table of ``run_vision`` (Chapter 5's columns, without the architectures' year)."""
    return [{key: value for key, value in row.items() if key != "year"} for row in result.table]
