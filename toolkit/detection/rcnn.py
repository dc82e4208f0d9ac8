"""R-CNN (Girshick et al., 2014) and Fast R-CNN (Girshick, 2015): detectors of given proposals.

The notes: R-CNN "uses proposed regions to identify objects" and a CNN "to extract features
and classify objects within the regions"; selective search proposes the regions, and "train
and test are very slow". Every proposal is cut out of the image and warped to a fixed size,
and the CNN runs once per proposal:

    (1) R-CNN:       features_r = CNN(warp(image, region_r))            P CNN passes per image
    (2) Fast R-CNN:  features_r = RoiPool(CNN(image), region_r)         one CNN pass per image

Fast R-CNN's "convolution is performed only once for the entire image": ROI pooling cuts each
region's fixed-size features out of the shared feature map. Both then classify every region
into K classes or background and regress a box per class, trained on the multi-task loss of
`two_stage` (Eqs. 1-6 there) on regions sampled from the proposals plus the ground-truth boxes.
The paper's R-CNN fine-tunes a pretrained CNN, then trains SVMs and box regressors on its
features; here its CNN, softmax classifier and regressor train together on that same loss, so
that the two models differ only in Eq. 1 vs Eq. 2. The warp keeps no context padding.

x = {"images": (N, S, S, 3), "proposals": (N, P, 4) xyxy, −1 padding} (selective search:
`two_stage.search_proposals`, for training `two_stage.training_proposals`), y = {"boxes", "classes"}.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.detection.roi import RoiPooling
from toolkit.detection.two_stage import (BoxHead, TwoStageDetector, backbone, crop_boxes, head_losses,
                                         search_proposals, with_ground_truth)
from toolkit.validation import check_int, check_positive_int


class ProposalDetector(TwoStageDetector):
    """What R-CNN and Fast R-CNN share: training on given proposals, testing on the first
    `proposals_per_image` of them (selective search when `detect` gets images alone).

    Subclasses define `region_features(images, rois, training)` -> (B, R, ph, pw, C).
    """

    def __init__(self, *, proposals_per_image=100, units=128, **kwargs):
        super().__init__(**kwargs)
        self.proposals_per_image = check_positive_int("proposals_per_image", proposals_per_image)
        self.units = check_positive_int("units", units)
        self.box_head = BoxHead(self.num_classes, self.units, name="box_head")

    def region_features(self, images, rois, training):
        raise NotImplementedError

    def call(self, x, training=False):
        """{"class_logits": (B, P, K + 1), "box_deltas": (B, P, K, 4)} of the first proposals;
        x = {"images", "proposals"} or the pair (images, proposals)."""
        if isinstance(x, (list, tuple)):
            x = dict(zip(("images", "proposals"), x))
        rois = ops.cast(x["proposals"][:, :self.proposals_per_image], "float32")
        class_logits, box_deltas = self.box_head(self.region_features(x["images"], rois, training))
        return {"class_logits": class_logits, "box_deltas": box_deltas}

    def loss_terms(self, x, y, training) -> dict:
        # Step 1: label the proposals and ground-truth boxes, sample regions (two_stage Eqs. 1-2)
        targets = self.sample(with_ground_truth(x["proposals"], y["boxes"]), y)
        # Step 2: each region's features (Eq. 1 or Eq. 2), then class logits and box deltas
        class_logits, box_deltas = self.box_head(self.region_features(x["images"], targets.rois, training))
        # Step 3: the multi-task loss (two_stage Eqs. 3-6)
        return dict(zip(("head_class", "head_box"), head_losses(class_logits, box_deltas, targets)))

    def regions(self, x):
        outputs = self(x)
        rois = ops.cast(x["proposals"][:, :self.proposals_per_image], "float32")
        return rois, ops.softmax(outputs["class_logits"]), outputs["box_deltas"]

    def detect(self, x, **settings) -> list:
        """Detections of images (N, S, S, 3), proposed by selective search, or of {"images", "proposals"}."""
        if not isinstance(x, dict):
            images = np.asarray(x, np.float32)
            x = {"images": images, "proposals": search_proposals(images, self.proposals_per_image)}
        return super().detect(x, **settings)

    def get_config(self):
        return {**super().get_config(), "proposals_per_image": self.proposals_per_image, "units": self.units}


@keras.saving.register_keras_serializable(package="toolkit")
class RCNN(ProposalDetector):
    """R-CNN: every region warped to `crop_size` × `crop_size` pixels and read by its own CNN pass (Eq. 1).

    Args (besides `TwoStageDetector`'s and `ProposalDetector`'s):
        crop_size: side of the warped crops, divisible by 4.
        channels: width of the CNN's last layer (stride 4 on the crop).
    """

    title = "R-CNN"

    def __init__(self, *, crop_size=24, channels=32, **kwargs):
        super().__init__(**kwargs)
        self.crop_size = check_int("crop_size", crop_size, 8, hint="Use a multiple of 4, such as 24.")
        self.channels = check_positive_int("channels", channels)
        self.cnn = backbone(4, self.channels, self.crop_size, name="cnn")
        self.box_head.build((None, None, self.crop_size // 4, self.crop_size // 4, self.channels))
        self.built = True

    def region_features(self, images, rois, training):
        """Eq. 1: crop and warp each region (bilinear, ``tf.image.crop_and_resize``), one CNN pass each."""
        shape = ops.shape(rois)
        flat = ops.reshape(rois, (-1, 4))  # (B·R, 4)
        owner = ops.repeat(ops.arange(shape[0]), shape[1])  # the image of each region
        crops = tf.image.crop_and_resize(images, crop_boxes(flat, self.image_size, self.crop_size), owner,
                                         (self.crop_size, self.crop_size))  # (B·R, c, c, 3)
        features = self.cnn(crops, training=training)  # (B·R, c/4, c/4, C)
        return ops.reshape(features, (shape[0], shape[1], *features.shape[1:]))

    def forward_passes(self, n_images=1) -> int:
        """CNN passes for `n_images` images: one per proposal (Eq. 1), `proposals_per_image` each."""
        return super().forward_passes(n_images) * self.proposals_per_image

    def get_config(self):
        return {**super().get_config(), "crop_size": self.crop_size, "channels": self.channels}


@keras.saving.register_keras_serializable(package="toolkit")
class FastRCNN(ProposalDetector):
    """Fast R-CNN: one CNN pass per image, ROI pooling of every region (Eq. 2).

    Args (besides `TwoStageDetector`'s and `ProposalDetector`'s):
        stride: the backbone's stride (4 or 8): ROI pooling's spatial scale is 1 / stride.
        channels: width of the backbone's last layer.
        pool_size: side of ROI pooling's output grid.
    """

    title = "Fast R-CNN"

    def __init__(self, *, stride=4, channels=32, pool_size=7, **kwargs):
        super().__init__(**kwargs)
        self.stride = check_positive_int("stride", stride)
        self.channels = check_positive_int("channels", channels)
        self.pool_size = check_positive_int("pool_size", pool_size)
        self.backbone = backbone(self.stride, self.channels, self.image_size)
        self.roi_pooling = RoiPooling(self.pool_size, spatial_scale=1 / self.stride, name="roi_pooling")
        self.box_head.build((None, None, self.pool_size, self.pool_size, self.channels))
        self.built = True

    def region_features(self, images, rois, training):
        """Eq. 2: one backbone pass, then ROI pooling of every region."""
        return self.roi_pooling(self.backbone(images, training=training), rois)

    def get_config(self):
        return {**super().get_config(), "stride": self.stride, "channels": self.channels,
                "pool_size": self.pool_size}
