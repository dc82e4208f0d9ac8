"""R-CNN and Fast R-CNN, and the parts all region-based detectors share (two_stage): region
sampling and targets by hand, the multi-task loss against keras.losses.Huber, crops at bin
centres, head shapes, saving, learning through toolkit.train.fit, detections, CNN passes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.data.shapes import scenes
from toolkit.detection.boxes import encode, iou
from toolkit.detection.metrics import Detections
from toolkit.detection.rcnn import RCNN, FastRCNN
from toolkit.detection.two_stage import (HEAD_WEIGHTS, BoxHead, RegionTargets, backbone, balanced_sample, crop_boxes,
                                         head_losses, pad_boxes, sample_regions, smooth_l1, training_proposals)
from toolkit.train import fit

pytestmark = pytest.mark.xdist_group(__name__)  # the module's trained model, trained once

TRUTH = np.array([[[10, 10, 30, 30], [-1, -1, -1, -1]]], np.float32)
TRUTH_CLASSES = np.array([[2, -1]], np.int32)


def numpy(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def test_backbone_strides_the_image_down_and_rejects_other_strides():
    assert backbone(4, 32, 64).output_shape == (None, 16, 16, 32)
    assert backbone(8, 16, 64).output_shape == (None, 8, 8, 16)
    with pytest.raises(ValueError, match="power of two"):
        backbone(6, 32, 64)


def test_box_head_gives_k_plus_one_logits_and_k_boxes_per_region():
    head = BoxHead(num_classes=6, units=16)
    logits, deltas = head(np.zeros((2, 5, 4, 4, 8), np.float32))
    assert logits.shape == (2, 5, 7) and deltas.shape == (2, 5, 6, 4)
    assert head.compute_output_shape((2, 5, 4, 4, 8)) == ((2, 5, 7), (2, 5, 6, 4))


def test_balanced_sample_takes_at_most_the_positive_share_positives_first():
    labels = np.array([[1, 1, 1, 0, 0, 0, -1, -1],    # 3 positives, 3 negatives
                       [0, 0, 0, 0, 0, -1, -1, -1],   # no positive: negatives fill every slot
                       [-1, 0, -1, -1, -1, -1, -1, -1]], np.int32)  # one candidate: 3 empty slots
    index, weights = (numpy(t) for t in balanced_sample(labels, 4, 0.5, keras.random.SeedGenerator(0)))
    picked = np.take_along_axis(labels, index, axis=1)
    np.testing.assert_array_equal(picked[0], [1, 1, 0, 0])
    assert len(set(index[0])) == 4 and set(picked[1]) == {0} and len(set(index[1])) == 4
    np.testing.assert_array_equal(weights, [[1, 1, 1, 1], [1, 1, 1, 1], [1, 0, 0, 0]])
    assert index[2, 0] == 1


def test_regions_are_labelled_by_their_best_iou_and_get_their_box_deltas():
    rois = np.array([[[10, 10, 30, 30],      # the box itself: object, zero deltas
                      [12, 10, 32, 30],      # IoU 18/22 = 0.82: object
                      [20, 20, 40, 40],      # IoU 100/700 = 0.14: background
                      [-1, -1, -1, -1]]], np.float32)  # padding: never sampled
    assert numpy(iou(rois[0, 1:3], TRUTH[0, :1]))[:, 0] == pytest.approx([18 / 22, 1 / 7])
    targets = sample_regions(rois, TRUTH, TRUTH_CLASSES, num_classes=6, num_samples=4, positive_fraction=0.5,
                             seed=keras.random.SeedGenerator(1))
    order = np.argsort(numpy(targets.rois)[0, :3, 0])  # slots by x_min: rows 0, 1, 2
    classes, weights = numpy(targets.classes)[0], numpy(targets.weights)[0]
    np.testing.assert_array_equal(weights, [1, 1, 1, 0])
    np.testing.assert_array_equal(classes[:3][order], [2, 2, 6])  # 6 = K, the background
    deltas = numpy(targets.deltas)[0, :3][order]
    np.testing.assert_allclose(deltas[0], 0, atol=1e-6)
    np.testing.assert_allclose(deltas[1], numpy(encode(TRUTH[0, 0], rois[0, 1], HEAD_WEIGHTS)), atol=1e-6)
    np.testing.assert_allclose(deltas[1], [-10 * 2 / 20, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(deltas[2], 0)


def test_sampling_needs_as_many_regions_as_samples():
    with pytest.raises(ValueError, match="at least as many proposals"):
        sample_regions(TRUTH, TRUTH, TRUTH_CLASSES, num_classes=6, num_samples=4, positive_fraction=0.25,
                       seed=keras.random.SeedGenerator(0))


def test_smooth_l1_is_keras_huber_with_delta_one():
    d = np.linspace(-3, 3, 13).astype(np.float32)
    huber = keras.losses.Huber(delta=1.0, reduction=None)
    np.testing.assert_allclose(numpy(smooth_l1(d)), numpy(huber(d[:, None], np.zeros((13, 1), np.float32))),
                               atol=1e-6)


def test_head_losses_by_hand():
    rois = np.zeros((1, 2, 4), np.float32)
    targets_classes = np.array([[1, 2]], np.int32)  # K = 2: region 0 object of class 1, region 1 background
    logits = np.log(np.array([[[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]], np.float32))
    deltas = np.zeros((1, 2, 2, 4), np.float32)
    deltas[0, 0, 1] = [0.5, 0, 0, 3.0]  # class 1's deltas of region 0 (class 0's are ignored)
    deltas[0, 0, 0] = 100.0
    targets = RegionTargets(rois, targets_classes, np.zeros((1, 2, 4), np.float32), np.zeros((1, 2), np.int32),
                            np.ones((1, 2), np.float32))
    cls, box = (float(numpy(t)) for t in head_losses(logits, deltas, targets))
    assert cls == pytest.approx(-(np.log(0.5) + np.log(0.8)) / 2, rel=1e-5)
    assert box == pytest.approx(0.5 * 0.25 + 2.5, rel=1e-5)  # one object region: smooth_L1(0.5) + smooth_L1(3)


def test_crop_boxes_sample_the_centres_of_equal_bins():
    ramp = np.broadcast_to(np.arange(64, dtype=np.float32) + 0.5, (1, 64, 64))[..., None]  # value = x of pixel centre
    boxes = numpy(crop_boxes(np.array([[8, 16, 24, 20]], np.float32), 64, 4))
    crop = numpy(tf.image.crop_and_resize(ramp, boxes, [0], (4, 4)))[0, ..., 0]
    np.testing.assert_allclose(crop[0], [10, 14, 18, 22], atol=1e-4)  # bins of 4 pixels from x = 8


def test_training_proposals_mix_jittered_truth_with_selective_search():
    data = scenes(3, seed=0)
    proposals = training_proposals(data, count=32, seed=0)
    assert proposals.shape == (3, 32, 4)
    near = numpy(iou(proposals[:, :8], data.boxes)).max(-1)  # the first quarter: jittered ground truth
    assert np.mean(near >= 0.5) > 0.5
    real = (proposals != -1).any(-1)
    assert (proposals[real][:, 2:] > proposals[real][:, :2]).all() and real[:, :8].all()
    np.testing.assert_array_equal(pad_boxes([np.ones((1, 4))], 2), [[[1, 1, 1, 1], [-1, -1, -1, -1]]])


@pytest.fixture(scope="module")
def data():
    """32 training scenes with their training proposals, 4 test scenes."""
    train, test = scenes(36, seed=3).split(4)
    x = {"images": train.images, "proposals": training_proposals(train, count=40, seed=0)}
    return x, {"boxes": train.boxes, "classes": train.classes}, test


MODELS = {"R-CNN": lambda: RCNN(proposals_per_image=30, channels=16, units=32, seed=0),
          "Fast R-CNN": lambda: FastRCNN(proposals_per_image=30, channels=16, units=32, seed=0)}


@pytest.fixture(scope="module", params=list(MODELS))
def trained(request, data):
    x, y, _ = data
    keras.utils.set_random_seed(0)  # the initial weights
    model = MODELS[request.param]()
    model.compile(keras.optimizers.Adam(1e-2))
    run = fit(model, x, y, batch_size=16, epochs=10, seed=0)
    return model, run


def test_shapes_and_cnn_passes():
    x = {"images": np.zeros((2, 64, 64, 3), np.float32), "proposals": np.tile([[[4, 4, 20, 20]]], (2, 30, 1))}
    for build in MODELS.values():
        outputs = build()(x)
        assert outputs["class_logits"].shape == (2, 30, 7) and outputs["box_deltas"].shape == (2, 30, 6, 4)
    assert RCNN(proposals_per_image=100).forward_passes(3) == 300
    assert FastRCNN(proposals_per_image=100).forward_passes(3) == 3
    assert (RCNN.title, FastRCNN.title) == ("R-CNN", "Fast R-CNN")


def test_training_lowers_both_loss_terms(trained):
    _, run = trained
    history = run.history
    assert set(history) == {"loss", "head_class", "head_box"}
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    assert history["head_class"][-1] < 0.6 * history["head_class"][0]


def test_detect_returns_valid_detections(trained, data):
    model, _ = trained
    test = data[2]
    found = model.detect(test.images, score_threshold=0.01, max_detections=5)
    assert len(found) == 4 and all(isinstance(d, Detections) for d in found)
    assert sum(len(d) for d in found) > 0
    for d in found:
        assert len(d) <= 5 and (d.scores >= 0.01).all() and ((0 <= d.classes) & (d.classes < 6)).all()
        assert ((d.boxes >= 0) & (d.boxes <= 64)).all() and (d.boxes[:, 2:] > d.boxes[:, :2]).all()


def test_config_and_keras_file_round_trip(trained, data, tmp_path):
    model, _ = trained
    clone = type(model).from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    x = {name: values[:2] for name, values in data[0].items()}
    for name, value in model(x).items():
        np.testing.assert_allclose(numpy(loaded(x)[name]), numpy(value), atol=1e-5)
