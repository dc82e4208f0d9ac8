"""conv_output_size (Eqs. 1-5 of toolkit.cnn.arithmetic) against the shapes keras.layers.Conv2D produces."""

import itertools

import keras
import numpy as np
import pytest

from toolkit.cnn import ConvolutionConfig, conv_output_size, output_shape, output_size_latex, padding_amounts

# Keras refuses strides > 1 together with dilation > 1, so the grid leaves those out.
GRID = [(n, k, p, s, d) for n, k, p, s, d in itertools.product(
    (1, 2, 5, 8, 13, 28), (1, 2, 3, 5), ("valid", "same"), (1, 2, 3), (1, 2, 3)) if s == 1 or d == 1]


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_matches_keras_conv2d_shapes_over_a_grid(padding):
    checked = 0
    for n, k, p, s, d in (row for row in GRID if row[2] == padding):
        layer = keras.layers.Conv2D(2, k, strides=s, padding=p, dilation_rate=d)
        if p == "valid" and d * (k - 1) + 1 > n:
            with pytest.raises(ValueError, match="larger than the padded input"):
                conv_output_size(n, k, p, s, d)
            continue
        expected = layer.compute_output_shape((None, n, n + 1, 3))
        assert output_shape((n, n + 1, 3), k, 2, p, s, d) == expected[1:], (n, k, p, s, d)
        checked += 1
    assert checked > 80


@pytest.mark.parametrize(("n", "k", "p", "s", "d"),
                         [(5, 3, 1, 2, 1), (7, 3, 0, 1, 2), (28, 5, 2, 1, 1), (6, 4, 3, 3, 1)])
def test_explicit_padding_matches_zero_padding_then_valid_conv(n, k, p, s, d):
    x = np.zeros((1, n, n, 1), "float32")
    model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.ZeroPadding2D(p),
                              keras.layers.Conv2D(1, k, strides=s, dilation_rate=d)])
    assert model(x).shape[1] == conv_output_size(n, k, p, s, d)


def test_the_notes_formula_with_numbers():
    assert conv_output_size(32, 5, 0, 1) == 28  # (32 − 5 + 0)/1 + 1, LeNet-5's first layer
    assert conv_output_size(227, 11, 0, 4) == 55  # AlexNet's first layer
    assert conv_output_size(7, 3, 1, 2) == 4
    assert conv_output_size(28, 3, "same", 2) == 14
    assert padding_amounts(28, 3, "same", 2) == (0, 1)  # odd pixel at the end, as TensorFlow


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n": 3, "k": 5}, r"kernel \(size 5\) is larger than the padded input \(N \+ 2P = 3 \+ 2·0 = 3\)"),
    ({"n": 5, "k": 3, "d": 3}, r"size 3 with dilation 3, spanning 7 pixels"),
    ({"n": 8, "k": 3, "s": 0}, r"`s` must be a positive integer, received s=0. It is the stride S."),
    ({"n": 8, "k": 3, "p": -1}, r"`padding` must be 'valid', 'same' or a non-negative integer"),
    ({"n": 8, "k": 3, "p": "full"}, r"received padding='full'"),
    ({"n": 0, "k": 3}, r"`n` must be a positive integer, received n=0. It is the input size N."),
    ({"n": 8, "k": 2.5}, r"`k` must be a positive integer, received k=2.5. It is the kernel size K."),
    ({"n": 8, "k": 3, "d": 0}, r"`d` must be a positive integer, received d=0. It is the dilation D."),
])
def test_bad_arguments_get_one_clear_sentence(kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        conv_output_size(**kwargs)
    assert "\n" not in str(info.value)


def test_latex_fills_in_the_numbers():
    text = output_size_latex(7, 3, 1, 2)
    assert "7 - 3 + 2 \\cdot 1" in text and text.endswith("= 4")
    assert "D(K - 1) + 1" in output_size_latex(9, 3, 0, 1, 2)
    assert "\\lceil" in output_size_latex(28, 3, "same", 2)
    with pytest.raises(ValueError):
        output_size_latex(2, 3)


def test_the_convolutions_page_settings_carry_their_bounds():
    assert ConvolutionConfig().padding_value == 1 and ConvolutionConfig(padding="same").padding_value == "same"
    assert conv_output_size(ConvolutionConfig().n, ConvolutionConfig().k, ConvolutionConfig().padding_value) == 7
    with pytest.raises(ValueError, match=r"`stride` must be an integer in \[1, 4\], received stride=0"):
        ConvolutionConfig(stride=0)
