"""toolkit.saving: every registered toolkit class reloads after ``import toolkit`` alone.

One small model per registered class is saved to a ``.keras`` file; one fresh process that
ran nothing but ``import toolkit, keras`` loads them all with ``keras.saving.load_model``
and must give the same outputs (losses: the same loss value; regularizers: the same
penalty; optimizers: the same class and config).
"""

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

import toolkit
from toolkit import saving
from toolkit.cnn import blocks, layers, regularization as cnn_regularization
from toolkit.cnn.architectures import build_architecture
from toolkit.detection import faster_rcnn, mask_rcnn, rcnn, roi, two_stage, yolo
from toolkit.ffnn import activations, kernels, losses, mlp, units
from toolkit.generative import drag, gan_lab, progan, stylegan, text_gan, tricks, vae, vqvae
from toolkit.generative.autoencoder import Autoencoder, build_decoder, build_encoder
from toolkit.generative.dcgan import dcgan_discriminator, dcgan_generator
from toolkit.generative.gan import GAN, ConditionalGAN
from toolkit.generative.image_to_image import CycleGAN, Pix2Pix, patchgan_discriminator, unet_generator
from toolkit.optim import normalization, optimizers
from toolkit.regularization import (
    BaggingEnsemble, MultiTaskNetwork, augmentation, dropout, noise, penalties, sharing)
from toolkit.rnn import bptt, cells, lab
from toolkit.sequence import attention, captioning
from toolkit.transformers import attention as transformer_attention, convs2s, tcn, transformer, vision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
RNG = np.random.default_rng(0)
KERAS_BASES = (keras.layers.Layer, keras.losses.Loss, keras.optimizers.Optimizer, keras.regularizers.Regularizer,
               keras.metrics.Metric, keras.constraints.Constraint, keras.initializers.Initializer)


def fresh_python(code: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=600)


def toolkit_classes() -> dict[str, type]:
    """Every Keras-serializable class defined in a toolkit module, by ``module.Name`` (imports them all)."""
    found = {}
    for info in pkgutil.walk_packages(toolkit.__path__, "toolkit."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == info.name and issubclass(cls, KERAS_BASES):
                found[f"{info.name}.{cls.__name__}"] = cls
    return found


def test_import_toolkit_loads_neither_tensorflow_nor_keras():
    out = fresh_python("import sys, toolkit; "
                       "print([m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')])")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_registered_table_lists_every_toolkit_class():
    classes = toolkit_classes()
    registered = {name: cls for name, cls in keras.saving.get_custom_objects().items()
                  if getattr(cls, "__module__", "").startswith("toolkit.")}
    assert {name: cls.__module__ for name, cls in registered.items()} == saving.MODULE_OF
    assert all(inspect.isclass(cls) for cls in registered.values())  # Deferred stands for classes only
    bases = {base for cls in classes.values() for base in cls.__mro__[1:]}
    unregistered = [name for name, cls in classes.items() if cls not in registered.values() and cls not in bases]
    assert not unregistered, f"register these with package='toolkit' and add them to REGISTERED: {unregistered}"


def test_a_deferred_name_builds_the_real_class(monkeypatch):
    registry = keras.saving.get_custom_objects()
    monkeypatch.delitem(registry, "toolkit>Conv2D")  # as in a process that never imported toolkit.cnn
    saving.register_on_keras_import()  # Keras is loaded already: the names are entered at once
    deferred = registry["toolkit>Conv2D"]
    assert isinstance(deferred, saving.Deferred) and "toolkit.cnn.layers" in repr(deferred)
    layer = deferred.from_config(layers.Conv2D(2, 3, padding="same").get_config())
    assert type(layer) is layers.Conv2D and layer.filters == 2
    with pytest.raises(ImportError, match="defines no class 'toolkit>Conv3D'"):
        saving.Deferred("toolkit>Conv3D", "toolkit.cnn.layers").resolve()


# -- one small model per registered class -------------------------------------------
def around(layer, *shape):
    """The layer in a functional model on inputs of `shape` (batch of 4)."""
    return keras.Sequential([keras.Input(shape), layer]), RNG.uniform(size=(4, *shape)).astype("float32")


def images(n=4, size=8, channels=1):
    return RNG.uniform(size=(n, size, size, channels)).astype("float32")


def dense_model(units=3, activation="softmax", **kwargs):
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=activation, **kwargs)])


def with_loss(loss, y, units=3, activation="softmax"):
    model = dense_model(units, activation)
    model.compile("sgd", loss)
    return model, RNG.normal(size=(len(y), 4)).astype("float32"), np.asarray(y)


def with_optimizer(optimizer):
    model = dense_model()
    model.compile(optimizer, "sparse_categorical_crossentropy")
    optimizer.build(model.trainable_variables)  # its state exists and is saved
    return model, RNG.normal(size=(4, 4)).astype("float32")


def with_regularizer(regularizer):
    return dense_model(kernel_regularizer=regularizer), RNG.normal(size=(4, 4)).astype("float32")


def gan(conditional=False):
    z = RNG.normal(size=(4, 8 if conditional else 2)).astype("float32")
    if conditional:
        model = ConditionalGAN(dcgan_generator(8, filters=4, num_classes=3),
                               dcgan_discriminator(filters=4, num_classes=3), num_classes=3, seed=0)
        return model, [z, np.array([0, 1, 2, 0])]
    return GAN(gan_lab.mlp(2, 2, 1, 8, "relu", "generator"), gan_lab.mlp(2, 1, 1, 8, "relu", "discriminator"),
               seed=0), z


def autoencoder(kind):
    if kind == "vqvae":
        return vqvae.VQVAE(build_encoder("conv", latent_dim=4, width=4, spatial=True),
                           build_decoder("conv", latent_dim=4, width=4, spatial=True), num_codes=8), images(size=28)
    encoder = build_encoder("dense", latent_dim=2, width=8, variational=kind == "vae")
    decoder = build_decoder("dense", latent_dim=2, width=8)
    if kind == "vae":
        return vae.VAE(encoder, decoder, seed=0), images(size=28)
    return Autoencoder(encoder, decoder, noise_std=0.1, seed=0), images(size=28)


def translator(kind):
    if kind == "pix2pix":
        return Pix2Pix(unet_generator(filters=4), patchgan_discriminator(filters=4)), images(size=28)
    return CycleGAN(unet_generator(filters=4, name="ab"), unet_generator(filters=4, name="ba"),
                    patchgan_discriminator(filters=4, conditional=False, name="da"),
                    patchgan_discriminator(filters=4, conditional=False, name="db")), images(size=28)


def roi_layer(layer):
    features, rois = keras.Input((8, 8, 2)), keras.Input((3, 4))
    boxes = np.sort(RNG.uniform(0, 32, size=(4, 3, 2, 2)), axis=2).transpose(0, 1, 3, 2).reshape(4, 3, 4)
    return keras.Model([features, rois], layer(features, rois)), [RNG.uniform(size=(4, 8, 8, 2)).astype("float32"),
                                                                 boxes.astype("float32")]


def detector(build, proposals=False):
    x = RNG.uniform(size=(2, 64, 64, 3)).astype("float32")
    if proposals:
        corners = np.sort(RNG.uniform(0, 64, size=(2, 3, 2, 2)), axis=2).transpose(0, 1, 3, 2).reshape(2, 3, 4)
        return build(), [x, corners.astype("float32")]
    return build(), x


def attending(layer):
    """An attention layer over a query (3 steps) and values (5 steps)."""
    query, values = keras.Input((3, 4)), keras.Input((5, 4))
    model = keras.Model([query, values], layer([query, values]))
    return model, [RNG.normal(size=(4, 3, 4)).astype("float32"), RNG.normal(size=(4, 5, 4)).astype("float32")]


def attending_decoder(attention_kind):
    """Show, Attend and Tell's decoder over 3 embedded words and 5 annotation vectors (both outputs)."""
    words, annotations = keras.Input((3, 4)), keras.Input((5, 6))
    model = keras.Model([words, annotations], captioning.AttentionLSTMDecoder(4, attention=attention_kind)(
        [words, annotations]))
    return model, [RNG.normal(size=(4, 3, 4)).astype("float32"), RNG.normal(size=(4, 5, 6)).astype("float32")]


def with_metric(metric):
    """A compiled network whose metric must reload with it (Keras rebuilds the compile config)."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="mse", metrics=[metric])
    return model, RNG.uniform(size=(4, 4)).astype("float32")


def truncated_bptt():
    """A many-to-many network trained by truncated BPTT, compiled (its optimizer is saved too)."""
    model = bptt.TruncatedBPTT(cells.LSTMCell(3), keras.layers.Dense(1), k1=4, k2=2)
    model.build((None, 6, 2))
    model.compile(optimizer="adam", loss="mse")
    return model, RNG.uniform(size=(4, 6, 2)).astype("float32")


def detection_cases() -> dict:
    """The detection chapter's layers and detectors, at a tiny size."""
    small = {"num_classes": 3, "units": 8, "seed": 0}
    return {
        "RoiAlign": lambda: roi_layer(roi.RoiAlign((2, 2), spatial_scale=0.25)),
        "RoiPooling": lambda: roi_layer(roi.RoiPooling((2, 2), spatial_scale=0.25)),
        "BoxHead": lambda: around(two_stage.BoxHead(3, 8), 5, 2, 2, 4),
        "RegionProposalNetwork": lambda: around(faster_rcnn.RegionProposalNetwork(3, 4), 4, 4, 4),
        "MaskHead": lambda: around(mask_rcnn.MaskHead(3, 4), 2, 7, 7, 4),
        "YOLO": lambda: detector(lambda: yolo.YOLO(num_classes=3, filters=(4, 4, 4))),
        "RCNN": lambda: detector(lambda: rcnn.RCNN(channels=4, proposals_per_image=3, **small), proposals=True),
        "FastRCNN": lambda: detector(lambda: rcnn.FastRCNN(channels=4, proposals_per_image=3, **small),
                                     proposals=True),
        "FasterRCNN": lambda: detector(lambda: faster_rcnn.FasterRCNN(channels=4, test_proposals=5, **small)),
        "MaskRCNN": lambda: detector(lambda: mask_rcnn.MaskRCNN(channels=4, test_proposals=5, mask_channels=4,
                                                                **small)),
    }


def two_sequences(layer):
    """A layer of two sequences (queries of 3 steps, keys and values of 5), called layer(first, second)."""
    first, second = keras.Input((3, 4)), keras.Input((5, 4))
    return keras.Model([first, second], layer(first, second)), [RNG.normal(size=(4, n, 4)).astype("float32")
                                                                for n in (3, 5)]


def date_translator(build):
    """A translator of dates: [source ids (4, 29), decoder ids (4, 6)] -> logits."""
    source = RNG.integers(0, 20, size=(4, 29)).astype("int32")
    return build(), [source, RNG.integers(1, 12, size=(4, 6)).astype("int32")]


def transformer_cases() -> dict:
    """Chapter 8's layers, each inside the smallest model that uses it."""
    def small_tcn():
        return tcn.tcn((6, 2), 1, filters=4, dilations=(1, 2)), RNG.uniform(size=(4, 6, 2)).astype("float32")

    def small_vit():
        return vision.vit((8, 8, 1), 3, patch_size=4, dim=8, depth=1, heads=2, mlp_dim=8), images()

    def small_swin():
        return vision.swin((8, 8, 1), 3, patch_size=2, dim=8, depths=(2, 2), heads=(2, 2), window=2), images()

    def small_transformer():
        return date_translator(lambda: transformer.transformer(8, 2, 1, 8))

    def small_convs2s():
        return date_translator(lambda: convs2s.convs2s(8, 1))

    return {
        "MultiHeadAttention": lambda: two_sequences(transformer_attention.MultiHeadAttention(2, 2)),
        "SinusoidalPositionEncoding": lambda: around(transformer_attention.SinusoidalPositionEncoding(), 5, 4),
        "EncoderBlock": lambda: around(transformer_attention.EncoderBlock(4, 2, 8), 5, 4),
        "DecoderBlock": lambda: two_sequences(transformer_attention.DecoderBlock(4, 2, 8, norm_first=True)),
        "TokenAndPosition": small_transformer,
        **dict.fromkeys(("ConvAttention", "GatedConv1D", "TokenAndLearnedPosition"), small_convs2s),
        **dict.fromkeys(("CausalConv1D", "LastStep", "TemporalBlock"), small_tcn),
        **dict.fromkeys(("ClassToken", "ClassTokenOutput", "PatchEmbedding", "PositionEmbedding"), small_vit),
        **dict.fromkeys(("PatchMerging", "SwinBlock", "WindowAttention"), small_swin),
    }


def multimodal_cases() -> dict:
    """Chapter 11's CLIP (its text encoder and clipped temperature inside), a CoCoOp prompt learner, an MAE and
    its encoder trained with labels, a BEiT, DINO (its student, teacher, head and encoder inside), CoCa (its causal
    blocks and attentional poolers inside), FILIP, STAIR (its two token projection heads inside), FLIP (its patch
    drop inside), Flamingo's blocks, ImageBind's sound encoder, the shapes' language model, and Frozen and
    Flamingo-mini around one (the frozen model inside each)."""
    from toolkit.multimodal import (beit, clip, coca, dino, filip, fine_grained, flamingo, flip, imagebind,
                                    interface, language, mae_lab, masked, prompts, stair)

    def small_clip():
        model = clip.CLIP((16, 16, 3), embed_dim=8, width=2, text_dim=8, heads=2, text_length=6)
        return model, [images(size=16, channels=3), model.tokenize(["a red circle", "two shapes", "a star",
                                                                    "a small blue cross"])]

    def small_learner():
        model, data = small_clip()
        return prompts.PromptLearner(model, ("circle", "square"), context=2, meta=True, meta_hidden=4), data[0]

    def small_filip():
        model = filip.FILIP((32, 32, 3), embed_dim=8, width=2, text_dim=8, heads=2, text_length=6)
        return model, [images(size=32, channels=3), model.tokenize(["a red circle", "two shapes", "a star",
                                                                    "a small blue cross"])]

    def small_stair():
        model = stair.STAIR((32, 32, 3), width=2, text_dim=8, heads=2, text_length=6, flops_weight=0.05,
                            grounded=False)
        return model, [images(size=32, channels=3), model.tokenize(["a red circle", "two shapes", "a star",
                                                                    "a small blue cross"])]

    def small_flip():
        model = flip.FLIP((16, 16, 3), embed_dim=8, width=2, text_dim=8, heads=2, text_length=6, mask_ratio=0.5)
        return model, [images(size=16, channels=3), model.tokenize(["a red circle", "two shapes", "a star",
                                                                    "a small blue cross"])]

    def small_mae():
        return masked.MaskedAutoencoder((8, 8, 3), patch_size=4, dim=8, depth=1, heads=2, decoder_dim=4), images(
            size=8, channels=3)

    def small_beit():
        return beit.MaskedTokenModel((8, 8, 3), num_codes=5, patch_size=4, dim=8, depth=1, heads=2), images(
            size=8, channels=3)

    def gated_block():
        text, visual = keras.Input((3, 4)), keras.Input((2, 4))
        block = flamingo.GatedCrossAttentionDense(heads=2)
        model = keras.Model([text, visual], block([text, visual]))
        block.alpha_xattn.assign(0.5)  # open: the saved attention weights matter
        return model, [RNG.normal(size=(4, 3, 4)).astype("float32"), RNG.normal(size=(4, 2, 4)).astype("float32")]

    def small_dino():
        model = dino.Dino((8, 8, 3), patch_size=4, dim=8, depth=1, heads=2, clusters=5, hidden=6, bottleneck=3,
                          local_size=4)
        model.build()
        for weight in model.teacher.weights:  # the teacher's own weights, not the student's copy, are saved
            weight.assign(RNG.normal(size=weight.shape).astype("float32") * 0.1 + keras.ops.convert_to_numpy(weight))
        return model, images(size=8, channels=3)

    def small_coca():
        model = coca.CoCa((8, 8, 3), 10, dim=8, heads=2, caption_queries=2, embed_dim=4, text_length=4)
        return model, [images(size=8, channels=3), np.array([[2, 3, 4, 0], [5, 0, 0, 0], [6, 7, 8, 9], [2, 2, 0, 0]],
                                                            "int32")]

    def supervised_encoder():
        return mae_lab.SupervisedEncoder(small_mae()[0], 3), images(size=8, channels=3)

    def small_lm():
        return language.ShapesLM(12, dim=8, blocks=1, heads=2), np.array([[12, 3, 4, 0], [12, 5, 6, 7]], "int32")

    def small_adapter(kind):
        def build():
            lm = small_lm()[0]
            lm.build()
            if kind == "frozen":
                model = interface.FrozenPrefix(lm, (16, 16, 3), prefix_tokens=2)
            else:
                model = interface.FlamingoMini(lm, (16, 16, 3), latents=2)
                for layer in model.gated:  # open: the saved cross-attention weights matter
                    layer.alpha_xattn.assign(0.5)
                    layer.alpha_dense.assign(-0.3)
            return model, [images(size=16, channels=3), np.array([[12, 3, 4, 0], [12, 5, 6, 7]] * 2, "int32"),
                           np.array([2, 3, 1, 2], "int32")]
        return build

    return {**dict.fromkeys(("CLIP", "LogitScaleClip", "TextEncoder"), small_clip), "PromptLearner": small_learner,
            "ShapesLM": small_lm, "FrozenPrefix": small_adapter("frozen"), "FlamingoMini": small_adapter("flamingo"),
            "FILIP": small_filip, "STAIR": small_stair, "MaskedAutoencoder": small_mae, "MaskedTokenModel": small_beit,
            **dict.fromkeys(("CoCa", "CausalBlock", "AttentionalPooler"), small_coca),
            "Dino": small_dino, "DinoNetwork": lambda: around(dino.DinoNetwork(4, 8, 1, 2, 5, 6, 3), 8, 8, 3),
            "DinoHead": lambda: around(dino.DinoHead(5, 6, 3), 4),
            "BatchStatisticsNormalization": lambda: around(dino.BatchStatisticsNormalization(), 4), "PatchEncoder": lambda: around(
                dino.PatchEncoder(4, 8, 1, 2), 8, 8, 3), "SupervisedEncoder": supervised_encoder,
            "TokenProjectionHead": lambda: around(fine_grained.TokenProjectionHead(5, bias=0.5), 3, 4),
            "PerceiverResampler": lambda: around(flamingo.PerceiverResampler(latents=2, depth=1, heads=2), 3, 4),
            "GatedCrossAttentionDense": gated_block,
            "FLIP": small_flip, "PatchDrop": small_flip,
            "SoundBinder": lambda: (imagebind.SoundBinder((8, 8, 1), embed_dim=4, width=2), images(size=8, channels=1))}


def diffusion_cases() -> dict:
    """Chapter 10's DDPM around a text-conditioned U-Net (Fourier time features and the caption mean inside)."""
    from toolkit.diffusion import ddpm, unet

    def small_ddpm():
        network = unet.diffusion_unet((8, 8, 1), (4, 8), heads=2, vocabulary=6, text_length=3)
        last = network.get_layer("epsilon")  # starts at zero: give the outputs something to compare
        last.set_weights([RNG.normal(size=w.shape).astype("float32") * 0.1 for w in last.get_weights()])
        model = ddpm.DDPM(network, schedule="cosine", steps=20, seed=0)
        return model, [images(size=8), np.array([1, 5, 10, 20], "float32"),  # [x_t, t, tokens]
                       np.array([[2, 3, 0], [4, 0, 0], [0, 0, 0], [5, 5, 1]], "int32")]

    return dict.fromkeys(("DDPM", "MaskedMean", "TimeEmbedding"), small_ddpm)


def gan_evolution_cases():
    """Chapter 9's GAN zoo: the Progressive GAN's layers and stage GAN, StyleGAN-mini, DragGAN, the text GAN."""
    captions = text_gan.tokens(["a bold 7", "a thin slanted 3", "an upright 0", "a 5"])

    def fade_in():
        old, new = keras.Input((3, 3, 2)), keras.Input((3, 3, 2))
        return keras.Model([old, new], progan.FadeIn(0.3)([old, new])), [images(4, 3, 2), images(4, 3, 2)]

    def progan_stage():
        config = progan.ProGanConfig(n=100, batch=50, latent_dim=4, filters=4, score=False)
        gan = progan.build_stage(config, progan.ProgressiveNetworks(latent_dim=4, filters=4), 1, fade_steps=4)
        return gan, RNG.standard_normal((4, 4)).astype("float32")

    def adain():
        inputs = [keras.Input((3, 3, 2)), keras.Input((4,))]
        return keras.Model(inputs, stylegan.AdaIN()(inputs)), [images(4, 3, 2), RNG.normal(size=(4, 4)).astype("float32")]

    def style_generator():
        return stylegan.StyleGenerator(4, 4, 1, 2, seed=0)

    def sentence_embedding():
        return (keras.Sequential([keras.Input((text_gan.TEXT_LENGTH,), dtype="int32"),
                                  text_gan.SentenceEmbedding(len(text_gan.VOCABULARY), 3)]), captions)

    def text_gan_model():
        gan = text_gan.TextGAN(text_gan.text_generator(8, 4, filters=4), text_gan.text_discriminator(4, filters=4),
                               seed=0)
        return gan, [RNG.normal(size=(4, 8)).astype("float32"), captions]

    return {
        "EqualizedDense": lambda: around(progan.EqualizedDense(3), 5),
        "EqualizedConv2D": lambda: around(progan.EqualizedConv2D(2, 3), 5, 5, 1),
        "PixelNorm": lambda: around(progan.PixelNorm(), 3, 3, 4),
        "MinibatchStdDev": lambda: around(progan.MinibatchStdDev(), 3, 3, 2),
        "FadeIn": fade_in,
        "ProgressiveGAN": progan_stage,
        "DragGAN": lambda: (drag.DragGAN(drag.feature_generator(dcgan_generator(4, filters=4)), np.ones(4, "float32"),
                                         (3, 4), (8, 4), steps=5, r1=2, r2=2, mask_weight=0.1),
                            np.ones((1, 4), "float32")),
        "AdaIN": adain,
        "ConstantInput": lambda: around(stylegan.ConstantInput((2, 2, 3)), 4),
        "MappingNetwork": lambda: around(stylegan.MappingNetwork(4, 2), 3),
        "MixingRegularization": lambda: around(stylegan.MixingRegularization(3, 0.5, seed=0), 4),
        "NoiseInput": lambda: around(stylegan.NoiseInput(0.0, seed=4), 3, 3, 2),
        "StyleGenerator": lambda: (style_generator(), RNG.normal(size=(4, 4)).astype("float32")),
        "StyleGAN": lambda: (stylegan.StyleGAN(style_generator(), dcgan_discriminator(filters=4), seed=0),
                             RNG.normal(size=(4, 4)).astype("float32")),
        "SentenceEmbedding": sentence_embedding,
        "TextGAN": text_gan_model,
    }


def cases():
    """Registered name -> a function building (model, x[, y]) that uses the class."""
    labels, onehot = np.array([0, 2, 1, 0]), np.eye(3)[[0, 2, 1, 0]]

    def reparameterization():
        mu, log_var = keras.Input((2,)), keras.Input((2,))
        model = keras.Model([mu, log_var], vae.Reparameterization(seed=0)([mu, log_var]))
        return model, [RNG.normal(size=(4, 2)).astype("float32"), np.full((4, 2), -60.0, "float32")]

    table = {
        "LocalResponseNorm": lambda: around(blocks.LocalResponseNorm(), 4, 4, 3),
        "AvgPool2D": lambda: around(layers.AvgPool2D(), 4, 4, 2),
        "Conv2D": lambda: around(layers.Conv2D(2, 3, padding="same"), 5, 5, 1),
        "MaxPool2D": lambda: around(layers.MaxPool2D(), 4, 4, 2),
        "CutMixModel": lambda: (
            cnn_regularization.CutMixModel(build_architecture("lenet5", (8, 8, 1), 2), seed=0), images()),
        "Cutout": lambda: around(cnn_regularization.Cutout(seed=0), 6, 6, 1),
        "DropBlock2D": lambda: around(cnn_regularization.DropBlock2D(0.2, seed=0), 6, 6, 2),
        "SpatialDropout2D": lambda: around(cnn_regularization.SpatialDropout2D(0.2, seed=0), 6, 6, 2),
        **{name: (lambda name=name: around(getattr(activations, name)(), 5))
           for name in ("ELU", "GeneralizedReLU", "ReLU", "Sigmoid", "Swish", "Tanh")},
        "BinaryCrossentropy": lambda: with_loss(losses.BinaryCrossentropy(), [[0.0], [1.0], [1.0], [0.0]], 1,
                                                "sigmoid"),
        "CategoricalCrossentropy": lambda: with_loss(losses.CategoricalCrossentropy(), onehot),
        "Huber": lambda: with_loss(losses.Huber(0.5), onehot, activation=None),
        "MeanAbsoluteError": lambda: with_loss(losses.MeanAbsoluteError(), onehot, activation=None),
        "MeanSquaredError": lambda: with_loss(losses.MeanSquaredError(), onehot, activation=None),
        "SparseCategoricalCrossentropy": lambda: with_loss(losses.SparseCategoricalCrossentropy(), labels),
        "PlaygroundFeatures": lambda: around(mlp.PlaygroundFeatures(("x1", "x2", "x1*x2", "sin(x1)")), 2),
        "RandomFourierFeatures": lambda: around(kernels.RandomFourierFeatures(16, 0.7, seed=3), 2),
        "LinearUnit": lambda: around(units.LinearUnit(3), 4),
        "Softmax": lambda: around(units.Softmax(), 4),
        "Autoencoder": lambda: autoencoder("plain"),
        "GAN": gan,
        "ConditionalGAN": lambda: gan(conditional=True),
        "Pix2Pix": lambda: translator("pix2pix"),
        "CycleGAN": lambda: translator("cyclegan"),
        "MinibatchDiscrimination": lambda: around(tricks.MinibatchDiscrimination(4, 3), 5),
        "VirtualBatchNormalization": lambda: around(tricks.VirtualBatchNormalization(2), 3, 3, 2),
        "Reparameterization": reparameterization,
        "VAE": lambda: autoencoder("vae"),
        "VQVAE": lambda: autoencoder("vqvae"),
        "VectorQuantizer": lambda: around(vqvae.VectorQuantizer(4), 3, 2),
        **{name: (lambda name=name: around(getattr(normalization, name)(**({"groups": 2} if name == "GroupNorm"
                                                                              else {})), 3, 3, 4))
           for name in ("BatchNorm", "GroupNorm", "InstanceNorm", "LayerNorm")},
        **{name: (lambda name=name: with_optimizer(getattr(optimizers, name)(0.05)))
           for name in ("Adagrad", "Adam", "Momentum", "Nesterov", "RMSProp", "SGD")},
        "RandomPointRotation": lambda: around(augmentation.RandomPointRotation(0.1, seed=0), 2),
        "InvertedDropout": lambda: around(dropout.InvertedDropout(0.3, seed=0), 5),
        "BaggingEnsemble": lambda: (BaggingEnsemble((2,), 3, size=2, hidden=(4,), seed=1),
                                    RNG.normal(size=(4, 2)).astype("float32")),
        "MultiTaskNetwork": lambda: (MultiTaskNetwork((2,), 3, hidden=(4,), seed=1),
                                     RNG.normal(size=(4, 2)).astype("float32")),
        "GaussianNoise": lambda: around(noise.GaussianNoise(0.2, seed=0), 5),
        "LabelFlipCrossentropy": lambda: with_loss(noise.LabelFlipCrossentropy(0.0, seed=0), labels),
        "NoisyDense": lambda: around(noise.NoisyDense(3, seed=0), 4),
        "SmoothedSparseCategoricalCrossentropy": lambda: with_loss(noise.SmoothedSparseCategoricalCrossentropy(),
                                                                   labels),
        "L1": lambda: with_regularizer(penalties.L1(0.1)),
        "L1L2": lambda: with_regularizer(penalties.L1L2(0.1, 0.2)),
        "L2": lambda: with_regularizer(penalties.L2(0.1)),
        "RepeatedDense": lambda: around(sharing.RepeatedDense(4, repeats=2), 4),
        "TiedAutoencoder": lambda: around(sharing.TiedAutoencoder(3, seed=0), 6),
        **detection_cases(),
        **transformer_cases(),
        **multimodal_cases(),
        **diffusion_cases(),
        **gan_evolution_cases(),
        **{name: (lambda name=name: around(keras.layers.RNN(getattr(cells, name)(3), return_sequences=True), 5, 2))
           for name in ("GRUCell", "LSTMCell", "VanillaRNNCell")},
        "TruncatedBPTT": truncated_bptt,
        "WithinTolerance": lambda: with_metric(lab.WithinTolerance()),
        "CopiedAccuracy": lambda: with_metric(lab.CopiedAccuracy()),
        "AdditiveAttention": lambda: attending(attention.AdditiveAttention(4)),
        "LocalAttention": lambda: attending(attention.LocalAttention(window=2, units=4)),
        "AttentionLSTMDecoder": lambda: attending_decoder("hard"),
    }
    return {f"toolkit>{name}": build for name, build in table.items()}


# Run in the fresh process: load each file, write what it computes on the saved inputs.
LOAD_ALL = """
import json, os, sys
import toolkit, keras, numpy as np
before = sorted(m for m in sys.modules if m.startswith('toolkit.'))
folder = sys.argv[1]
failed = {}
for name in sorted(n[:-6] for n in os.listdir(folder) if n.endswith('.keras')):
    try:
        model = keras.saving.load_model(os.path.join(folder, name + '.keras'))
        np.savez(os.path.join(folder, name + '.out.npz'),
                 **outputs(model, np.load(os.path.join(folder, name + '.npz'))))
    except Exception as error:
        failed[name] = f"{type(error).__name__}: {str(error)[:300]}"
print(json.dumps({"imported before loading": before, "failed": failed}))
"""


def outputs(model, inputs) -> dict:
    """What a model computes on the saved inputs: its outputs, loss value, penalty, optimizer."""
    x = [inputs[k] for k in sorted(inputs.files) if k.startswith("x")]
    predicted = keras.tree.flatten(model(x if len(x) > 1 else x[0], training=False))
    result = {f"out{i}": keras.ops.convert_to_numpy(p) for i, p in enumerate(predicted)}
    if "y" in inputs.files:
        result["loss"] = keras.ops.convert_to_numpy(model.loss(inputs["y"], predicted[0]))
    if model.losses:
        result["penalty"] = keras.ops.convert_to_numpy(sum(model.losses))
    if getattr(model, "optimizer", None) is not None:
        optimizer = type(model.optimizer)
        result["optimizer"] = np.array(f"{optimizer.__module__}.{optimizer.__name__} "
                                       + json.dumps(model.optimizer.get_config(), sort_keys=True, default=str))
    return result


def test_every_registered_class_reloads_after_import_toolkit(tmp_path):
    built = cases()
    assert set(built) == set(saving.MODULE_OF)  # a class added to the table needs a case here
    expected = {}
    for name, build in built.items():
        model, *data = build()
        stem = name.split(">")[1]
        arrays = {f"x{i}": a for i, a in enumerate(data[0] if isinstance(data[0], list) else [data[0]])}
        arrays.update({"y": data[1]} if len(data) > 1 else {})
        np.savez(tmp_path / f"{stem}.npz", **arrays)
        expected[stem] = outputs(model, np.load(tmp_path / f"{stem}.npz"))  # builds the model
        model.save(tmp_path / f"{stem}.keras")
    out = fresh_python(f"import json\nimport numpy as np\n{inspect.getsource(outputs)}\n{LOAD_ALL}", tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"imported before loading": ["toolkit.saving"], "failed": {}}
    for stem, values in expected.items():
        reloaded = dict(np.load(tmp_path / f"{stem}.out.npz"))
        assert set(reloaded) == set(values), stem
        for key, value in values.items():
            if value.dtype.kind in "US":
                assert reloaded[key] == value, stem
            else:
                np.testing.assert_allclose(reloaded[key], value, rtol=1e-6, atol=1e-6, err_msg=stem)


# -- one sentence for what a file needs ----------------------------------------------
def fake_keras_file(path, *objects):
    """A .keras archive whose config names `objects` (module, class name, registered name)."""
    layers = [{"module": m, "class_name": c, "config": {}, "registered_name": r} for m, c, r in objects]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps({"module": "keras", "class_name": "Sequential",
                                                    "config": {"layers": layers}, "registered_name": None}))
    return path


def test_load_model_names_the_missing_class_in_one_sentence(tmp_path):
    path = fake_keras_file(tmp_path / "model.keras", ("notebook_code", "Sharpen", "notebook>Sharpen"),
                           ("keras.layers", "Dense", None))
    with pytest.raises(ValueError) as error:
        toolkit.load_model(path)
    message = str(error.value)
    assert message.startswith("model.keras needs `notebook_code.Sharpen` (registered as 'notebook>Sharpen')")
    assert "not a toolkit class; import the module that defines it" in message and "\n" not in message
    path = fake_keras_file(tmp_path / "old.keras", ("toolkit.cnn.layers", "Conv3D", "toolkit>Conv3D"))
    with pytest.raises(ValueError, match=r"^old.keras needs `toolkit.cnn.layers.Conv3D`, which this process "
                                         r"lacks: it is not defined by this toolkit version"):
        toolkit.load_model(path)
    assert saving.lacking("m.keras", {"toolkit>A": "toolkit.x.A", "nb>B": "nb.B", "nb>C": "nb.C"},
                          ["toolkit>A", "nb>B", "nb>C"]) == (
        "m.keras needs `toolkit.x.A`, `nb.B` (registered as 'nb>B') and `nb.C` (registered as 'nb>C'), "
        "which this process lacks: `toolkit.x.A` is not defined by this toolkit version; load the file with "
        "the toolkit version that saved it; `nb.B` and `nb.C` are not toolkit classes; import the modules "
        "that define them (registered with @keras.saving.register_keras_serializable) or pass them in "
        "`custom_objects`.")


def test_load_model_reads_the_classes_a_file_names(tmp_path):
    model, x = around(blocks.LocalResponseNorm(), 4, 4, 3)
    model.save(tmp_path / "lrn.keras")
    assert saving.saved_classes(tmp_path / "lrn.keras") == {
        "toolkit>LocalResponseNorm": "toolkit.cnn.blocks.LocalResponseNorm"}
    np.testing.assert_allclose(toolkit.load_model(tmp_path / "lrn.keras")(x), model(x), rtol=1e-6)
