"""The Detection page's views of proposals, anchors and ROI bins (toolkit.detection.inspection)
and their figures (toolkit.viz.regions)."""

import numpy as np
import pytest

from toolkit.data.shapes import scenes
from toolkit.detection.anchors import anchor_grid
from toolkit.detection.boxes import iou
from toolkit.detection.inspection import anchor_preview, proposal_preview, roi_preview
from toolkit.viz.regions import anchor_figure, proposal_grid, recall_curve, roi_bins


@pytest.fixture(scope="module")
def preview():
    return scenes(6, seed=4)


def test_proposal_recall_rises_with_the_proposals_kept(preview):
    found = proposal_preview(preview)
    counts = sorted(found.recall)
    recalls = [found.recall[c] for c in counts]
    assert recalls == sorted(recalls) and recalls[-1] >= 0.8, found.recall  # more proposals cover more objects
    assert len(found.proposals) == len(preview)
    figure = proposal_grid(preview.images[:3], found.proposals[:3], preview.boxes[:3], shown=5)
    truth = int((preview.classes[:3] >= 0).sum())
    assert len(figure.layout.shapes) == truth + sum(min(5, len(p)) for p in found.proposals[:3])
    assert len(recall_curve({"selective search": found.recall}).data[0].x) == len(counts)


def test_every_object_has_a_positive_anchor(preview):
    anchors = anchor_preview(preview.boxes[0], preview.classes[0])
    assert anchors.cell_anchors.shape == (9, 4) and anchors.count == len(anchor_grid(16, 64, (8, 16, 32),
                                                                                      (0.5, 1.0, 2.0)))
    centres = (anchors.cell_anchors[:, :2] + anchors.cell_anchors[:, 2:]) / 2
    np.testing.assert_allclose(centres, np.full((9, 2), 34.0))  # cell (8, 8) of stride 4: (8 + ½) · 4
    truth = preview.boxes[0][preview.classes[0] >= 0]
    overlaps = np.asarray(iou(truth, anchors.positives))
    assert np.all(overlaps.max(axis=1) > 0.3)  # each object's best anchor is among the positives
    figure = anchor_figure(preview.images[0], anchors.cell_anchors, anchors.positives, preview.boxes[0], title="a")
    assert len(figure.layout.shapes) == 9 + len(anchors.positives) + len(truth)


def test_roi_pooling_is_off_by_the_quantization_roi_align_is_not(preview):
    box = np.array([8.0, 12.0, 28.0, 28.0])
    on_grid = roi_preview(preview.images[0], box)
    assert on_grid.error == 0.0  # a box on whole cells (stride 4): both poolings see the same box
    shifted = roi_preview(preview.images[0], box + [1.5, 0, 1.5, 0])
    assert shifted.error == pytest.approx(1.5)  # rounds back to the same cells ...
    np.testing.assert_array_equal(shifted.pooled, on_grid.pooled)  # ... so pooling does not move
    assert not np.allclose(shifted.aligned, on_grid.aligned)  # ROI Align follows the box
    assert shifted.feature_map.shape == (16, 16) and shifted.pooled.shape == shifted.aligned.shape == (4, 4)
    figure = roi_bins(shifted.feature_map, shifted.roi, shifted.quantized, shifted.pooled, shifted.aligned,
                      spatial_scale=0.25, title="t")
    assert len(figure.layout.shapes) == 2 * (5 + 5)  # two boxes, 4 + 1 bin edges each way
