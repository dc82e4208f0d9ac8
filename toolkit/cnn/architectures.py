"""Seven CNN architectures for classification, faithful in structure, scaled to 28×28 glyphs and 8×8 digits.

Each builder keeps the structure that made its architecture famous (the layer types, their
order, the block that was new) and shrinks the widths so that a laptop trains it in
seconds to minutes. Poolings use "same" padding so the 8×8 digits survive every stage
(a 1×1 map stays 1×1). Each docstring gives the year, the key idea and the parameter count
of the scaled model for 10 classes (``count_params()``, BatchNorm's moving statistics
included); ``tests/cnn/test_architectures.py`` checks the counts.

    name        year  key idea                                      original  (params)
    lenet5      1998  convolution + subsampling, trained end to end  LeNet-5   (60 k)
    alexnet     2012  deep + wide, ReLU, dropout, overlapping pools   AlexNet   (61 M)
    vgg         2014  only 3×3 convolutions, in blocks                VGG-16    (138 M)
    googlenet   2014  Inception module, 1×1 bottlenecks, global pool  GoogLeNet (6.8 M)
    resnet      2015  residual blocks y = F(x) + x                    ResNet-50 (25.6 M)
    densenet    2017  dense blocks: every layer sees all earlier maps DenseNet-121 (8.0 M)
    mobilenet   2017  depthwise-separable convolutions                MobileNet (4.2 M)

``classifier(name, ...)`` builds and compiles one (Adam, cross-entropy, accuracy);
``build_architecture`` returns it uncompiled; ``ARCHITECTURES`` holds the facts the page shows.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Callable

import keras
from keras import layers

from toolkit.cnn.blocks import (
    LayerFactory, LocalResponseNorm, conv_bn_relu, dense_block, depthwise_separable, inception_module,
    residual_block, transition,
)
from toolkit.cnn.regularization import CutMixModel, Regularizers
from toolkit.validation import check_choice, check_float, check_int


# ---------------------------------------------------------------- the seven builders
def lenet5(inputs, num_classes, f: LayerFactory):
    """LeNet-5 (LeCun, Bottou, Bengio & Haffner, 1998).

    Key idea: convolutions with shared weights extract local features, subsampling
    (average pooling) makes them tolerant to small shifts, and the whole stack is trained end
    to end by backpropagation, here on handwritten digits as in the paper.
    Structure: C1 6@5×5 (same: the paper padded MNIST to 32×32) - S2 avg pool - C3 16@5×5 -
    S4 avg pool - C5 120@5×5 (covers the whole map) - F6 84 - output; tanh throughout.
    On small inputs C3 keeps the size ("same") and C5 shrinks to the map's side.
    Parameters: 61,706 on 28×28×1, 21,386 on 8×8×1 (10 classes); the original had about 60 thousand.
    """
    x = f.conv(inputs, 6, 5, padding="same", activation="tanh", name="C1")
    x = f.stage_end(f.pool(x, "average", 2, padding="valid", name="S2"), "S2")
    c3_padding = "valid" if x.shape[1] >= 10 else "same"
    x = f.conv(x, 16, 5, padding=c3_padding, activation="tanh", name="C3")
    x = f.stage_end(f.pool(x, "average", 2, padding="valid", name="S4"), "S4")
    x = f.conv(x, 120, min(5, x.shape[1]), padding="valid", activation="tanh", name="C5")
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(84, activation="tanh", name="F6")(x)
    return layers.Dense(num_classes, activation="softmax", name="output")(x)


def alexnet(inputs, num_classes, f: LayerFactory):
    """AlexNet (Krizhevsky, Sutskever & Hinton, 2012).

    Key idea: a much deeper and wider CNN made trainable by ReLU activations, dropout in the
    fully connected layers, overlapping max pooling (3×3, stride 2), local response
    normalization and GPUs; it won ImageNet 2012 by a wide margin and started the deep-learning era.
    Structure: 5 conv layers (5×5, 5×5, 3×3, 3×3, 3×3; the paper's first is 11×11 stride 4
    on 224×224), LRN after the first two, overlapping max pools after conv 1, 2 and 5, then
    FC-dropout-FC-dropout-output (4096 wide in the paper, 256 here).
    Parameters: 576,650 on 28×28×1, 330,890 on 8×8×1 (10 classes); the original had 61 million.
    """
    x = f.conv(inputs, 32, 5, name="conv1")
    x = f.stage_end(f.pool(LocalResponseNorm(name="conv1_lrn")(x), "max", 3, 2, name="pool1"), "pool1")
    x = f.conv(x, 64, 5, name="conv2")
    x = f.stage_end(f.pool(LocalResponseNorm(name="conv2_lrn")(x), "max", 3, 2, name="pool2"), "pool2")
    x = f.conv(x, 96, 3, name="conv3")
    x = f.conv(x, 96, 3, name="conv4")
    x = f.conv(x, 64, 3, name="conv5")
    x = f.stage_end(f.pool(x, "max", 3, 2, name="pool5"), "pool5")
    x = layers.Flatten(name="flatten")(x)
    for index in (6, 7):
        x = layers.Dense(256, activation="relu", name=f"fc{index}")(x)
        x = layers.Dropout(0.5, name=f"fc{index}_dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name="output")(x)


def vgg(inputs, num_classes, f: LayerFactory):
    """VGG (Simonyan & Zisserman, 2014).

    Key idea: depth from one simple rule: only 3×3 convolutions (two stacked see 5×5, three
    see 7×7, with fewer weights and more non-linearities), in blocks that end with a 2×2 max
    pool, the channels doubling from block to block.
    Structure: blocks [16, 16] - pool - [32, 32] - pool - [64, 64] - pool, then FC-dropout-FC-
    dropout-output (VGG-16: 5 blocks from 64 to 512 channels and two 4096-wide FC layers).
    Parameters: 220,794 on 28×28×1, 97,914 on 8×8×1 (10 classes); VGG-16 had 138 million.
    """
    x = inputs
    for block, filters in enumerate((16, 32, 64), start=1):
        for index in (1, 2):
            x = f.conv(x, filters, 3, name=f"block{block}_conv{index}")
        x = f.stage_end(f.pool(x, "max", 2, name=f"block{block}_pool"), f"block{block}")
    x = layers.Flatten(name="flatten")(x)
    for index in (1, 2):
        x = layers.Dense(128, activation="relu", name=f"fc{index}")(x)
        x = layers.Dropout(0.5, name=f"fc{index}_dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name="output")(x)


def googlenet(inputs, num_classes, f: LayerFactory):
    """GoogLeNet (Szegedy et al., 2014), built from Inception modules.

    Key idea: the Inception module runs 1×1, 3×3 and 5×5 convolutions and a 3×3 max pool side
    by side and concatenates them, so the network picks the scale; cheap 1×1 "bottleneck"
    convolutions shrink the channels before the big kernels, and global average pooling
    replaces the large fully connected layers (12× fewer parameters than AlexNet).
    Structure: stem conv 3×3 - max pool - Inception 3a, 3b - max pool - Inception 4a -
    global average pool - dropout 0.4 - output (the paper stacks 9 modules).
    Parameters: 42,206 on 28×28×1 and on 8×8×1 (10 classes); the original had 6.8 million.
    """
    x = f.conv(inputs, 32, 3, name="stem_conv")
    x = f.stage_end(f.pool(x, "max", 3, 2, name="stem_pool"), "stem")
    x = inception_module(f, x, 16, 16, 24, 4, 8, 8, name="inception3a")
    x = inception_module(f, x, 24, 24, 32, 8, 16, 16, name="inception3b")
    x = f.stage_end(f.pool(x, "max", 3, 2, name="pool3"), "pool3")
    x = inception_module(f, x, 32, 24, 48, 8, 16, 16, name="inception4a")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    return layers.Dense(num_classes, activation="softmax", name="output")(x)


def resnet(inputs, num_classes, f: LayerFactory):
    """ResNet (He, Zhang, Ren & Sun, 2015).

    Key idea: residual blocks learn a correction F(x) and add the input back, y = F(x) + x;
    the identity shortcut lets the gradient flow straight through, so networks of 50 to 152
    layers train where plain ones degrade. Where a block halves the map and doubles the
    channels, a 1×1 convolution with stride 2 projects the shortcut (projection shortcut).
    Structure (ResNet-8): stem conv 3×3 16 - 3×3 max pool, stride 2 (ResNet's stem: 7×7 conv
    and max pool) - identity block (16) - projection block (32, stride 2) - projection block
    (64, stride 2) - global average pool - output (ResNet-50: 16 bottleneck blocks).
    Parameters: 78,426 on 28×28×1 and on 8×8×1 (10 classes); ResNet-50 had 25.6 million.
    """
    x = f.pool(conv_bn_relu(f, inputs, 16, 3, name="stem"), "max", 3, 2, name="stem_pool")
    x = f.stage_end(residual_block(f, x, 16, 1, name="stage1_identity"), "stage1")
    x = f.stage_end(residual_block(f, x, 32, 2, name="stage2_projection"), "stage2")
    x = f.stage_end(residual_block(f, x, 64, 2, name="stage3_projection"), "stage3")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    return layers.Dense(num_classes, activation="softmax", name="output")(x)


def densenet(inputs, num_classes, f: LayerFactory):
    """DenseNet (Huang, Liu, van der Maaten & Weinberger, 2017).

    Key idea: inside a dense block every layer receives the concatenated feature maps of all
    the layers before it, x_l = H_l([x_0, ..., x_{l−1}]); features are reused, so each layer
    adds only a few maps (the growth rate k); transition layers (BN-ReLU-1×1 conv halving the
    channels, 2×2 average pool) connect the blocks.
    Structure: stem conv 3×3 (2k) - 3×3 max pool, stride 2 - dense block (4 layers, k = 12) -
    transition - dense block - transition - dense block - BN-ReLU - global average pool -
    output (DenseNet-121: blocks of 6, 12, 24, 16 layers with 1×1 bottlenecks, k = 32).
    Parameters: 78,364 on 28×28×1 and on 8×8×1 (10 classes); DenseNet-121 had 8.0 million.
    """
    growth = 12
    x = f.pool(f.conv(inputs, 2 * growth, 3, activation=None, name="stem_conv"), "max", 3, 2, name="stem_pool")
    for block in (1, 2, 3):
        x = dense_block(f, x, 4, growth, name=f"dense{block}")
        if block < 3:
            x = f.stage_end(transition(f, x, 0.5, name=f"transition{block}"), f"transition{block}")
    x = layers.ReLU(name="final_relu")(f.batch_norm(x, "final_bn"))
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    return layers.Dense(num_classes, activation="softmax", name="output")(x)


def mobilenet(inputs, num_classes, f: LayerFactory):
    """MobileNet (Howard et al., 2017).

    Key idea: depthwise-separable convolutions: a 3×3 depthwise convolution filters each
    channel on its own, then a 1×1 pointwise convolution mixes the channels; together they
    cost about 1/F + 1/9 of a full 3×3 convolution, which puts CNNs on phones.
    Structure: conv 3×3 16, stride 2 (as the paper's first layer) - depthwise-separable blocks
    32, 64 (stride 2), 64, 128 (stride 2), 128 - global average pool - output (the paper: 13
    blocks, 32 to 1024 channels).
    Parameters: 38,346 on 28×28×1 and on 8×8×1 (10 classes); MobileNet-224 had 4.2 million.
    """
    x = conv_bn_relu(f, inputs, 16, 3, strides=2, name="stem")
    for index, (filters, strides) in enumerate(((32, 1), (64, 2), (64, 1), (128, 2), (128, 1)), start=1):
        x = depthwise_separable(f, x, filters, strides, name=f"ds{index}")
        if strides == 2 or index == 5:
            x = f.stage_end(x, f"ds{index}")
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    return layers.Dense(num_classes, activation="softmax", name="output")(x)


# ---------------------------------------------------------------- registry
@dataclasses.dataclass(frozen=True)
class Architecture:
    """What the page shows about one architecture; `build(inputs, num_classes, factory)` makes its graph.

    `parameters` are the counts of the scaled model with 10 classes on 28×28×1 and 8×8×1
    inputs, as in the builder's docstring (both are checked against ``count_params()``).
    """

    name: str
    title: str
    year: int
    key_idea: str
    original: str
    build: Callable
    parameters: tuple[int, int]

    def row(self) -> dict:
        """One row of the page's table of architectures."""
        return {"name": self.name, "architecture": self.title, "year": self.year, "key idea": self.key_idea,
                "params 28×28": self.parameters[0], "params 8×8": self.parameters[1],
                "original": self.original}


ARCHITECTURES = {a.name: a for a in (
    Architecture("lenet5", "LeNet-5", 1998, "convolution + subsampling with shared weights, trained end to end",
                 "LeNet-5, about 60 thousand parameters", lenet5, (61_706, 21_386)),
    Architecture("alexnet", "AlexNet", 2012, "deep and wide: ReLU, dropout, overlapping max pooling, LRN",
                 "AlexNet, 61 million parameters", alexnet, (576_650, 330_890)),
    Architecture("vgg", "VGG", 2014, "only 3×3 convolutions, stacked in blocks, channels doubling",
                 "VGG-16, 138 million parameters", vgg, (220_794, 97_914)),
    Architecture("googlenet", "GoogLeNet (Inception)", 2014,
                 "Inception module: parallel 1×1, 3×3, 5×5 convs and pooling; 1×1 bottlenecks",
                 "GoogLeNet, 6.8 million parameters", googlenet, (42_206, 42_206)),
    Architecture("resnet", "ResNet", 2015, "residual blocks y = F(x) + x; identity and projection shortcuts",
                 "ResNet-50, 25.6 million parameters", resnet, (78_426, 78_426)),
    Architecture("densenet", "DenseNet", 2017, "dense blocks: each layer sees the maps of all earlier layers",
                 "DenseNet-121, 8.0 million parameters", densenet, (78_364, 78_364)),
    Architecture("mobilenet", "MobileNet", 2017, "depthwise-separable convolutions (depthwise 3×3 + pointwise 1×1)",
                 "MobileNet-224, 4.2 million parameters", mobilenet, (38_346, 38_346)),
)}


def _check_shape(input_shape, num_classes):
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(isinstance(v, numbers.Integral) and v >= 1 for v in shape) \
            or not (8 <= shape[0] <= 64 and 8 <= shape[1] <= 64):
        raise ValueError(f"`input_shape` must be (H, W, C) with H and W in [8, 64], "
                         f"received input_shape={input_shape!r}.")
    check_int("num_classes", num_classes, 2)
    return shape


def build_architecture(name: str, input_shape=(28, 28, 1), num_classes: int = 10, *,
                       regularizers: Regularizers | None = None, conv: str = "keras",
                       seed: int | None = None) -> keras.Model:
    """The uncompiled model `name` for `input_shape` images; a ``CutMixModel`` when ``regularizers.cutmix > 0``.

    Args:
        name: a key of ``ARCHITECTURES``.
        input_shape: (H, W, C), H and W in [8, 64].
        num_classes: number of classes K (the output is a softmax over K).
        regularizers: Cutout / spatial dropout / DropBlock / CutMix settings.
        conv: "keras" or "toolkit" (the from-scratch im2col convolution and pooling layers).
        seed: seed of the random regularizers.
    """
    architecture = ARCHITECTURES[check_choice("name", name, tuple(ARCHITECTURES))]
    shape = _check_shape(input_shape, num_classes)
    regularizers = regularizers or Regularizers()
    factory = LayerFactory(conv, regularizers, seed)
    inputs = keras.Input(shape, name="image")
    outputs = architecture.build(factory.augment_input(inputs), int(num_classes), factory)
    model = keras.Model(inputs, outputs, name=name)
    if regularizers.cutmix > 0:
        return CutMixModel(model, alpha=regularizers.cutmix, seed=seed, name=f"{name}_cutmix")
    return model


def compile_classifier(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    """Adam(`learning_rate`), sparse categorical cross-entropy and accuracy (CutMix brings its own loss)."""
    learning_rate = check_float("learning_rate", learning_rate, 0.0, 1.0, open_low=True)
    optimizer = keras.optimizers.Adam(learning_rate)
    if isinstance(model, CutMixModel):
        model.compile(optimizer)
    else:
        model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def classifier(name: str, input_shape=(28, 28, 1), num_classes: int = 10, *, learning_rate: float = 1e-3,
               regularizers: Regularizers | None = None, conv: str = "keras", seed: int | None = None) -> keras.Model:
    """``build_architecture`` then ``compile_classifier``: a model ready for ``toolkit.train.fit``."""
    model = build_architecture(name, input_shape, num_classes, regularizers=regularizers, conv=conv, seed=seed)
    return compile_classifier(model, learning_rate)


def parameter_counts(input_shape=(28, 28, 1), num_classes: int = 10) -> dict[str, int]:
    """Parameters of every architecture for `input_shape` (built without regularizers)."""
    return {name: build_architecture(name, input_shape, num_classes).count_params() for name in ARCHITECTURES}
