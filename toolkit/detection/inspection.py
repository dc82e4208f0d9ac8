"""What the Detection page shows besides training: proposals, anchors and ROI bins of a scene.

Each function returns plain NumPy for ``toolkit.viz.regions``:

- ``proposal_preview``: selective search's best proposals of a few scenes and their recall
  (the share of objects one of the first k proposals covers with IoU >= 0.5);
- ``anchor_preview``: the A anchors of the centre cell and the anchors the scene's objects
  match (Faster R-CNN's RPN labels, ``anchors.match_anchors``);
- ``roi_preview``: one object's box on a feature map, pooled by ROI pooling (quantized) and by
  ROI Align (exact), with the quantization error in image pixels.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from keras import ops

from toolkit.detection.anchors import anchor_grid, match_anchors
from toolkit.detection.roi import quantization_error, quantized_rois, roi_align, roi_pool
from toolkit.detection.selective_search import RECALL_COUNTS, proposal_recall, selective_search


class ProposalPreview(NamedTuple):
    proposals: list  # per scene (P, 4), best first
    recall: dict  # {proposals kept: recall at IoU >= 0.5}


def proposal_preview(scenes, *, max_proposals: int = 200, seed: int = 0) -> ProposalPreview:
    """Selective search on every scene of `scenes` and the recall of their objects."""
    found = [selective_search(image, max_proposals=max_proposals, seed=seed) for image in scenes.images]
    counts = tuple(c for c in RECALL_COUNTS if c <= max_proposals)
    return ProposalPreview(found, proposal_recall(found, scenes.boxes, scenes.classes, counts=counts))


class AnchorPreview(NamedTuple):
    cell_anchors: np.ndarray  # (A, 4) the anchors of the centre cell
    positives: np.ndarray  # (P, 4) anchors labelled 1 for the scene's objects
    count: int  # anchors in the whole grid


def anchor_preview(boxes, classes, *, image_size=64, stride=4, scales=(8, 16, 32), ratios=(0.5, 1.0, 2.0),
                   positive_iou=0.5, negative_iou=0.3) -> AnchorPreview:
    """The anchors of Faster R-CNN's defaults on one scene's padded ground truth (M, 4), (M,)."""
    cells = image_size // stride
    anchors = anchor_grid(cells, image_size, scales, ratios)
    per_cell = len(scales) * len(ratios)
    centre = (cells // 2 * cells + cells // 2) * per_cell
    labels, _ = match_anchors(anchors, np.asarray(boxes, np.float32), np.asarray(classes, np.int32),
                              positive_iou=positive_iou, negative_iou=negative_iou)
    positive = ops.convert_to_numpy(labels) == 1
    return AnchorPreview(anchors[centre:centre + per_cell], anchors[positive], len(anchors))


class RoiPreview(NamedTuple):
    feature_map: np.ndarray  # (H, W) the image's luminance averaged over stride × stride patches
    roi: np.ndarray  # (4,) exact box, image pixels
    quantized: np.ndarray  # (4,) the box ROI pooling pools, image pixels
    pooled: np.ndarray  # (ph, pw) ROI pooling
    aligned: np.ndarray  # (ph, pw) ROI Align
    error: float  # largest |quantized − exact| coordinate, image pixels


def roi_preview(image, box, *, stride=4, output_size=(4, 4), sampling_ratio=2) -> RoiPreview:
    """Both poolings of `box` (xyxy pixels) on a feature map of `image` at 1/`stride` resolution.

    The map is the image's mean channel averaged over each stride × stride patch: its cells are
    then readable as the picture itself, which makes the bins' misplacement visible.
    """
    image = np.asarray(image, np.float32)
    h, w = image.shape[0] // stride, image.shape[1] // stride
    # (H, W, 3) -> (h, stride, w, stride) -> (h, w) patch means
    grey = image.mean(axis=-1)[:h * stride, :w * stride].reshape(h, stride, w, stride).mean(axis=(1, 3))
    scale = 1.0 / stride
    feature_map, rois = grey[None, :, :, None], np.asarray(box, np.float32).reshape(1, 1, 4)
    pooled = ops.convert_to_numpy(roi_pool(feature_map, rois, output_size, scale))[0, 0, ..., 0]
    aligned = ops.convert_to_numpy(roi_align(feature_map, rois, output_size, scale, sampling_ratio))[0, 0, ..., 0]
    return RoiPreview(grey, rois[0, 0], quantized_rois(rois, scale)[0, 0], pooled, aligned,
                      float(quantization_error(rois, scale).max()))
