"""Faster R-CNN (Ren et al., 2015): a Region Proposal Network replaces selective search.

The notes: "instead of using Selective Search, a separate network RPN is used", and the
"end-to-end architecture" trains "the entire model in a single step". The backbone runs once;
a 3×3 convolution slides over its feature map and, for each of the A anchors of every cell
(`anchors.anchor_grid`), predicts an objectness logit and four box deltas. The best anchors,
moved by their deltas and thinned by non-max suppression, are the proposals; Fast R-CNN's
heads then classify them on the same feature map. The four losses are summed:

    (1) L = L_obj + L_rpn_box + L_cls + L_loc
    (2) L_obj = mean over sampled anchors of BCE(label_a, σ(o_a))      (labels: anchors.py Eq. 3)
    (3) L_rpn_box = mean over sampled object anchors of Σ smooth_L1(t_a − t*_a)
    (4) proposals = NMS_0.7(decode(t_a, a) for the best-scoring anchors), no gradient
    (5) L_cls, L_loc: Fast R-CNN's loss on regions sampled from the proposals (two_stage Eqs. 1-6)

Anchors are sampled as regions are (`two_stage.balanced_sample`: 64 per image, up to half of
them objects), and their deltas use the heads' weights (10, 10, 5, 5). Symbols -> names:
o_a = `objectness`, t_a = `rpn_deltas`, t*_a = the targets of `rpn_losses`. Library twin:
keras-hub's ``FasterRCNN`` (its ``RegionProposalNetwork`` and ``ROIAligner``).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from toolkit.detection.anchors import anchor_grid, match_anchors
from toolkit.detection.boxes import decode, encode
from toolkit.detection.roi import RoiAlign, RoiPooling
from toolkit.detection.two_stage import (HEAD_WEIGHTS, BoxHead, TwoStageDetector, backbone, balanced_sample,
                                         head_losses, smooth_l1, weighted_mean, with_ground_truth)
from toolkit.validation import check_choice, check_positive_int

ROI_LAYERS = {"pool": RoiPooling, "align": RoiAlign}
RPN_NMS_IOU = 0.7  # Eq. 4, the paper's threshold
PRE_NMS_FACTOR = 6  # the paper keeps 12000 anchors before NMS for 2000 proposals after it


@keras.saving.register_keras_serializable(package="toolkit")
class RegionProposalNetwork(keras.layers.Layer):
    """A 3×3 conv (ReLU), then per anchor an objectness logit and four deltas (1×1 convs).

    (B, H, W, C) -> objectness (B, H·W·A), deltas (B, H·W·A, 4), in `anchor_grid`'s order
    (row, column, anchor).
    """

    def __init__(self, anchors_per_cell=9, channels=32, **kwargs):
        super().__init__(**kwargs)
        self.anchors_per_cell = check_positive_int("anchors_per_cell", anchors_per_cell)
        self.channels = check_positive_int("channels", channels)
        self.conv = keras.layers.Conv2D(self.channels, 3, padding="same", activation="relu", name="conv")
        self.objectness = keras.layers.Conv2D(self.anchors_per_cell, 1, name="objectness")
        self.deltas = keras.layers.Conv2D(4 * self.anchors_per_cell, 1, name="deltas",
                                          kernel_initializer=keras.initializers.RandomNormal(stddev=0.001))

    def build(self, input_shape):
        self.conv.build(input_shape)
        self.objectness.build((*input_shape[:3], self.channels))
        self.deltas.build((*input_shape[:3], self.channels))

    def call(self, features):
        hidden = self.conv(features)
        batch = ops.shape(features)[0]
        # (B, H, W, A) -> (B, H·W·A);  (B, H, W, 4A) -> (B, H·W·A, 4)
        return ops.reshape(self.objectness(hidden), (batch, -1)), ops.reshape(self.deltas(hidden), (batch, -1, 4))

    def compute_output_shape(self, input_shape):
        anchors = None if None in input_shape[1:3] else input_shape[1] * input_shape[2] * self.anchors_per_cell
        return (input_shape[0], anchors), (input_shape[0], anchors, 4)

    def get_config(self):
        return {**super().get_config(), "anchors_per_cell": self.anchors_per_cell, "channels": self.channels}


@keras.saving.register_keras_serializable(package="toolkit")
class FasterRCNN(TwoStageDetector):
    """Backbone -> RPN -> proposals -> ROI pooling (or ROI Align) -> box head, trained on Eq. 1.

    Args (besides `TwoStageDetector`'s):
        stride, channels: the backbone's stride (4 or 8) and last width; the RPN has as many.
        anchor_scales, anchor_ratios: the anchors of every cell (pixels; w / h).
        rpn_samples: anchors per image in L_obj (half of them objects at most).
        train_proposals, test_proposals: proposals kept after NMS per image (Eq. 4).
        roi_pooling: "pool" (Fast R-CNN's ROI pooling, the paper's) or "align" (ROI Align).
        pool_size: side of the pooled grid; units: the box head's hidden width.
    """

    title = "Faster R-CNN"
    loss_parts = ("rpn_objectness", "rpn_box", "head_class", "head_box")

    def __init__(self, *, stride=4, channels=32, anchor_scales=(8, 16, 32), anchor_ratios=(0.5, 1.0, 2.0),
                 rpn_samples=64, train_proposals=64, test_proposals=50, roi_pooling="pool", pool_size=7,
                 units=128, **kwargs):
        super().__init__(**kwargs)
        self.stride, self.channels = check_positive_int("stride", stride), check_positive_int("channels", channels)
        self.anchor_scales, self.anchor_ratios = tuple(anchor_scales), tuple(anchor_ratios)
        self.anchors = anchor_grid(self.image_size // self.stride, self.image_size, self.anchor_scales,
                                   self.anchor_ratios)  # (H·W·A, 4), NumPy constants
        self.rpn_samples = check_positive_int("rpn_samples", rpn_samples)
        self.train_proposals = check_positive_int("train_proposals", train_proposals)
        self.test_proposals = check_positive_int("test_proposals", test_proposals)
        self.roi_pooling = check_choice("roi_pooling", roi_pooling, tuple(ROI_LAYERS))
        self.pool_size, self.units = check_positive_int("pool_size", pool_size), check_positive_int("units", units)
        self.backbone = backbone(self.stride, self.channels, self.image_size)
        cells = self.image_size // self.stride
        self.rpn = RegionProposalNetwork(len(self.anchor_scales) * len(self.anchor_ratios), self.channels, name="rpn")
        self.rpn.build((None, cells, cells, self.channels))
        self.roi_layer = ROI_LAYERS[self.roi_pooling](self.pool_size, spatial_scale=1 / self.stride, name="roi_layer")
        self.box_head = BoxHead(self.num_classes, self.units, name="box_head")
        self.box_head.build((None, None, self.pool_size, self.pool_size, self.channels))
        self.built = True

    def call(self, images, training=False):
        """The RPN's outputs on every anchor, the test proposals and the heads' outputs on them."""
        return self.outputs_of(self.backbone(images, training=training))

    def outputs_of(self, features) -> dict:
        objectness, rpn_deltas = self.rpn(features)
        proposals = self.propose(objectness, rpn_deltas, self.test_proposals)
        class_logits, box_deltas = self.box_head(self.roi_layer(features, proposals))
        return {"rpn_objectness": objectness, "rpn_deltas": rpn_deltas, "proposals": proposals,
                "class_logits": class_logits, "box_deltas": box_deltas}

    def propose(self, objectness, rpn_deltas, count):
        """Eq. 4: (B, count, 4) proposals, zero boxes where fewer survive NMS (not regions)."""
        objectness, rpn_deltas = ops.stop_gradient(objectness), ops.stop_gradient(rpn_deltas)
        boxes = ops.clip(decode(rpn_deltas, self.anchors, HEAD_WEIGHTS), 0.0, float(self.image_size))
        scores, best = ops.top_k(ops.sigmoid(objectness), min(PRE_NMS_FACTOR * count, len(self.anchors)))
        boxes = ops.take_along_axis(boxes, best[..., None], axis=1)  # (B, pre-NMS, 4)
        # IoU is the same in xyxy and yxyx order, so the boxes go in as they are
        kept = tf.image.combined_non_max_suppression(boxes[:, :, None], scores[..., None], count, count,
                                                     iou_threshold=RPN_NMS_IOU, clip_boxes=False)
        return ops.stop_gradient(kept.nmsed_boxes)

    def rpn_losses(self, objectness, rpn_deltas, y):
        """Eqs. 2-3 on `rpn_samples` anchors per image labelled by `anchors.match_anchors`."""
        boxes, classes = ops.cast(y["boxes"], "float32"), ops.cast(y["classes"], "int32")
        labels, matched = match_anchors(self.anchors, boxes, classes)  # (B, A) each
        index, weights = balanced_sample(labels, self.rpn_samples, 0.5, self.seed_generator)
        labels = ops.take_along_axis(labels, index, axis=1)
        logits = ops.take_along_axis(objectness, index, axis=1)
        # Eq. 2
        cross_entropy = ops.binary_crossentropy(ops.cast(labels == 1, "float32"), logits, from_logits=True)
        truth = ops.take_along_axis(boxes, ops.take_along_axis(matched, index, axis=1)[..., None], axis=1)
        targets = encode(truth, ops.take(self.anchors, index, axis=0), HEAD_WEIGHTS)  # (B, S, 4)
        predicted = ops.take_along_axis(rpn_deltas, index[..., None], axis=1)
        # Eq. 3 on the sampled object anchors
        box = ops.sum(smooth_l1(predicted - targets), axis=-1)
        objects = ops.cast(labels == 1, "float32") * weights
        return weighted_mean(cross_entropy, weights), weighted_mean(box, objects)

    def stages(self, images, y, training):
        """Eq. 1's four terms, and the feature map and sampled regions (for Mask R-CNN's branch)."""
        # Step 1: one backbone pass; the RPN's objectness and deltas for every anchor
        features = self.backbone(images, training=training)
        objectness, rpn_deltas = self.rpn(features)
        # Step 2: the RPN's losses on sampled anchors (Eqs. 2-3)
        rpn_objectness, rpn_box = self.rpn_losses(objectness, rpn_deltas, y)
        # Step 3: proposals (Eq. 4) plus the ground truth, labelled and sampled (two_stage Eqs. 1-2)
        proposals = self.propose(objectness, rpn_deltas, self.train_proposals)
        targets = self.sample(with_ground_truth(proposals, y["boxes"]), y)
        # Step 4: the heads on the pooled regions of the same feature map (two_stage Eqs. 3-6)
        class_logits, box_deltas = self.box_head(self.roi_layer(features, targets.rois))
        head_class, head_box = head_losses(class_logits, box_deltas, targets)
        terms = {"rpn_objectness": rpn_objectness, "rpn_box": rpn_box, "head_class": head_class, "head_box": head_box}
        return terms, features, targets

    def loss_terms(self, x, y, training) -> dict:
        return self.stages(x, y, training)[0]

    def regions(self, x):
        return self.regions_of(self.backbone(x))

    def regions_of(self, features):
        """(proposals, class probabilities, box deltas) of the test proposals on a feature map."""
        proposals = self.propose(*self.rpn(features), self.test_proposals)
        class_logits, box_deltas = self.box_head(self.roi_layer(features, proposals))
        return proposals, ops.softmax(class_logits), box_deltas

    def get_config(self):
        return {**super().get_config(), "stride": self.stride, "channels": self.channels,
                "anchor_scales": list(self.anchor_scales), "anchor_ratios": list(self.anchor_ratios),
                "rpn_samples": self.rpn_samples, "train_proposals": self.train_proposals,
                "test_proposals": self.test_proposals, "roi_pooling": self.roi_pooling,
                "pool_size": self.pool_size, "units": self.units}
