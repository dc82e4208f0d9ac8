"""DCGAN (Radford et al., 2016): the generator and discriminator as the notes list them.

The notes' differences from a classical CNN, each visible in the builders below:

- no pooling: only convolutions with stride (D downsamples with stride-2 Conv2D, G
  upsamples with stride-2 Conv2DTranspose);
- LeakyReLU as activation in D (slope 0.2); G uses ReLU by default, as Radford et al.;
- only one fully connected layer: G's projection of z, D's final score;
- batch normalization after most layers (not after D's first convolution nor on the
  outputs), which "introduces correlation between samples within the minibatch".

Shapes for 28x28 glyphs, F = `filters`, R = `refine_layers`, L = `conv_layers`:

    G: z (B, d) [+ one-hot y (B, K)] -> Dense 7·7·2F -> BN -> ReLU -> (B, 7, 7, 2F)
       -> R x [ConvT(2F, 3, stride 1) -> BN -> ReLU] -> (B, 7, 7, 2F)
       -> ConvT(F, 4, stride 2) -> BN -> ReLU -> (B, 14, 14, F)
       -> R x [ConvT(F, 3, stride 1) -> BN -> ReLU] -> (B, 14, 14, F)
       -> ConvT(C, 4, stride 2), sigmoid -> (B, 28, 28, C) in [0, 1]
    D: x (B, 28, 28, C) [+ y tiled to (B, 28, 28, K)] -> Conv(F, 4, stride 2) -> LReLU
       -> Conv(2F, 4, stride 2) -> BN -> LReLU -> (B, 7, 7, 2F)
       [L = 3: -> Conv(2F, 4, stride 2) -> BN -> LReLU -> (B, 4, 4, 2F)]
       -> Flatten "features" φ [-> MinibatchDiscrimination] -> Dense(1): raw score (B, 1)
       [projection: + ⟨V y, φ⟩, Eq. 1]

A conditional D sees y twice when `projection` is on (Miyato & Koyama, 2018): tiled over the
image as K extra channels, and in the score as the inner product of a learned class embedding
V y (one row of V per class) with D's features φ(x, y):

    D(x, y) = w · φ(x, y) + b + (V y) · φ(x, y)                                         (1)

The tiled channels only reach the score through three convolutions; the projection term makes
"is this a realistic glyph OF CLASS y" a direct question, and the conditional GAN's samples
match their requested class within a few epochs (``benchmarks/gan.py``).

Why R = 1 and L = 3 by default (measured in ``benchmarks/gan.py``): with two convolutions,
each of D's features sees a 10x10 patch and only the final linear layer combines them, so D
judges strokes, not whole characters, and G's samples had plausible strokes in ambiguous
shapes; the third convolution lets every feature see 22x22 pixels. The refining layers give
G a non-linear step at each resolution: at 7x7 a glyph's overall shape is decided, at 14x14
its strokes.

The generator's sigmoid keeps samples in the data's [0, 1] range (DCGAN used tanh on
[-1, 1] data; the two differ by an affine map).
"""

from __future__ import annotations

import keras

from toolkit import validation
from toolkit.generative.tricks import MinibatchDiscrimination, VirtualBatchNormalization

NORMALIZATIONS = ("batch", "virtual", "none")
ACTIVATIONS = ("relu", "leaky_relu")


def _check(image_shape, filters, num_classes, latent_dim=None, conv_layers=2, refine_layers=0):
    if len(image_shape) != 3 or image_shape[0] % 4 or image_shape[1] % 4:
        raise ValueError("`image_shape` must be (H, W, C) with H and W divisible by 4 (two stride-2 "
                         f"layers), received image_shape={tuple(image_shape)}.")
    validation.check_positive_int("filters", filters)
    if validation.check_int("num_classes", num_classes, 0) == 1:
        raise ValueError("`num_classes` must be 0 (unconditional) or >= 2, received num_classes=1.")
    validation.check_choice("conv_layers", conv_layers, (2, 3))
    validation.check_int("refine_layers", refine_layers, 0)
    if latent_dim is not None:
        validation.check_positive_int("latent_dim", latent_dim)


def _activation(kind, name):
    return keras.layers.ReLU(name=name) if kind == "relu" else keras.layers.LeakyReLU(0.2, name=name)


def _normalization(kind, reference_size, name):
    if kind == "batch":
        return keras.layers.BatchNormalization(name=name)
    if kind == "virtual":
        return VirtualBatchNormalization(reference_size, name=name)
    return keras.layers.Identity(name=name)


def _refine(h, layers, channels, normalization, reference_size, activation, name):
    """`layers` x [stride-1 ConvT(channels, 3) -> norm -> activation]: same resolution, more depth."""
    for i in range(1, layers + 1):
        h = keras.layers.Conv2DTranspose(channels, 3, padding="same", use_bias=False, name=f"{name}_{i}")(h)
        h = _normalization(normalization, reference_size, f"norm_{name}_{i}")(h)
        h = _activation(activation, f"act_{name}_{i}")(h)
    return h


def dcgan_generator(latent_dim: int = 64, image_shape=(28, 28, 1), filters: int = 32, *,
                    num_classes: int = 0, normalization: str = "batch", reference_size: int = 32,
                    refine_layers: int = 1, activation: str = "relu", name: str = "generator") -> keras.Model:
    """DCGAN generator z [, y] -> image in [0, 1] (module docstring).

    Args:
        latent_dim: d, the length of z.
        image_shape: (H, W, C), H and W divisible by 4.
        filters: F, channels of the last hidden layer (the first has 2F).
        num_classes: K > 0 makes a conditional generator with inputs [z, one-hot y].
        normalization: "batch", "virtual" (virtual batch normalization, with the
            reference batch as the first `reference_size` rows) or "none".
        refine_layers: R, stride-1 transposed convolutions after the projection (at H/4)
            and after the first upsampling (at H/2).
        activation: "relu" (Radford et al.) or "leaky_relu" (slope 0.2) after each norm.
    """
    _check(image_shape, filters, num_classes, latent_dim, refine_layers=refine_layers)
    validation.check_choice("normalization", normalization, NORMALIZATIONS)
    validation.check_choice("activation", activation, ACTIVATIONS)
    height, width, channels = image_shape
    z = keras.Input((latent_dim,), name="z")
    inputs = [z] if not num_classes else [z, keras.Input((num_classes,), name="label")]
    h = inputs[0] if not num_classes else keras.layers.Concatenate(name="z_and_label")(inputs)
    # the one fully connected layer: projection of z to (H/4, W/4, 2F)
    h = keras.layers.Dense(height // 4 * width // 4 * 2 * filters, use_bias=False, name="project")(h)
    h = _normalization(normalization, reference_size, "norm_project")(h)
    h = _activation(activation, "act_project")(h)
    h = keras.layers.Reshape((height // 4, width // 4, 2 * filters), name="to_maps")(h)  # (B, H/4, W/4, 2F)
    h = _refine(h, refine_layers, 2 * filters, normalization, reference_size, activation, "refine_4")  # (B, H/4, W/4, 2F)
    h = keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False, name="up_1")(h)
    h = _normalization(normalization, reference_size, "norm_1")(h)
    h = _activation(activation, "act_1")(h)  # (B, H/2, W/2, F)
    h = _refine(h, refine_layers, filters, normalization, reference_size, activation, "refine_2")  # (B, H/2, W/2, F)
    image = keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same", activation="sigmoid",
                                         name="image")(h)  # (B, H, W, C)
    return keras.Model(inputs if num_classes else z, image, name=name)


def dcgan_discriminator(image_shape=(28, 28, 1), filters: int = 32, *, num_classes: int = 0,
                        batch_norm: bool = True, minibatch_discrimination: bool = False,
                        minibatch_kernels: int = 16, conv_layers: int = 3, projection: bool = False,
                        name: str = "discriminator") -> keras.Model:
    """DCGAN discriminator image [, y] -> raw score (B, 1) (module docstring).

    Args:
        image_shape: (H, W, C), H and W divisible by 4.
        filters: F, channels of the first convolution (the second has 2F).
        num_classes: K > 0 makes a conditional discriminator with inputs [x, one-hot y];
            y is tiled over the image as K extra channels.
        batch_norm: batch normalization after the second convolution (turn it off for
            WGAN-GP, whose penalty is per sample).
        minibatch_discrimination: add ``MinibatchDiscrimination`` before the score.
        conv_layers: L, 2 or 3 stride-2 convolutions (the third keeps 2F channels).
        projection: add the class projection term of Eq. 1 to the score (needs num_classes > 0).
    """
    _check(image_shape, filters, num_classes, conv_layers=conv_layers)
    if projection and not num_classes:
        raise ValueError("`projection` (the class term of a conditional D) needs num_classes > 0, "
                         f"received num_classes={num_classes!r}.")
    height, width, _ = image_shape
    image = keras.Input(image_shape, name="x")
    inputs = [image]
    h = image
    if num_classes:
        label = keras.Input((num_classes,), name="label")
        inputs.append(label)
        tiled = keras.layers.Reshape((1, 1, num_classes), name="label_pixel")(label)
        tiled = keras.layers.UpSampling2D((height, width), name="label_maps")(tiled)  # (B, H, W, K)
        h = keras.layers.Concatenate(name="x_and_label")([image, tiled])
    h = keras.layers.Conv2D(filters, 4, strides=2, padding="same", name="down_1")(h)  # (B, H/2, W/2, F)
    h = keras.layers.LeakyReLU(0.2, name="lrelu_1")(h)
    h = keras.layers.Conv2D(2 * filters, 4, strides=2, padding="same", name="down_2")(h)  # (B, H/4, W/4, 2F)
    if batch_norm:
        h = keras.layers.BatchNormalization(name="norm_2")(h)
    h = keras.layers.LeakyReLU(0.2, name="lrelu_2")(h)
    if conv_layers == 3:
        h = keras.layers.Conv2D(2 * filters, 4, strides=2, padding="same", name="down_3")(h)  # (B, H/8, W/8, 2F)
        if batch_norm:
            h = keras.layers.BatchNormalization(name="norm_3")(h)
        h = keras.layers.LeakyReLU(0.2, name="lrelu_3")(h)
    h = keras.layers.Flatten(name="features")(h)  # (B, H/4 · W/4 · 2F) or (B, ⌈H/8⌉ · ⌈W/8⌉ · 2F)
    if minibatch_discrimination:
        h = MinibatchDiscrimination(minibatch_kernels, 8, name="minibatch_discrimination")(h)
    score = keras.layers.Dense(1, name="score")(h)  # the one fully connected layer
    if projection:
        embedding = keras.layers.Dense(h.shape[-1], use_bias=False, name="class_embedding")(inputs[1])  # V y
        # Eq. 1: D(x, y) = w · φ + b + (V y) · φ
        score = keras.layers.Add(name="score_with_class")([score, keras.layers.Dot(1, name="projection")([embedding, h])])
    return keras.Model(inputs if num_classes else image, score, name=name)
