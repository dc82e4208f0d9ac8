"""Chapter 5 of the notes, Convolutional neural networks: convolution, pooling, architectures, regularizers.

    arithmetic     conv_output_size: (N − K + 2P)/S + 1, with dilation and 'valid'/'same' padding
    convolution    S(i, j) = Σ Σ I(m, n) K(i − m, j − n) with NumPy loops; cross-correlation, the
                   "convolution" of deep learning; classic kernels; the sliding-kernel trace; the
                   Convolutions page's settings (ConvolutionConfig)
    pooling        max and average pooling with NumPy loops
    layers         fast Conv2D (im2col by one gather, one matrix product, hand-written gradient),
                   MaxPool2D, AvgPool2D layers in keras.ops
    blocks         Inception module, residual, dense, transition, depthwise-separable blocks, LRN
    architectures  LeNet-5, AlexNet, VGG, GoogLeNet, ResNet, DenseNet, MobileNet, scaled down
    regularization Cutout, spatial dropout, DropBlock, CutMix (and the CutMixModel that trains with it)
    inspection     feature_maps: the activations of every convolution and the learned kernels
    training       several architectures side by side (TrainingConfig, run_architectures); results table,
                   predictions, errors
    uploads        a student's image file, validated and drawn like a glyph

The NumPy modules (arithmetic, convolution, pooling, uploads) import without TensorFlow;
names from the Keras modules load TensorFlow on first use.
"""

from toolkit.cnn.arithmetic import (
    PADDING_MODES, conv_output_size, effective_kernel_size, output_shape, output_size_latex, padding_amounts,
)
from toolkit.cnn.convolution import (
    KERNEL_SHAPES, KERNELS, ConvolutionConfig, ConvolutionTrace, apply_kernel, classic_kernel, conv2d_loop,
    convolution_steps, convolve2d, cross_correlate2d, kernel_of_size, sample_input,
)
from toolkit.cnn.pooling import POOL_MODES, pool2d
from toolkit.cnn.uploads import MAX_MODEL_MB, MODEL_TYPES, UPLOAD_TYPES, glyph_from_grey, image_from_upload, model_from_upload

_LAZY = {
    "layers": ("AvgPool2D", "Conv2D", "MaxPool2D", "convolve_by_gather", "im2col", "pool_windows"),
    "regularization": ("REGULARIZER_FORMULAS", "Cutout", "CutMixModel", "DropBlock2D", "Regularizers",
                       "SpatialDropout2D", "augmentation_preview", "cut_mix", "cutmix_boxes", "cutout_masks",
                       "dropblock_mask", "mixed_labels"),
    "blocks": ("LayerFactory", "LocalResponseNorm", "dense_block", "depthwise_separable", "inception_module",
               "residual_block", "transition"),
    "architectures": ("ARCHITECTURES", "Architecture", "build_architecture", "classifier", "compile_classifier",
                      "parameter_counts"),
    "inspection": ("conv_kernels", "conv_layers", "feature_maps"),
    "training": ("ArchitectureResults", "Evaluation", "TrainingConfig", "classification_accuracy", "evaluate",
                 "misclassified", "predict_classes", "results_table", "run_architectures", "train_architectures"),
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str):
    """Loads the Keras-based names on first use (PEP 562), so NumPy-only pages stay light."""
    if name in _MODULE_OF:
        import importlib

        value = getattr(importlib.import_module(f"toolkit.cnn.{_MODULE_OF[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KERNEL_SHAPES", "KERNELS", "MAX_MODEL_MB", "MODEL_TYPES", "PADDING_MODES", "POOL_MODES", "UPLOAD_TYPES", "ConvolutionConfig", "ConvolutionTrace",
    "apply_kernel", "classic_kernel", "conv2d_loop", "conv_output_size", "convolution_steps", "convolve2d", "cross_correlate2d",
    "effective_kernel_size", "glyph_from_grey", "image_from_upload", "kernel_of_size", "model_from_upload", "output_shape",
    "output_size_latex", "padding_amounts", "pool2d", "sample_input", *sorted(_MODULE_OF),
]
