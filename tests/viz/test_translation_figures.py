"""The translation figures (toolkit.viz.translation): the attention matrix with characters on its axes
and the padding left out, exact match against length with the runs' colours, the projector theme,
and bad input named in one sentence."""

import json

import numpy as np
import pytest

from toolkit.viz import theme
from toolkit.viz.translation import accuracy_by_length, attention_matrix

RNG = np.random.default_rng(0)


def weights(rows=6, columns=10, shown=4):
    """(rows, columns) softmax rows over the first `shown` columns, 0 on the padding after them."""
    scores = np.zeros((rows, columns))
    scores[:, :shown] = RNG.dirichlet(np.ones(shown), size=rows)
    return scores


CURVES = {"Seq2seq (fixed context)": [(4, 0.99, 150), (10, 0.4, 160), (16, 0.0, 140)],
          "Bahdanau attention": [(4, 1.0, 150), (10, 1.0, 160), (16, 1.0, 140)]}


# ---------------------------------------------------------------- attention matrix
def test_attention_matrix_draws_the_characters_without_the_padding():
    a = weights(rows=6, columns=10, shown=4)
    fig = attention_matrix(a, "1221", "1221--")
    heatmap = fig.data[0]
    assert heatmap.type == "heatmap" and np.asarray(heatmap.z).shape == (6, 4)  # padding columns left out
    np.testing.assert_allclose(np.asarray(heatmap.z), a[:, :4])
    assert (heatmap.zmin, heatmap.zmax) == (0, 1)
    assert list(fig.layout.xaxis.ticktext) == ["1", "2", "2", "1"]  # a repeated character keeps its column
    assert list(fig.layout.yaxis.ticktext) == ["1", "2", "2", "1", "-", "-"]
    assert fig.layout.yaxis.autorange == "reversed"  # t = 1 on top, as the output is read
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and fig.layout.title.text
    assert json.loads(fig.to_json())["data"]


def test_attention_matrix_takes_lists_of_tokens_and_a_title():
    fig = attention_matrix(weights(3, 5, 5), ["2", "7", " ", "m", "a"], ["2", "0", "1"], title="Bahdanau: a_tj")
    assert "Bahdanau" in fig.layout.title.text and np.asarray(fig.data[0].z).shape == (3, 5)


@pytest.mark.parametrize("args, message", [
    ((np.ones(4), "ab", "ab"), r"`weights` must be a 2-D array of attention weights \(T, S\), received shape \(4,\)"),
    ((weights(2, 3, 3), "abcd", "ab"), r"`weights` must have a row per target character .* shape \(2, 3\) for 2 target "
                                       r"and 4 source characters"),
    ((weights(3, 3, 3), "abc", "abcd"), r"for 4 target and 3 source"),
    ((np.full((2, 2), 1.5), "ab", "ab"), r"`weights` must be attention weights in \[0, 1\], received values from 1\.5"),
    ((np.full((2, 2), np.nan), "ab", "ab"), r"`weights` must be attention weights in \[0, 1\]"),
    ((weights(2, 2, 2), "", "ab"), r"`source_chars` must hold at least one character"),
    ((weights(2, 2, 2), "ab", 7), r"`target_chars` must be a string or a list of characters, received int"),
])
def test_attention_matrix_names_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        attention_matrix(*args)


# ---------------------------------------------------------------- accuracy by length
def test_accuracy_by_length_draws_one_line_per_model_in_the_run_colours():
    fig = accuracy_by_length(CURVES)
    assert [trace.name for trace in fig.data] == list(CURVES)
    assert [trace.line.color for trace in fig.data] == [theme.RUN_COLORS[0], theme.RUN_COLORS[1]]
    plain = fig.data[0]
    assert list(plain.x) == [4, 10, 16] and list(plain.y) == [0.99, 0.4, 0.0]
    assert list(plain.customdata) == [150, 160, 140]  # the number of sources, in the hover
    assert plain.mode == "lines+markers"
    assert tuple(fig.layout.yaxis.range) == (-0.03, 1.03)
    assert "length" in fig.layout.xaxis.title.text and fig.layout.yaxis.title.text == "exact match"
    assert 200 <= fig.layout.height <= 650


def test_accuracy_by_length_keeps_given_colours_and_leaves_out_empty_lengths():
    curves = {**CURVES, "GNMT": [(4, None, 0), (10, 1.0, 3)]}
    fig = accuracy_by_length(curves, colors={"Bahdanau attention": "#000000"}, title="Reversal")
    assert [trace.line.color for trace in fig.data] == [theme.RUN_COLORS[0], "#000000", theme.RUN_COLORS[2]]
    assert list(fig.data[2].x) == [10] and fig.layout.title.text == "Reversal"


@pytest.mark.parametrize("curves, message", [
    ({}, r"`curves` must map each model's label to its \[\(length, exact match, count\), \.\.\.\], received dict"),
    ([(4, 1.0, 3)], r"`curves` must map each model's label .* received list"),
    ({"a": 5}, r"`curves\['a'\]` must be a list of \(length, exact match, count\) triples, received 5"),
    ({"a": [(4, 1.5, 3)]}, r"`curves\['a'\]` must hold \(length, exact match in \[0, 1\] or None, count >= 0\) "
                           r"triples, received \(4, 1\.5, 3\)"),
    ({"a": [(4, 1.0)]}, r"received \(4, 1\.0\)"),
    ({"a": [(4, 1.0, -1)]}, r"received \(4, 1\.0, -1\)"),
    ({"a": [(float("nan"), 1.0, 2)]}, r"`curves\['a'\]` must hold"),
])
def test_accuracy_by_length_names_bad_input(curves, message):
    with pytest.raises(ValueError, match=message):
        accuracy_by_length(curves)
