"""The Recurrent networks page's figures (toolkit.viz.recurrent): the cell folded and unfolded,
the gradient heatmap of Eq. 1, LSTM gates over a sentence, a generated continuation, the
projector theme on each, and bad input named in one sentence."""

import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit.viz import theme
from toolkit.viz.recurrent import (
    FLOOR, GATE_NAMES, continuation_figure, gate_heatmap, gradient_heatmap, sequence_preview, unrolled_diagram,
)
from toolkit.data import load

RNG = np.random.default_rng(0)
WORDS = ["·", "the", "phone", "is", "not", "good"]
T = len(WORDS)


def sentence_gates(steps=T, units=3):
    """{"i", "f", "g", "o", "c", "h"} -> (steps, units), as ``toolkit.rnn.cells.lstm_gates`` returns."""
    gates = {name: RNG.uniform(0, 1, (steps, units)) for name in ("i", "f", "o", "c", "h")}
    return {**gates, "g": RNG.uniform(-1, 1, (steps, units))}


def continuation(series=3, seen=8, ahead=5, runs=("vanilla RNN", "LSTM")):
    """(seed (S, P), truth (S, Q), run -> generated (S, Q))."""
    return (RNG.normal(size=(series, seen)), RNG.normal(size=(series, ahead)),
            {run: RNG.normal(size=(series, ahead)) for run in runs})


# ---------------------------------------------------------------- the unrolled cell
def cell_boxes(fig, xref):
    return [shape for shape in fig.layout.shapes if shape.type == "rect" and shape.xref == xref]


def state_labels(fig):
    """The texts on the arrows carrying the state from step to step (unfolded panel)."""
    return [note.text for note in fig.layout.annotations
            if note.xref == "x2" and not note.showarrow and note.text and note.text.startswith("h")]


@pytest.mark.parametrize(("kind", "steps"), [("vanilla", 3), ("lstm", 4), ("gru", 1), ("lstm", 8)])
def test_unrolled_diagram_has_one_cell_box_per_step(kind, steps):
    fig = unrolled_diagram(kind, steps)
    assert isinstance(fig, go.Figure)
    assert len(cell_boxes(fig, "x")) == 1  # folded: one cell with its loop
    assert len(cell_boxes(fig, "x2")) == steps  # unfolded: the same cell at every step
    texts = [note.text for note in fig.layout.annotations if note.xref == "x2"]
    assert [f"x<sub>{t}</sub>" in texts for t in range(1, steps + 1)] == [True] * steps
    assert [f"y<sub>{t}</sub>" in texts for t in range(1, steps + 1)] == [True] * steps
    assert f"unfolded over {steps} steps" in [note.text for note in fig.layout.annotations]
    labels = state_labels(fig)
    assert len(labels) == steps
    if kind == "lstm":  # the memory c_t travels with h_t
        assert all(label.startswith("h, c<sub>") for label in labels), labels
    else:
        assert not any("c" in label.replace("<sub>", "").replace("</sub>", "") for label in labels), labels


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "transformer"}, r"`kind` must be one of vanilla, lstm, gru, received kind='transformer'"),
    ({"steps": 0}, r"`steps` must be in \[1, 8\], received steps=0"),
    ({"steps": 9}, r"`steps` must be in \[1, 8\], received steps=9"),
])
def test_unrolled_diagram_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        unrolled_diagram(**kwargs)


# ---------------------------------------------------------------- the gradient heatmap (Eq. 1)
def test_gradient_heatmap_rows_are_log10_ratios_to_the_last_step_clipped_at_the_floor():
    norms = {
        "vanilla RNN": 0.1 ** np.arange(T - 1, -1, -1.0),  # 10^-5 .. 10^0 of the last step
        "vanishing": np.array([1e-20, 1e-12, 1e-6, 1e-3, 0.5, 2.0]),  # beyond the floor at the start
        "LSTM": RNG.uniform(0.5, 2.0, T),
        "dead": np.zeros(T),  # no gradient at all
    }
    fig = gradient_heatmap(norms)
    (heatmap,) = fig.data
    assert heatmap.type == "heatmap" and heatmap.zmin == FLOOR and heatmap.zmax == 0
    z = np.asarray(heatmap.z, float)
    assert z.shape == (len(norms), T) and list(heatmap.y) == list(norms)
    np.testing.assert_array_equal(heatmap.x, np.arange(1, T + 1))
    np.testing.assert_allclose(z[0], np.arange(-(T - 1), 1), atol=1e-12)
    for row, name in enumerate(["vanishing", "LSTM"], start=1):
        values = norms[name]
        np.testing.assert_allclose(z[row], np.clip(np.log10(values / values[-1]), FLOOR, None), atol=1e-12)
    assert z[1, 0] == z[1, 1] == FLOOR and z[1, 2] == pytest.approx(np.log10(1e-6 / 2.0))
    np.testing.assert_array_equal(z[3], np.full(T, FLOOR))  # a run whose last (and every) norm is 0
    assert [row[-1] for row in heatmap.text[:3]] == ["0.0"] * 3  # each cell's value written in it
    assert fig.layout.yaxis.autorange == "reversed"  # the first run on top


def test_gradient_heatmap_of_a_zero_last_norm_compares_with_the_largest():
    """Eq. 1 has no value when ||∂L/∂h_T|| = 0: the row is drawn relative to its largest norm."""
    z = np.asarray(gradient_heatmap({"run": [1.0, 10.0, 0.0]}).data[0].z, float)
    np.testing.assert_allclose(z[0], [-1.0, 0.0, FLOOR])


def test_gradient_heatmap_writes_values_only_on_short_sequences():
    assert gradient_heatmap({"run": np.ones(20)}).data[0].text is not None
    assert gradient_heatmap({"run": np.ones(21)}).data[0].text is None


def test_gradient_heatmap_names_the_epoch_of_each_row_and_spans_the_decades_shown():
    fig = gradient_heatmap({"vanilla RNN": [1e-3, 1e-1, 1.0], "GRU": [0.5, 0.5, 1.0]}, epochs={"vanilla RNN": 12})
    assert list(fig.data[0].y) == ["vanilla RNN · epoch 12", "GRU"]
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-3.0, 0)  # not FLOOR: three decades fill the scale


@pytest.mark.parametrize(("norms", "message"), [
    ({}, r"`norms` must map at least one run to its \(T,\) gradient norms, received none"),
    ({"a": np.ones(3), "b": np.ones(4)}, r"every run's norms must have the same length T, received lengths \[3, 4\]"),
    ({"a": np.ones((2, 3))}, r"`norms\['a'\]` must be a \(T,\) array, received shape \(2, 3\)"),
])
def test_gradient_heatmap_rejects_bad_norms(norms, message):
    with pytest.raises(ValueError, match=message):
        gradient_heatmap(norms)


# ---------------------------------------------------------------- LSTM gates
def test_gate_heatmap_draws_each_gate_units_by_words():
    gates = sentence_gates(units=15)
    fig = gate_heatmap(gates, WORDS, max_units=12)
    assert [trace.type for trace in fig.data] == ["heatmap"] * 4
    assert [note.text for note in fig.layout.annotations] == list(GATE_NAMES.values())
    for trace, name in zip(fig.data, GATE_NAMES):  # i, f, o, g: c and h are not drawn
        np.testing.assert_allclose(np.asarray(trace.z, float), gates[name][:, :12].T)  # (units, T)
        assert trace.zmin == (-1.0 if name == "g" else 0.0) and trace.zmax == 1.0
        assert list(trace.x) == [f"{t + 1}:{word}" for t, word in enumerate(WORDS)]
    assert list(fig.layout.xaxis4.ticktext) == WORDS  # the words label the last heatmap's columns
    assert fig.layout.xaxis.showticklabels is False  # and only it: labels would cover the next title


def test_gate_heatmap_keeps_repeated_words_apart():
    words = ["not", "good", "not", "bad"]
    fig = gate_heatmap(sentence_gates(steps=4), words)
    assert len(set(fig.data[0].x)) == 4 and list(fig.layout.xaxis4.ticktext) == words


@pytest.mark.parametrize(("gates", "words", "message"), [
    ({k: v for k, v in sentence_gates().items() if k != "f"}, WORDS, r"`gates` must hold i, f, o, g, missing f"),
    (sentence_gates(), WORDS[:-1], r"`words` must name each of the 6 steps, received 5 words"),
    ({**sentence_gates(), "i": np.ones(T)}, WORDS, r"`gates\['i'\]` must be a \(T, units\) array, received shape"),
])
def test_gate_heatmap_rejects_bad_input(gates, words, message):
    with pytest.raises(ValueError, match=message):
        gate_heatmap(gates, words)


# ---------------------------------------------------------------- one-to-many continuation
def test_continuation_figure_draws_seed_truth_and_each_run_per_series():
    seed, truth, generated = continuation()
    fig = continuation_figure(seed, truth, generated)
    per_series = 2 + len(generated)
    assert len(fig.data) == 3 * per_series
    for i in range(3):
        traces = {trace.name: trace for trace in fig.data[i * per_series:(i + 1) * per_series]}
        assert list(traces) == ["seed (given)", "true continuation", "vanilla RNN (generated)", "LSTM (generated)"]
        np.testing.assert_array_equal(traces["seed (given)"].x, np.arange(1, 9))
        np.testing.assert_allclose(traces["seed (given)"].y, seed[i])
        np.testing.assert_array_equal(traces["true continuation"].x, np.arange(9, 14))  # right after the seed
        np.testing.assert_allclose(traces["true continuation"].y, truth[i])
        np.testing.assert_allclose(traces["LSTM (generated)"].y, generated["LSTM"][i])
    shown = [trace.name for trace in fig.data if trace.showlegend]
    assert sorted(shown) == sorted({trace.name for trace in fig.data})  # each legend entry once
    colours = {}
    for trace in fig.data:
        colours.setdefault(trace.name, set()).add(trace.line.color)
    assert all(len(c) == 1 for c in colours.values())  # a run keeps its colour across the series
    assert colours["vanilla RNN (generated)"] != colours["LSTM (generated)"]
    assert {shape.x0 for shape in fig.layout.shapes} == {8.5}  # the seed / generated boundary


def test_continuation_figure_takes_the_page_colours():
    fig = continuation_figure(*continuation(runs=("GRU",)), colors={"GRU": "#123456"})
    assert fig.data[-1].line.color == "#123456"


@pytest.mark.parametrize(("change", "message"), [
    ({"seed": np.zeros(8)}, r"`seed` must be an \(S, P\) array, received shape \(8,\)"),
    ({"truth": np.zeros((3, 5, 1))}, r"`truth` must be an \(S, Q\) array"),
    ({"truth": np.zeros((2, 5))}, r"`truth` and every `generated` must be 2 × Q like each other"),
    ({"generated": {"LSTM": np.zeros((3, 4))}}, r"`truth` and every `generated` must be 3 × Q .*\(3, 4\)"),
])
def test_continuation_figure_rejects_bad_shapes(change, message):
    seed, truth, generated = continuation()
    arguments = {"seed": seed, "truth": truth, "generated": generated, **change}
    with pytest.raises(ValueError, match=message):
        continuation_figure(**arguments)


# ---------------------------------------------------------------- the projector theme
FIGURES = {
    "unrolled_diagram": lambda: unrolled_diagram("lstm", 8),
    "gradient_heatmap": lambda: gradient_heatmap({name: RNG.uniform(0.1, 1, 30) for name in
                                                  ("vanilla RNN", "LSTM", "GRU")}),
    "gate_heatmap": lambda: gate_heatmap(sentence_gates(units=12), WORDS),
    "continuation_figure": lambda: continuation_figure(*continuation(runs=("vanilla RNN", "LSTM", "GRU"))),
    "sequence_preview": lambda: sequence_preview(load("adding", n=40, seed=0)),
}


@pytest.mark.parametrize("name", ["sine", "adding", "copy"])
def test_sequence_preview_draws_the_first_sequences(name):
    """The Datasets page's view of a sequence dataset: sine's input and target, the adding
    problem's two marked values (their sum in the panel's title), copy's tokens."""
    data = load(name, n=40, seed=0)
    fig = sequence_preview(data, count=3)
    if name == "copy":
        inputs, targets = (np.asarray(trace.z) for trace in fig.data)
        np.testing.assert_array_equal(inputs, data.x_train[:3])
        np.testing.assert_array_equal(targets, data.y_train[:3])
    elif name == "adding":
        marked = [trace for trace in fig.data if trace.name == "marked (summed)"]
        assert len(marked) == 3 and all(len(trace.y) == 2 for trace in marked)
        titles = [note.text for note in fig.layout.annotations]
        assert titles == [f"y = {v:.2f}" for v in data.y_train[:3]]
        np.testing.assert_allclose([sum(trace.y) for trace in marked], data.y_train[:3], atol=1e-6)
    else:
        assert [trace.name for trace in fig.data[:2]] == ["input x_t (noisy)", "target s(t + 1)"]
        np.testing.assert_allclose(fig.data[1].y, data.y_train[0, :, 0])


def test_sequence_preview_rejects_other_datasets():
    with pytest.raises(ValueError, match="dataset"):
        sequence_preview(load("sentiment", n=30, seed=0))


def font_sizes(node, inside_font=False):
    """Every font size set in a figure's JSON (a "size" in a dict under a key that names a font)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "size" and inside_font and isinstance(value, (int, float)):
                yield value
            else:
                yield from font_sizes(value, "font" in key)
    elif isinstance(node, list):
        for item in node:
            yield from font_sizes(item, inside_font)


@pytest.mark.parametrize("name", list(FIGURES))
def test_figures_follow_the_projector_theme(name):
    """As tests/viz/test_theme.py checks the builders of toolkit.viz: fonts of at least 14 px,
    an 18 px title that fits the page's main column, the legend under it and above the plot."""
    fig = FIGURES[name]()
    data = fig.to_plotly_json()
    layout = {key: value for key, value in data["layout"].items() if key != "template"}
    small = [size for size in font_sizes({"data": data["data"], "layout": layout}) if size < theme.SMALLEST_FONT]
    assert not small, f"{name}: fonts under {theme.SMALLEST_FONT} px: {small}"
    assert layout["font"]["size"] >= theme.SMALLEST_FONT and layout["title"]["font"]["size"] >= 18
    legend = fig.layout.legend
    assert legend.yref == "container" and legend.yanchor == "top"
    title_bottom = theme.TITLE_TOP + theme.TITLE_LINE * theme.line_count(fig.layout.title.text)
    assert (1 - legend.y) * fig.layout.height >= title_bottom
    assert theme.text_width(fig.layout.title.text, theme.TITLE_SIZE) <= theme.WIDE_WIDTH
