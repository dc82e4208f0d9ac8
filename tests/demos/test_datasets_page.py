"""The Datasets page shows the scenes of shapes: their settings, boxes, captions and questions."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, assert_no_exception

PAGE = str(DEMOS / "app_pages" / "datasets.py")


def test_shapes_show_scenes_with_boxes_a_caption_and_a_question():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"dataset": "shapes", "background": "texture", "max_objects": "2"})
    at.run()
    assert_no_exception(at, "the Datasets page on shapes")
    assert not at.error
    assert {"Background", "Objects per scene (at most)", "Seed"} <= {w.label for w in (*at.selectbox, *at.slider,
                                                                                        *at.number_input)}
    assert any("1000 scenes" in c.value and "objects" in c.value for c in at.caption)
    assert "background='texture'" in at.code[-1].value and "max_objects=2" in at.code[-1].value
    figure = json.loads(at.get("plotly_chart")[-1].proto.spec)
    layout = figure["layout"]
    assert "the first 8 scenes" in layout["title"]["text"]
    assert 8 <= len(layout["shapes"]) <= 16  # one box per object, 1-2 objects a scene
    captions = [n["text"] for n in layout["annotations"] if n.get("xref") == "paper"]
    assert len(captions) == 8 and all("?" in text for text in captions)


def test_sequence_datasets_show_their_first_sequences():
    """Sequences have no gallery panel: the page shows their sizes, a preview and the load line
    (the first sequences as a figure, the first reviews and the first date pairs as tables)."""
    cases = (("sentiment", "3 classes (classification)"), ("sine", "no classes (regression)"),
             ("adding", "no classes (regression)"), ("copy", "10 classes (classification)"),
             ("dates", "13 classes (classification)"))
    for name, caption in cases:
        at = AppTest.from_file(PAGE, default_timeout=120)
        at.query_params.update({"dataset": name, "seed": "3"})
        at.run()
        assert_no_exception(at, f"the Datasets page on {name}")
        assert not at.error
        assert "Images shown" not in {w.label for w in at.slider}
        assert any(caption in c.value for c in at.caption)
        assert f'"{name}"' in at.code[-1].value and "seed=3" in at.code[-1].value
        if name == "sentiment":
            assert list(at.dataframe[-1].value.columns) == ["review", "label"]
        elif name == "dates":
            table = at.dataframe[-1].value
            assert list(table.columns) == ["source", "target"] and len(table) == 8
            assert all(len(target) == 10 and target[4] == target[7] == "-" for target in table["target"])
        else:
            figure = json.loads(at.get("plotly_chart")[-1].proto.spec)
            assert name in figure["layout"]["title"]["text"]
