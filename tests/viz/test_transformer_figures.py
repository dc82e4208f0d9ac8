"""The chapter 8 figures (toolkit.viz.transformers): self-attention's six steps, the heads side by side,
the positional encoding, the receptive field, ViT's patches, Swin's windows and the class token's
maps; each with its data drawn where the notes put it, and bad input named in one sentence."""

import json

import numpy as np
import pytest

from toolkit.viz import theme
from toolkit.viz.transformers import (STEP_KEYS, attention_heads, attention_steps, class_token_maps,
                                      input_influence, patch_grid, positional_encoding, swin_windows)

RNG = np.random.default_rng(0)
TOKENS = ["the", "cat", "sat", "down"]


def softmax_rows(shape):
    scores = RNG.normal(size=shape)
    e = np.exp(scores - scores.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def steps(heads=2, length=4, dim=3):
    return {"query": RNG.normal(size=(heads, length, dim)), "key": RNG.normal(size=(heads, length, dim)),
            "value": RNG.normal(size=(heads, length, dim)), "scores": RNG.normal(size=(heads, length, length)),
            "weights": softmax_rows((heads, length, length)), "output": RNG.normal(size=(heads, length, dim))}


def test_attention_steps_draws_the_six_steps_of_the_chosen_head_with_tokens_on_the_axes():
    s = steps()
    fig = attention_steps(s, TOKENS, head=1)
    assert [trace.type for trace in fig.data] == ["heatmap"] * 6
    for trace, key in zip(fig.data, STEP_KEYS):
        np.testing.assert_allclose(np.asarray(trace.z), s[key][1])
    weights = fig.data[4]
    assert (weights.zmin, weights.zmax) == (0, 1)  # Eq. 3: probabilities
    assert list(fig.layout.yaxis.ticktext) == TOKENS and fig.layout.yaxis.autorange == "reversed"
    assert list(fig.layout.xaxis4.ticktext) == TOKENS  # the scores: keys across
    assert "head 2" in fig.layout.title.text
    assert json.loads(fig.to_json())["data"]


def test_attention_heads_puts_every_head_side_by_side_with_one_colour_scale():
    w = softmax_rows((4, 3, 5))
    fig = attention_heads(w, ["a", "b", "c"], list("vwxyz"))
    assert len(fig.data) == 4 and [trace.showscale for trace in fig.data] == [True, False, False, False]
    assert all((trace.zmin, trace.zmax) == (0, 1) for trace in fig.data)
    assert [a.text for a in fig.layout.annotations] == ["head 1", "head 2", "head 3", "head 4"]
    assert list(fig.layout.xaxis2.ticktext) == list("vwxyz")


def test_long_sentences_get_automatic_ticks_instead_of_overlapping_tokens():
    w = softmax_rows((1, 40, 40))
    fig = attention_heads(w, [str(k) for k in range(40)])
    assert fig.layout.xaxis.tickmode == "auto"


def test_positional_encoding_and_receptive_field_draw_their_arrays():
    pe = np.sin(np.arange(20)[:, None] / 10 ** (np.arange(8)[None] / 8))
    fig = positional_encoding(pe)
    np.testing.assert_allclose(np.asarray(fig.data[0].z), pe)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    influence = np.r_[np.zeros(10), np.ones(5)]
    fig = input_influence(influence, 5)
    assert fig.data[0].type == "bar" and list(fig.data[0].x) == list(range(1, 16))
    shaded = fig.layout.shapes[0]
    assert (shaded.x0, shaded.x1) == (10.5, 15.5)  # the last R = 5 steps
    assert "R = 5" in fig.layout.annotations[0].text


def test_patch_grid_numbers_the_patches_row_by_row():
    image = RNG.random((28, 28, 1))
    fig = patch_grid(image, 7)
    assert len(fig.layout.shapes) == 6  # 3 horizontal and 3 vertical lines
    assert [a.text for a in fig.layout.annotations][:5] == ["1", "2", "3", "4", "5"]
    assert "16 patches" in fig.layout.title.text


def test_swin_windows_tint_each_window_and_class_token_maps_draw_two_rows():
    image = RNG.random((28, 28))
    regular = np.kron(np.arange(4).reshape(2, 2), np.ones((7, 7), int))
    shifted = np.roll(regular, 3, axis=(0, 1))
    fig = swin_windows(image, regular, shifted)
    assert [trace.type for trace in fig.data] == ["image", "image"]
    assert "4 windows" in fig.layout.annotations[0].text
    fig = class_token_maps(RNG.random((3, 28, 28, 1)), RNG.random((3, 4, 4)), ["A → A", "B → 8", "C → C"])
    assert len(fig.data) == 6 and fig.layout.annotations[1].text == "B → 8"


@pytest.mark.parametrize("call, message", [
    (lambda: attention_steps(steps(), TOKENS, head=2), "`head` must be in [0, 1]"),
    (lambda: attention_steps(steps(), TOKENS[:3]), "`tokens` must name the T = 4"),
    (lambda: attention_steps({"query": np.zeros((1, 2, 2))}, "ab"), "`steps` must hold"),
    (lambda: attention_heads(np.full((1, 2, 2), 2.0), "ab"), "attention weights in [0, 1]"),
    (lambda: attention_heads(np.zeros((1, 2, 2)), "abc"), "a row per query"),
    (lambda: input_influence(np.ones(5), 0), "`receptive_field` must be a positive"),
    (lambda: patch_grid(np.zeros((28, 28)), 5), "`patch_size` must divide the 28×28 image"),
    (lambda: swin_windows(np.zeros((28, 28)), np.zeros((5, 5)), np.zeros((4, 4))), "`regular` must be a grid"),
    (lambda: class_token_maps(np.zeros((2, 28, 28)), np.zeros((1, 4, 4))), "one map per image"),
    (lambda: attention_heads(np.zeros((1, 2, 2)), []), "at least one token"),
])
def test_bad_input_is_named_in_one_sentence(call, message):
    with pytest.raises(ValueError, match=None) as error:
        call()
    assert message in str(error.value)


def test_figures_keep_the_projector_fonts():
    fig = attention_steps(steps(), TOKENS)
    assert fig.layout.font.size >= theme.SMALLEST_FONT and fig.layout.title.font.size == theme.TITLE_SIZE
