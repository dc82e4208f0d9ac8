"""The Detection & segmentation page in AppTest: a proposal-based detector and Mask R-CNN, predictions drawn.

YOLO, the smallest run, is trained by tests/demos/test_pages_apptest.py."""

from tests.demos.conftest import assert_no_exception, click_and_finish, end_states, open_page

TIMEOUT = 300


def _page(**params):
    return open_page("detection", timeout=TIMEOUT, **params)


def test_two_detectors_train_and_their_predictions_are_drawn():
    at = _page(models="fast_rcnn,mask_rcnn", n="200", test="20", epochs="1")
    assert_no_exception(at, "detection page")
    figures = len(at.get("plotly_chart"))  # proposals, recall, anchors, ROI bins before any training
    assert figures == 4
    click_and_finish(at, "Train")
    assert_no_exception(at, "detection page after Train")
    assert not [e.value for e in at.error]
    assert any(word in end_states(at) for word in ("Finished", "Did not learn")), end_states(at)
    table = at.dataframe[-1].value
    assert list(table["Detector"]) == ["Fast R-CNN", "Mask R-CNN"]
    assert list(table["CNN passes per image"]) == [1, 1]
    assert len(at.get("plotly_chart")) == figures + 2  # the loss curves and the predictions
    at.selectbox(key="detection.inspect").set_value("Mask R-CNN").run()
    assert_no_exception(at, "detection page showing Mask R-CNN's predicted masks")


def test_a_bad_link_gets_one_sentence_and_the_page_keeps_working():
    at = _page(models="yolo,unknown", epochs="0")
    assert_no_exception(at, "detection page with a bad link")
    assert at.error or at.warning, "a malformed URL parameter should be answered on the page"
