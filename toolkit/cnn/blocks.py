"""The building blocks of the classic CNN architectures, as functional-API pieces.

Each block adds named Keras layers to a graph, so a built model shows every convolution
(feature maps and filters can be read layer by layer):

    conv_bn_relu          Conv → BatchNorm → ReLU
    LocalResponseNorm     AlexNet:   b_c = a_c / (k + α Σ_{|c' − c| ≤ r} a_{c'}²)^β            (1)
    inception_module      GoogLeNet: concat(1×1, 1×1→3×3, 1×1→5×5, 3×3 max pool→1×1)          (2)
    residual_block        ResNet:    y = ReLU(F(x) + shortcut(x)), F = 3×3 conv-BN-ReLU-3×3 conv-BN;
                          shortcut = x (identity) or a 1×1 conv with stride + BN (projection)  (3)
    dense_block           DenseNet:  x_l = H_l([x_0, x_1, ..., x_{l−1}]), H = BN-ReLU-3×3 conv (4)
    transition            DenseNet:  BN-ReLU-1×1 conv (θ·C channels) - 2×2 average pool        (5)
    depthwise_separable   MobileNet: 3×3 depthwise conv-BN-ReLU then 1×1 pointwise conv-BN-ReLU (6)

``LayerFactory`` makes the convolutions and poolings (Keras built-ins, or the from-scratch
im2col layers of ``toolkit.cnn.layers`` with ``conv="toolkit"``) and adds the regularizers
of a ``Regularizers`` config: Cutout on the input, spatial dropout / DropBlock at the end
of every stage.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from toolkit.cnn import layers as scratch
from toolkit.cnn.regularization import Cutout, DropBlock2D, Regularizers, SpatialDropout2D
from toolkit.validation import check_choice, check_int

CONV_IMPLEMENTATIONS = ("keras", "toolkit")


class LayerFactory:
    """Convolutions, poolings and regularizers for one model, with unique readable names.

    Args:
        conv: "keras" (``keras.layers.Conv2D`` and pooling layers) or "toolkit" (the im2col
            layers of ``toolkit.cnn.layers``, written from scratch).
        regularizers: a ``Regularizers`` config (None: no regularizer).
        seed: seed of the random regularizers.
        bn_momentum: momentum of the BatchNorm moving averages; 0.9 (not Keras' 0.99) so that
            the test-time statistics catch up within the few epochs a class can afford.
    """

    def __init__(self, conv: str = "keras", regularizers: Regularizers | None = None, seed: int | None = None,
                 bn_momentum: float = 0.9):
        self.toolkit = check_choice("conv", conv, CONV_IMPLEMENTATIONS) == "toolkit"
        self.regularizers = regularizers or Regularizers()
        self.seed = seed
        self.bn_momentum = bn_momentum
        self._layers_seeded = 0

    def next_seed(self):
        """A different seed for every random layer (None stays None)."""
        self._layers_seeded += 1
        return None if self.seed is None else self.seed + self._layers_seeded

    def conv(self, x, filters, kernel_size, strides=1, padding="same", activation="relu", name=None,
             use_bias=True):
        make = scratch.Conv2D if self.toolkit else layers.Conv2D
        return make(filters, kernel_size, strides=strides, padding=padding, activation=activation,
                    use_bias=use_bias, name=name)(x)

    def batch_norm(self, x, name):
        return layers.BatchNormalization(momentum=self.bn_momentum, name=name)(x)

    def pool(self, x, kind, pool_size=2, strides=None, padding="same", name=None):
        """Max (``kind="max"``) or average pooling; "same" padding keeps tiny maps alive (8×8 digits)."""
        if self.toolkit:
            make = scratch.MaxPool2D if kind == "max" else scratch.AvgPool2D
        else:
            make = layers.MaxPooling2D if kind == "max" else layers.AveragePooling2D
        return make(pool_size, strides=strides, padding=padding, name=name)(x)

    def augment_input(self, inputs):
        """Cutout on the input images when the config asks for it (training only)."""
        if self.regularizers.cutout > 0:
            return Cutout(self.regularizers.cutout, seed=self.next_seed(), name="cutout")(inputs)
        return inputs

    def stage_end(self, x, name):
        """Spatial dropout and/or DropBlock after a stage (training only)."""
        reg = self.regularizers
        if reg.spatial_dropout > 0:
            x = SpatialDropout2D(reg.spatial_dropout, seed=self.next_seed(), name=f"{name}_spatial_dropout")(x)
        if reg.dropblock > 0:
            x = DropBlock2D(reg.dropblock, reg.block_size, seed=self.next_seed(), name=f"{name}_dropblock")(x)
        return x


def conv_bn_relu(f: LayerFactory, x, filters, kernel_size, strides=1, name="conv"):
    """Conv (no bias: BatchNorm's β replaces it) → BatchNorm → ReLU."""
    x = f.conv(x, filters, kernel_size, strides, activation=None, use_bias=False, name=name)
    x = f.batch_norm(x, f"{name}_bn")
    return layers.ReLU(name=f"{name}_relu")(x)


@keras.saving.register_keras_serializable(package="toolkit")
class LocalResponseNorm(keras.layers.Layer):
    """Eq. 1, AlexNet's local response normalization across channels; mirrors ``tf.nn.local_response_normalization``.

    Args:
        depth_radius: r, neighbours on each side (AlexNet: n = 2r + 1 = 5).
        bias: k. alpha: α. beta: β (AlexNet: k = 2, α = 1e-4, β = 0.75).
    """

    def __init__(self, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        self.depth_radius = check_int("depth_radius", depth_radius, 0)
        self.bias, self.alpha, self.beta = float(bias), float(alpha), float(beta)

    def call(self, inputs):
        r, channels = self.depth_radius, inputs.shape[-1]
        squares = ops.pad(ops.square(inputs), [(0, 0)] * 3 + [(r, r)])  # zeros beyond the first/last channel
        # Σ over the 2r + 1 neighbouring channels c' of a_{c'}²
        window = sum(squares[..., i:i + channels] for i in range(2 * r + 1))
        return inputs / ops.power(self.bias + self.alpha * window, self.beta)  # Eq. 1

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "depth_radius": self.depth_radius, "bias": self.bias,
                "alpha": self.alpha, "beta": self.beta}


def inception_module(f: LayerFactory, x, b1, b3_reduce, b3, b5_reduce, b5, pool_proj, name):
    """Eq. 2: four parallel branches concatenated along the channels (b1 + b3 + b5 + pool_proj of them)."""
    branch1 = f.conv(x, b1, 1, name=f"{name}_1x1")
    branch3 = f.conv(f.conv(x, b3_reduce, 1, name=f"{name}_3x3_reduce"), b3, 3, name=f"{name}_3x3")
    branch5 = f.conv(f.conv(x, b5_reduce, 1, name=f"{name}_5x5_reduce"), b5, 5, name=f"{name}_5x5")
    pooled = f.pool(x, "max", 3, strides=1, name=f"{name}_pool")
    branch_pool = f.conv(pooled, pool_proj, 1, name=f"{name}_pool_proj")
    return layers.Concatenate(name=f"{name}_concat")([branch1, branch3, branch5, branch_pool])


def residual_block(f: LayerFactory, x, filters, strides=1, name="res"):
    """Eq. 3: identity shortcut when the shape is kept, a 1×1 projection when it changes."""
    y = conv_bn_relu(f, x, filters, 3, strides, name=f"{name}_conv1")
    y = f.conv(y, filters, 3, activation=None, use_bias=False, name=f"{name}_conv2")
    y = f.batch_norm(y, f"{name}_conv2_bn")
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:  # projection shortcut: W_s x
        shortcut = f.conv(x, filters, 1, strides, activation=None, use_bias=False, name=f"{name}_projection")
        shortcut = f.batch_norm(shortcut, f"{name}_projection_bn")
    y = layers.Add(name=f"{name}_add")([y, shortcut])  # Eq. 3: F(x) + shortcut(x)
    return layers.ReLU(name=f"{name}_out")(y)


def dense_block(f: LayerFactory, x, num_layers, growth_rate, name):
    """Eq. 4: each layer adds `growth_rate` maps computed from all earlier maps."""
    for index in range(1, num_layers + 1):
        y = f.batch_norm(x, f"{name}_layer{index}_bn")
        y = layers.ReLU(name=f"{name}_layer{index}_relu")(y)
        y = f.conv(y, growth_rate, 3, activation=None, name=f"{name}_layer{index}_conv")
        x = layers.Concatenate(name=f"{name}_layer{index}_concat")([x, y])  # Eq. 4: [x_0, ..., x_l]
    return x


def transition(f: LayerFactory, x, compression, name):
    """Eq. 5: shrink the channels by θ = `compression` and halve the map."""
    x = layers.ReLU(name=f"{name}_relu")(f.batch_norm(x, f"{name}_bn"))
    x = f.conv(x, max(1, int(x.shape[-1] * compression)), 1, activation=None, name=f"{name}_conv")
    return f.pool(x, "average", 2, name=f"{name}_pool")


def depthwise_separable(f: LayerFactory, x, filters, strides=1, name="ds"):
    """Eq. 6: one 3×3 filter per channel, then a 1×1 convolution that mixes the channels."""
    x = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False, name=f"{name}_depthwise")(x)
    x = f.batch_norm(x, f"{name}_depthwise_bn")
    x = layers.ReLU(name=f"{name}_depthwise_relu")(x)
    return conv_bn_relu(f, x, filters, 1, name=f"{name}_pointwise")
