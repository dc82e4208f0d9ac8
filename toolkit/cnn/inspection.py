"""What a trained CNN computes: the feature maps of every convolution and the learned kernels.

A convolutional layer with F kernels turns its input into F feature maps, one per kernel:
map f is large where the pattern that kernel f detects is present (Eq. 3 of
``convolution``). Early layers respond to edges and strokes; deeper layers, seeing a larger
receptive field through the poolings, to parts of characters.

    feature_maps(model, image)   layer name -> (H_l, W_l, F_l) activations for one image
    conv_kernels(model)          layer name -> (K_h, K_w, C, F) learned kernels
    conv_layers(model)           the convolution layers, in graph order

Convolutions are ``keras.layers.Conv2D``, ``DepthwiseConv2D``, ``SeparableConv2D`` and this
package's ``layers.Conv2D``; a ``CutMixModel`` is looked into (its ``classifier``).
"""

from __future__ import annotations

import keras
import numpy as np

from toolkit.cnn import layers as scratch

CONV_TYPES = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D, scratch.Conv2D)


def unwrap(model: keras.Model) -> keras.Model:
    """The functional classifier inside `model` (a ``CutMixModel`` wraps one)."""
    return getattr(model, "classifier", model)


def conv_layers(model: keras.Model) -> list:
    """The convolution layers of `model`, in the order of its graph."""
    found = [layer for layer in unwrap(model).layers if isinstance(layer, CONV_TYPES)]
    if not found:
        raise ValueError(f"`model` {model.name!r} has no convolution layer, so it has no feature maps.")
    return found


def _check_image(image, input_shape):
    image = np.asarray(image, np.float32)
    if image.shape == tuple(input_shape[:2]) and input_shape[2] == 1:
        image = image[..., None]  # (H, W) -> (H, W, 1)
    if image.shape != tuple(input_shape):
        raise ValueError(f"`image` must have the model's input shape {tuple(input_shape)}, "
                         f"received shape {image.shape}.")
    return image


def feature_maps(model: keras.Model, image, layer_names=None) -> dict[str, np.ndarray]:
    """The activations of every convolution layer (or of `layer_names`) for one `image`.

    Returns {layer name: (H_l, W_l, F_l) array}, in graph order, computed in inference mode.
    """
    classifier = unwrap(model)
    image = _check_image(image, classifier.input_shape[1:])
    chosen = conv_layers(classifier)
    if layer_names is not None:
        known = {layer.name: layer for layer in chosen}
        missing = [name for name in layer_names if name not in known]
        if missing:
            raise ValueError(f"`layer_names` must name convolution layers of the model ({', '.join(known)}), "
                             f"received {missing}.")
        chosen = [known[name] for name in layer_names]
    if not chosen:  # a model without convolutions (a student's MLP) has no maps
        return {}
    # `inputs`, not `input`: a Sequential model loaded from a file has its graph only behind `inputs`
    probe = keras.Model(classifier.inputs[0], [layer.output for layer in chosen])
    outputs = probe(image[None], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {layer.name: np.asarray(output)[0] for layer, output in zip(chosen, outputs)}


def conv_kernels(model: keras.Model) -> dict[str, np.ndarray]:
    """The learned kernels {layer name: (K_h, K_w, C, F)} (depthwise: (K_h, K_w, C, multiplier))."""
    kernels = {}
    for layer in conv_layers(model):
        kernel = getattr(layer, "depthwise_kernel", None)
        kernel = layer.kernel if kernel is None else kernel
        kernels[layer.name] = np.asarray(kernel)
    return kernels
