"""Reloading ``.keras`` files that hold toolkit classes, without importing every chapter first.

Keras rebuilds a saved object from its registered name (``"toolkit>Conv2D"``), looked up in
``keras.saving.get_custom_objects()``; a class is in that dictionary only once the module that
defines it has run its ``@keras.saving.register_keras_serializable(package="toolkit")``.
Importing every chapter would cost seconds at ``import toolkit``, so ``REGISTERED`` names the
module of every registered toolkit class instead, and each name is entered as a ``Deferred``
stand-in whose ``from_config`` imports that module (which replaces the stand-in by the real
class) and builds the object with the real class. The stand-ins are entered as soon as Keras
is imported (a ``sys.meta_path`` entry runs ``register_deferred`` once ``keras`` has loaded),
so ``import toolkit`` itself imports neither TensorFlow nor Keras, and then

    import toolkit, keras
    model = keras.saving.load_model("model.keras")      # any toolkit model or layer

works in a fresh process. ``toolkit.load_model`` does the same and, when the file needs a
class this process lacks (not a toolkit class, or one this toolkit version does not define),
says so in one sentence before Keras starts rebuilding.
``tests/test_saving.py`` keeps ``REGISTERED`` equal to the classes the toolkit registers.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import zipfile

PACKAGE = "toolkit"

# module -> the classes it registers with package="toolkit" (tests/test_saving.py checks this table)
REGISTERED = {
    "toolkit.cnn.blocks": ("LocalResponseNorm",),
    "toolkit.cnn.layers": ("AvgPool2D", "Conv2D", "MaxPool2D"),
    "toolkit.cnn.regularization": ("CutMixModel", "Cutout", "DropBlock2D", "SpatialDropout2D"),
    "toolkit.diffusion.ddpm": ("DDPM",),
    "toolkit.diffusion.unet": ("MaskedMean", "TimeEmbedding"),
    "toolkit.detection.faster_rcnn": ("FasterRCNN", "RegionProposalNetwork"),
    "toolkit.detection.mask_rcnn": ("MaskHead", "MaskRCNN"),
    "toolkit.detection.rcnn": ("FastRCNN", "RCNN"),
    "toolkit.detection.roi": ("RoiAlign", "RoiPooling"),
    "toolkit.detection.two_stage": ("BoxHead",),
    "toolkit.detection.yolo": ("YOLO",),
    "toolkit.ffnn.activations": ("ELU", "GeneralizedReLU", "ReLU", "Sigmoid", "Swish", "Tanh"),
    "toolkit.ffnn.losses": ("BinaryCrossentropy", "CategoricalCrossentropy", "Huber", "MeanAbsoluteError",
                            "MeanSquaredError", "SparseCategoricalCrossentropy"),
    "toolkit.ffnn.kernels": ("RandomFourierFeatures",),
    "toolkit.ffnn.mlp": ("PlaygroundFeatures",),
    "toolkit.ffnn.units": ("LinearUnit", "Softmax"),
    "toolkit.generative.autoencoder": ("Autoencoder",),
    "toolkit.generative.drag": ("DragGAN",),
    "toolkit.generative.gan": ("ConditionalGAN", "GAN"),
    "toolkit.generative.image_to_image": ("CycleGAN", "Pix2Pix"),
    "toolkit.generative.progan": ("EqualizedConv2D", "EqualizedDense", "FadeIn", "MinibatchStdDev", "PixelNorm",
                                  "ProgressiveGAN"),
    "toolkit.generative.stylegan": ("AdaIN", "ConstantInput", "MappingNetwork", "MixingRegularization", "NoiseInput",
                                    "StyleGAN", "StyleGenerator"),
    "toolkit.generative.text_gan": ("SentenceEmbedding", "TextGAN"),
    "toolkit.generative.tricks": ("MinibatchDiscrimination", "VirtualBatchNormalization"),
    "toolkit.generative.vae": ("Reparameterization", "VAE"),
    "toolkit.generative.vqvae": ("VQVAE", "VectorQuantizer"),
    "toolkit.multimodal.beit": ("MaskedTokenModel",),
    "toolkit.multimodal.clip": ("CLIP", "LogitScaleClip", "TextEncoder"),
    "toolkit.multimodal.coca": ("AttentionalPooler", "CausalBlock", "CoCa"),
    "toolkit.multimodal.dino": ("BatchStatisticsNormalization", "Dino", "DinoHead", "DinoNetwork", "PatchEncoder"),
    "toolkit.multimodal.filip": ("FILIP",),
    "toolkit.multimodal.fine_grained": ("TokenProjectionHead",),
    "toolkit.multimodal.flamingo": ("GatedCrossAttentionDense", "PerceiverResampler"),
    "toolkit.multimodal.flip": ("FLIP", "PatchDrop"),
    "toolkit.multimodal.stair": ("STAIR",),
    "toolkit.multimodal.imagebind": ("SoundBinder",),
    "toolkit.multimodal.interface": ("FlamingoMini", "FrozenPrefix"),
    "toolkit.multimodal.language": ("ShapesLM",),
    "toolkit.multimodal.mae_lab": ("SupervisedEncoder",),
    "toolkit.multimodal.masked": ("MaskedAutoencoder",),
    "toolkit.multimodal.prompts": ("PromptLearner",),
    "toolkit.optim.normalization": ("BatchNorm", "GroupNorm", "InstanceNorm", "LayerNorm"),
    "toolkit.optim.optimizers": ("Adagrad", "Adam", "Momentum", "Nesterov", "RMSProp", "SGD"),
    "toolkit.regularization.augmentation": ("RandomPointRotation",),
    "toolkit.regularization.dropout": ("InvertedDropout",),
    "toolkit.regularization.ensembles": ("BaggingEnsemble",),
    "toolkit.regularization.multitask": ("MultiTaskNetwork",),
    "toolkit.regularization.noise": ("GaussianNoise", "LabelFlipCrossentropy", "NoisyDense",
                                     "SmoothedSparseCategoricalCrossentropy"),
    "toolkit.regularization.penalties": ("L1", "L1L2", "L2"),
    "toolkit.regularization.sharing": ("RepeatedDense", "TiedAutoencoder"),
    "toolkit.rnn.bptt": ("TruncatedBPTT",),
    "toolkit.rnn.cells": ("GRUCell", "LSTMCell", "VanillaRNNCell"),
    "toolkit.rnn.lab": ("CopiedAccuracy", "WithinTolerance"),
    "toolkit.sequence.attention": ("AdditiveAttention", "LocalAttention"),
    "toolkit.sequence.captioning": ("AttentionLSTMDecoder",),
    "toolkit.transformers.attention": ("DecoderBlock", "EncoderBlock", "MultiHeadAttention",
                                       "SinusoidalPositionEncoding"),
    "toolkit.transformers.convs2s": ("ConvAttention", "GatedConv1D", "TokenAndLearnedPosition"),
    "toolkit.transformers.tcn": ("CausalConv1D", "LastStep", "TemporalBlock"),
    "toolkit.transformers.transformer": ("TokenAndPosition",),
    "toolkit.transformers.vision": ("ClassToken", "ClassTokenOutput", "PatchEmbedding", "PatchMerging",
                                    "PositionEmbedding", "SwinBlock", "WindowAttention"),
}
MODULE_OF = {f"{PACKAGE}>{name}": module for module, names in REGISTERED.items() for name in names}
# Classes of these packages Keras imports by their module path; they need no registration.
IMPORTED_BY_KERAS = ("keras", "keras_hub", "keras_cv", "keras_nlp", "builtins")


class Deferred:
    """Stands for a registered toolkit class until its module is imported.

    Keras calls ``from_config`` on whatever a registered name maps to; this one imports
    ``module`` (whose decorator then puts the real class in place of this stand-in) and
    hands the config to the real class.
    """

    def __init__(self, registered_name: str, module: str):
        self.registered_name, self.module = registered_name, module

    def resolve(self) -> type:
        """The real class, from its module."""
        cls = getattr(importlib.import_module(self.module), self.registered_name.split(">", 1)[1], None)
        if not isinstance(cls, type):
            raise ImportError(f"`{self.module}` defines no class '{self.registered_name}': "
                              f"toolkit.saving.REGISTERED is out of date.")
        return cls

    def from_config(self, config):
        return self.resolve().from_config(config)

    def __repr__(self):
        return f"<toolkit class '{self.registered_name}', imported from {self.module} on first use>"


def register_deferred(registry: dict) -> None:
    """Enters a ``Deferred`` for every toolkit name not yet in ``registry`` (Keras's custom objects)."""
    for name, module in MODULE_OF.items():
        registry.setdefault(name, Deferred(name, module))


class _AfterKerasImport:
    """A ``sys.meta_path`` entry that finds no module itself.

    When ``keras`` is imported for the first time it takes itself out of ``sys.meta_path``,
    lets the other finders find Keras, and makes Keras's loader call
    ``register_deferred`` once the package has run.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("keras")
        if spec is not None and spec.loader is not None:
            spec.loader.exec_module = _then_register(spec.loader.exec_module)
        return spec


def _then_register(exec_module):
    def run(module):
        exec_module(module)
        register_deferred(module.saving.get_custom_objects())

    return run


def register_on_keras_import() -> None:
    """Registers the toolkit's names now if Keras is loaded, else as soon as it is (cheap: imports nothing)."""
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "saving"):
        register_deferred(keras.saving.get_custom_objects())
    elif not any(isinstance(finder, _AfterKerasImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterKerasImport())


def load_model(path, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True):
    """``keras.saving.load_model(path, ...)``, saying first in one sentence what the file needs
    that this process lacks.

    The toolkit modules of the toolkit classes the file names are imported first; any other
    custom class must be registered (its module imported) or passed in ``custom_objects``.
    """
    import keras  # here, not at the top: importing toolkit must not import TensorFlow

    if zipfile.is_zipfile(path):
        classes = saved_classes(path)
        for name in classes.keys() & MODULE_OF.keys():
            importlib.import_module(MODULE_OF[name])
        missing = [name for name in classes
                   if keras.saving.get_registered_object(name, custom_objects=custom_objects) is None]
        if missing:
            raise ValueError(lacking(os.path.basename(os.fspath(path)), classes, missing))
    return keras.saving.load_model(path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_uncompiled(model, path, **facts) -> None:
    """Writes `model` to `path` (.keras) without its optimizer state (which would double the file) and `facts`
    to `path` with the suffix .json; each file is written beside its place and renamed into it, so a
    reader never sees half a file. For the models the toolkit ships as package data."""
    import tempfile
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = type(model).from_config(model.get_config())  # uncompiled: clone_model would keep the compile state
    if not plain.built:
        plain.build()
    plain.set_weights(model.get_weights())
    for target, write in ((path, plain.save), (path.with_suffix(".json"),
                                                lambda name: Path(name).write_text(json.dumps(facts, indent=2) + "\n"))):
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=target.suffix)
        os.close(handle)
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp makes files private; shipped models are not secret
        os.replace(temporary, target)


def saved_classes(path) -> dict[str, str]:
    """Registered name -> ``module.ClassName`` of every custom class a ``.keras`` file names."""
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    found = {}
    _collect_classes(config, found)
    return found


def _collect_classes(node, found: dict) -> None:
    if isinstance(node, dict):
        module, class_name = node.get("module"), node.get("class_name")
        if isinstance(module, str) and isinstance(class_name, str) and "config" in node \
                and module.split(".")[0] not in IMPORTED_BY_KERAS:
            name = node.get("registered_name") or class_name
            found[name] = f"{module}.{node['config'] if class_name == 'function' else class_name}"
        for value in node.values():
            _collect_classes(value, found)
    elif isinstance(node, list):
        for value in node:
            _collect_classes(value, found)


def lacking(file_name: str, classes: dict[str, str], missing: list[str]) -> str:
    """One sentence: the classes of `file_name` this process lacks, and what to do about each kind."""
    described = [f"`{classes[n]}`" + ("" if _is_toolkit(n) else f" (registered as '{n}')") for n in missing]
    ours = [n for n in missing if _is_toolkit(n)]
    theirs = [n for n in missing if not _is_toolkit(n)]

    def subject(names):
        if len(names) == len(missing):
            return "it is" if len(names) == 1 else "they are"
        return f"{_and_list([f'`{classes[n]}`' for n in names])} {'is' if len(names) == 1 else 'are'}"

    reasons = [f"{subject(ours)} not defined by this toolkit version; load the file with the toolkit "
               f"version that saved it"] if ours else []
    if theirs:
        one = len(theirs) == 1
        reasons.append(f"{subject(theirs)} not {'a toolkit class' if one else 'toolkit classes'}; import the "
                       f"{'module that defines it' if one else 'modules that define them'} (registered with "
                       f"@keras.saving.register_keras_serializable) or pass {'it' if one else 'them'} in "
                       f"`custom_objects`")
    return f"{file_name} needs {_and_list(described)}, which this process lacks: {'; '.join(reasons)}."


def _is_toolkit(name: str) -> bool:
    return name.startswith(f"{PACKAGE}>")


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
