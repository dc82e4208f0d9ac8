"""Mask R-CNN (He et al., 2017): Faster R-CNN with a branch that segments each detected object.

The notes: Mask R-CNN "adds an additional branch to the neural network for instance
segmentation", uses ROI Align "to ensure more precise alignment of feature maps", and the
branch is an FCN "on top of selected features to produce accurate and detailed segmentation
masks". Each object region gets an m × m mask per class; only its own class's mask is trained,
against the region's crop of the object's mask, so classes do not compete for pixels:

    (1) L = L_obj + L_rpn_box + L_cls + L_loc + L_mask            (faster_rcnn Eq. 1 + the mask)
    (2) target_r = [crop of mask_g to region r, resampled to m × m (bilinear) >= ½]
    (3) L_mask = mean over object regions r of mean over the m² pixels of
                 BCE(target_r, σ(mask logit of class u_r))
    (4) at test time: the mask of each detected box's class, σ >= ½, pasted back into the image
        (bilinear resampling of the m × m grid onto the box's pixels)

g is the ground-truth object region r overlaps most (`RegionTargets.matched`), u_r its class.
The branch sees only the sampled object regions (`two_stage.balanced_sample` puts them first).
Symbols -> names: m = `mask_size`. Library twin: torchvision's ``maskrcnn_resnet50_fpn``
(``MaskRCNNHeads`` and ``paste_masks_in_image``).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from scipy import ndimage

from toolkit.detection.faster_rcnn import FasterRCNN
from toolkit.detection.metrics import Detections
from toolkit.detection.roi import RoiAlign
from toolkit.detection.two_stage import RegionTargets, crop_boxes, pad_boxes, region_detections, weighted_mean
from toolkit.validation import check_positive_int


@keras.saving.register_keras_serializable(package="toolkit")
class MaskHead(keras.layers.Layer):
    """Mask R-CNN's FCN: 3×3 convs (ReLU) on each region's aligned features, then a 1×1 conv
    with one mask logit per class and pixel. (B, R, m, m, C) -> (B, R, m, m, K)."""

    def __init__(self, num_classes=6, channels=16, depth=2, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = check_positive_int("num_classes", num_classes)
        self.channels = check_positive_int("channels", channels)
        self.depth = check_positive_int("depth", depth)
        self.convs = [keras.layers.Conv2D(self.channels, 3, padding="same", activation="relu", name=f"conv{i}")
                      for i in range(self.depth)]
        self.logits = keras.layers.Conv2D(self.num_classes, 1, name="logits")

    def build(self, input_shape):
        shape = (None, *input_shape[2:])
        for conv in self.convs:
            conv.build(shape)
            shape = (*shape[:3], self.channels)
        self.logits.build(shape)

    def call(self, features):
        shape = ops.shape(features)
        hidden = ops.reshape(features, (-1, *features.shape[2:]))  # (B·R, m, m, C)
        for conv in self.convs:
            hidden = conv(hidden)
        logits = self.logits(hidden)  # (B·R, m, m, K)
        return ops.reshape(logits, (shape[0], shape[1], *logits.shape[1:]))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:4], self.num_classes)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "channels": self.channels,
                "depth": self.depth}


def mask_targets(masks, rois, matched, mask_size):
    """Eq. 2: (B, R, m, m) targets from instance masks (B, M, S, S), regions (B, R, 4), matched (B, R)."""
    shape = ops.shape(masks)
    size = masks.shape[-1]
    pictures = ops.reshape(ops.cast(masks, "float32"), (-1, size, size, 1))  # (B·M, S, S, 1)
    owner = ops.reshape(ops.arange(shape[0])[:, None] * shape[1] + matched, (-1,))  # (B·R,) index of g
    boxes = crop_boxes(ops.reshape(rois, (-1, 4)), size, mask_size)
    crops = tf.image.crop_and_resize(pictures, boxes, owner, (mask_size, mask_size))  # (B·R, m, m, 1)
    return ops.reshape(ops.cast(crops >= 0.5, "float32"), (shape[0], -1, mask_size, mask_size))


def mask_loss(mask_logits, targets: RegionTargets, truth):
    """Eq. 3: mask_logits (B, R, m, m, K), the sampled regions, their targets (B, R, m, m)."""
    num_classes = mask_logits.shape[-1]
    own = ops.take_along_axis(mask_logits, ops.minimum(targets.classes, num_classes - 1)[:, :, None, None, None],
                              axis=-1)[..., 0]  # (B, R, m, m)
    per_region = ops.mean(ops.binary_crossentropy(truth, own, from_logits=True), axis=(2, 3))
    objects = ops.cast(targets.classes < num_classes, "float32") * targets.weights
    return weighted_mean(per_region, objects)


def paste_masks(probabilities, boxes, image_size) -> np.ndarray:
    """Eq. 4: (D, m, m) mask probabilities of boxes (D, 4) -> (D, S, S) bool image masks."""
    pasted = np.zeros((len(boxes), image_size, image_size), bool)
    centres = np.arange(image_size) + 0.5
    for mask, box, out in zip(probabilities, np.asarray(boxes, np.float32), pasted):
        size = mask.shape[0]
        # the mask grid's index of every pixel centre (the grid's cells split the box evenly)
        rows = (centres - box[1]) / max(box[3] - box[1], 1e-6) * size - 0.5
        cols = (centres - box[0]) / max(box[2] - box[0], 1e-6) * size - 0.5
        inside_rows, inside_cols = (centres >= box[1]) & (centres < box[3]), (centres >= box[0]) & (centres < box[2])
        grid = np.meshgrid(rows[inside_rows], cols[inside_cols], indexing="ij")
        values = ndimage.map_coordinates(mask, grid, order=1, mode="nearest")
        out[np.ix_(inside_rows, inside_cols)] = values >= 0.5
    return pasted


@keras.saving.register_keras_serializable(package="toolkit")
class MaskRCNN(FasterRCNN):
    """Faster R-CNN with ROI Align and a mask branch (Eq. 1); y also holds "masks" (N, M, S, S).

    Args (besides `FasterRCNN`'s; `roi_pooling` defaults to "align"):
        mask_size: m, the side of each region's mask grid.
        mask_channels: width of the mask head's 3×3 convs.
    """

    title = "Mask R-CNN"
    loss_parts = (*FasterRCNN.loss_parts, "mask")

    def __init__(self, *, mask_size=14, mask_channels=16, roi_pooling="align", **kwargs):
        super().__init__(roi_pooling=roi_pooling, **kwargs)
        self.mask_size = check_positive_int("mask_size", mask_size)
        self.mask_channels = check_positive_int("mask_channels", mask_channels)
        self.mask_align = RoiAlign(self.mask_size, spatial_scale=1 / self.stride, name="mask_align")
        self.mask_head = MaskHead(self.num_classes, self.mask_channels, name="mask_head")
        self.mask_head.build((None, None, self.mask_size, self.mask_size, self.channels))
        self.built = True

    def outputs_of(self, features) -> dict:
        """Faster R-CNN's outputs plus "mask_logits" (B, P, m, m, K) on the test proposals."""
        outputs = super().outputs_of(features)
        return {**outputs, "mask_logits": self.mask_head(self.mask_align(features, outputs["proposals"]))}

    def loss_terms(self, x, y, training) -> dict:
        # Steps 1-4: Faster R-CNN's
        terms, features, targets = self.stages(x, y, training)
        # Step 5: the mask branch on the object regions, the first slots of the sample (Eqs. 2-3)
        objects = RegionTargets(*(part[:, :max(int(self.sampled_regions * self.positive_fraction), 1)]
                                  for part in targets))
        logits = self.mask_head(self.mask_align(features, objects.rois))
        truth = mask_targets(y["masks"], objects.rois, objects.matched, self.mask_size)
        return {**terms, "mask": mask_loss(logits, objects, truth)}

    def detect_batch(self, x, **settings) -> list:
        """Faster R-CNN's detections, each with the pasted mask of its class (Eq. 4)."""
        features = self.backbone(x)
        rois, probabilities, deltas = (keras.ops.convert_to_numpy(t) for t in self.regions_of(features))
        found = [region_detections(*parts, image_size=self.image_size, **settings)
                 for parts in zip(rois, probabilities, deltas)]
        boxes = pad_boxes([d.boxes for d in found], settings["max_detections"])  # (B, D, 4)
        masks = keras.ops.convert_to_numpy(ops.sigmoid(self.mask_head(self.mask_align(features, boxes))))
        return [Detections(d.boxes, d.scores, d.classes,
                           paste_masks(masks[i, np.arange(len(d)), :, :, d.classes], d.boxes, self.image_size))
                for i, d in enumerate(found)]

    def get_config(self):
        return {**super().get_config(), "mask_size": self.mask_size, "mask_channels": self.mask_channels}
