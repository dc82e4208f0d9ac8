"""Mask R-CNN: the mask head's shape, mask targets and pasting by hand, the loss of the
region's own class only, saving, learning through toolkit.train.fit, detections with masks."""

import keras
import numpy as np
import pytest

from toolkit.data.shapes import scenes
from toolkit.detection.mask_rcnn import MaskHead, MaskRCNN, mask_loss, mask_targets, paste_masks
from toolkit.detection.two_stage import RegionTargets
from toolkit.train import fit

pytestmark = pytest.mark.xdist_group(__name__)  # the module's trained model, trained once

SMALL = {"channels": 16, "units": 32, "mask_channels": 8, "train_proposals": 32, "test_proposals": 20, "seed": 0}


def numpy(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def square_masks():
    """One image, two objects: a square over pixels [16, 32) × [16, 32) and an empty slot."""
    masks = np.zeros((1, 2, 64, 64), bool)
    masks[0, 0, 16:32, 16:32] = True
    return masks


def test_mask_head_gives_one_mask_per_class_and_region():
    head = MaskHead(num_classes=6, channels=8)
    assert tuple(head(np.zeros((2, 3, 14, 14, 16), np.float32)).shape) == (2, 3, 14, 14, 6)
    assert head.compute_output_shape((2, 3, 14, 14, 16)) == (2, 3, 14, 14, 6)


def test_mask_targets_are_the_object_mask_cropped_to_the_region():
    rois = np.array([[[16, 16, 32, 32], [16, 16, 48, 32], [0, 0, 8, 8]]], np.float32)
    targets = numpy(mask_targets(square_masks(), rois, np.zeros((1, 3), np.int32), 14))
    assert targets.shape == (1, 3, 14, 14)
    np.testing.assert_array_equal(targets[0, 0], 1)  # the region is the object's box
    np.testing.assert_array_equal(targets[0, 1, :, :7], 1)  # twice as wide: the object is the left half
    np.testing.assert_array_equal(targets[0, 1, :, 7:], 0)
    np.testing.assert_array_equal(targets[0, 2], 0)  # a region beside the object


def test_mask_loss_reads_only_the_own_class_of_object_regions():
    truth = np.zeros((1, 2, 4, 4), np.float32)
    truth[0, 0, :2] = 1
    logits = np.random.default_rng(0).normal(0, 5, (1, 2, 4, 4, 3)).astype(np.float32)
    logits[0, 0, ..., 1] = np.where(truth[0, 0] == 1, 30.0, -30.0)  # region 0 is of class 1: perfect
    targets = RegionTargets(np.zeros((1, 2, 4)), np.array([[1, 3]], np.int32), np.zeros((1, 2, 4)),
                            np.zeros((1, 2), np.int32), np.ones((1, 2), np.float32))  # region 1: background
    assert float(numpy(mask_loss(logits, targets, truth))) < 1e-6
    logits[0, 0, ..., 1] = 0.0
    assert float(numpy(mask_loss(logits, targets, truth))) == pytest.approx(np.log(2), rel=1e-5)


def test_paste_puts_the_mask_grid_onto_the_box_pixels():
    left_half = np.zeros((2, 14, 14), np.float32)
    left_half[0] = 1.0
    left_half[1, :, :7] = 1.0
    pasted = paste_masks(left_half, np.array([[10, 20, 30, 40], [16, 16, 48, 32]], np.float32), 64)
    expected = np.zeros((2, 64, 64), bool)
    expected[0, 20:40, 10:30] = True
    expected[1, 16:32, 16:32] = True
    np.testing.assert_array_equal(pasted, expected)


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(0)  # the initial weights
    data = scenes(32, seed=6)
    model = MaskRCNN(**SMALL)
    model.compile(keras.optimizers.Adam(1e-2))
    run = fit(model, data.images, {"boxes": data.boxes, "classes": data.classes, "masks": data.masks},
              batch_size=16, epochs=16, seed=0)
    return model, run


def test_training_lowers_the_mask_loss_and_the_total(trained):
    history = trained[1].history
    assert set(history) == {"loss", "rpn_objectness", "rpn_box", "head_class", "head_box", "mask"}
    assert history["mask"][-1] < 0.7 * history["mask"][0]
    assert history["loss"][-1] < 0.7 * history["loss"][0]


def test_detect_returns_a_mask_per_detection(trained):
    model = trained[0]
    found = model.detect(scenes(3, seed=9).images, score_threshold=0.01, max_detections=4)
    assert model.forward_passes(3) == 3 and model.title == "Mask R-CNN"
    assert sum(len(d) for d in found) > 0
    for d in found:
        assert d.masks.shape == (len(d), 64, 64) and d.masks.dtype == bool
        for mask, box in zip(d.masks, d.boxes):  # pasted inside the box
            rows, cols = np.nonzero(mask)
            assert len(rows) == 0 or (cols.min() >= np.floor(box[0]) and cols.max() < np.ceil(box[2])
                                      and rows.min() >= np.floor(box[1]) and rows.max() < np.ceil(box[3]))


def test_config_and_keras_file_round_trip(trained, tmp_path):
    model = trained[0]
    assert MaskRCNN.from_config(model.get_config()).get_config() == model.get_config()
    assert model.get_config()["roi_pooling"] == "align"
    model.save(tmp_path / "mask.keras")
    loaded = keras.saving.load_model(tmp_path / "mask.keras")
    images = scenes(2, seed=5).images
    expected, actual = model(images), loaded(images)
    assert tuple(expected["mask_logits"].shape) == (2, 20, 14, 14, 6)
    for name in expected:
        np.testing.assert_allclose(numpy(actual[name]), numpy(expected[name]), atol=1e-4)
