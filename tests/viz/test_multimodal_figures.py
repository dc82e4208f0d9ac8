"""The CLIP page's figures (toolkit.viz.multimodal): the similarity matrix with its images and captions,
the zero-shot curve, retrieved scenes, the base / novel bars; the LLMs-as-interface page's row of answered scenes
and Flamingo's gates; bad input named in one sentence."""

import json

import numpy as np
import pytest

from toolkit.viz.multimodal import (base_novel_bars, gate_curves, retrieved_scenes, scene_row, similarity_matrix,
                                    zero_shot_curve)
from toolkit.viz.theme import run_color

RNG = np.random.default_rng(0)


def test_similarity_matrix_puts_images_on_rows_captions_on_columns_and_outlines_the_diagonal():
    s = RNG.normal(size=(4, 4))
    captions = ["a red circle", "a star", "two shapes: a small blue cross and a square", "a green diamond"]
    fig = similarity_matrix(s, RNG.uniform(size=(4, 16, 16, 3)), captions)
    heatmap = fig.data[0]
    np.testing.assert_allclose(np.asarray(heatmap.z), s[::-1])  # image 1 at the top
    assert list(heatmap.x) == ["t1", "t2", "t3", "t4"] and list(heatmap.y)[-1] == "x1"
    assert len(fig.layout.images) == 4 and len(fig.layout.shapes) == 4
    assert all(shape.x0 + 0.5 == index for index, shape in enumerate(fig.layout.shapes))  # (i, i) cells
    legend = fig.layout.annotations[0].text
    assert "<b>t3</b> two shapes: a small blue cross and a square" in legend
    assert json.loads(fig.to_json())["data"]


def test_similarity_matrix_names_mismatched_inputs():
    with pytest.raises(ValueError, match="one image and one caption"):
        similarity_matrix(RNG.normal(size=(3, 3)), RNG.uniform(size=(2, 8, 8, 3)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="similarity"):
        similarity_matrix(RNG.normal(size=3), RNG.uniform(size=(3, 8, 8, 3)), ["a", "b", "c"])


def test_zero_shot_curve_draws_the_epochs_in_order_and_chance():
    fig = zero_shot_curve({2: 0.5, 0: 0.17, 1: 0.3}, chance=1 / 6)
    assert list(fig.data[0].x) == [0, 1, 2] and list(fig.data[0].y) == [0.17, 0.3, 0.5]
    assert fig.layout.shapes[0].y0 == pytest.approx(1 / 6)
    assert fig.layout.xaxis.title.text == "epoch" and fig.layout.yaxis.title.text == "accuracy"


def test_retrieved_scenes_titles_each_image_with_its_rank_and_similarity():
    fig = retrieved_scenes(RNG.uniform(size=(3, 16, 16, 3)), np.array([0.9, 0.8, 0.5]), query="a star")
    assert [a.text for a in fig.layout.annotations] == ["#1: 0.90", "#2: 0.80", "#3: 0.50"]
    assert "a star" in fig.layout.title.text
    with pytest.raises(ValueError, match="one value per image"):
        retrieved_scenes(RNG.uniform(size=(3, 16, 16, 3)), np.array([0.9]), query="a star")


def test_base_novel_bars_group_each_prompt_in_its_colour():
    rows = [{"prompt": "hand-written", "base": 0.9, "novel": 0.95, "H": 0.92},
            {"prompt": "CoOp", "base": 1.0, "novel": 0.7, "H": 0.82}]
    fig = base_novel_bars(rows)
    assert [trace.name for trace in fig.data] == ["hand-written", "CoOp"]
    assert list(fig.data[1].y) == [1.0, 0.7, 0.82] and fig.data[1].marker.color == run_color(1)
    assert fig.layout.barmode == "group"
    with pytest.raises(ValueError, match="rows"):
        base_novel_bars([])


def test_scene_row_titles_each_scene_and_sizes_a_single_panel():
    fig = scene_row(RNG.uniform(size=(3, 16, 16, 3)), ["how many shapes? 2 ✓", "a", "b"], title="answers")
    assert [a.text for a in fig.layout.annotations][:3] == ["how many shapes? 2 ✓", "a", "b"]
    small = scene_row(RNG.uniform(size=(1, 16, 16, 3)), ["scene 1"], title="one", panel=260)
    assert 350 <= small.layout.height < 450  # a 260-pixel panel, its title and the figure title
    with pytest.raises(ValueError, match="one title per image"):
        scene_row(RNG.uniform(size=(2, 16, 16, 3)), ["only one"], title="x")


def test_gate_curves_draw_both_gates_of_every_layer_and_keep_small_gates_visible():
    gates = {0: [(0.0, 0.0), (0.0, 0.0)], 1: [(0.02, -0.01), (0.05, 0.03)], 2: [(0.04, -0.02), (0.08, 0.05)]}
    fig = gate_curves(gates)
    assert len(fig.data) == 4 and list(fig.data[2].y) == [0.0, 0.05, 0.08]  # layer 2's cross-attention gate
    assert fig.data[1].line.dash == "dot" and fig.data[0].line.dash == "solid"
    assert tuple(fig.layout.yaxis.range) == (-0.1, 0.1)  # 1.2 × 0.08 < 0.1
    wide = gate_curves({0: [(0.0, 0.0)], 5: [(0.99, -0.9)]})
    assert tuple(wide.layout.yaxis.range) == (-1.02, 1.02)
