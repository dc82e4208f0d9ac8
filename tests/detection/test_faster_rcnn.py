"""Faster R-CNN: the RPN's shapes, its losses at a perfect and a blank prediction, proposals
without gradient, saving, end-to-end learning through toolkit.train.fit, detections."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.data.shapes import scenes
from toolkit.detection.anchors import match_anchors
from toolkit.detection.boxes import encode
from toolkit.detection.faster_rcnn import FasterRCNN, RegionProposalNetwork
from toolkit.detection.metrics import Detections
from toolkit.detection.two_stage import HEAD_WEIGHTS
from toolkit.train import fit

pytestmark = pytest.mark.xdist_group(__name__)  # the module's trained model, trained once

SMALL = {"channels": 16, "units": 32, "train_proposals": 32, "test_proposals": 20, "seed": 0}


def numpy(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


def test_rpn_scores_and_moves_every_anchor_of_every_cell():
    rpn = RegionProposalNetwork(anchors_per_cell=9, channels=8)
    objectness, deltas = rpn(np.zeros((2, 16, 16, 8), np.float32))
    assert objectness.shape == (2, 16 * 16 * 9) and deltas.shape == (2, 16 * 16 * 9, 4)
    assert rpn.compute_output_shape((2, 16, 16, 8)) == ((2, 2304), (2, 2304, 4))


def test_model_outputs_and_one_cnn_pass():
    model = FasterRCNN(**SMALL)
    outputs = model(np.zeros((2, 64, 64, 3), np.float32))
    shapes = {name: tuple(value.shape) for name, value in outputs.items()}
    assert shapes == {"rpn_objectness": (2, 2304), "rpn_deltas": (2, 2304, 4), "proposals": (2, 20, 4),
                      "class_logits": (2, 20, 7), "box_deltas": (2, 20, 6, 4)}
    assert model.anchors.shape == (2304, 4)
    assert model.forward_passes(5) == 5 and model.title == "Faster R-CNN"


def test_rpn_losses_vanish_for_a_perfect_rpn_and_not_for_a_blank_one():
    model = FasterRCNN(**SMALL)
    data = scenes(2, seed=0)
    y = {"boxes": data.boxes, "classes": data.classes}
    labels, matched = (numpy(t) for t in match_anchors(model.anchors, data.boxes, data.classes))
    truth = np.take_along_axis(data.boxes, matched[..., None], axis=1)
    perfect_deltas = numpy(encode(truth, model.anchors, HEAD_WEIGHTS))
    perfect_logits = np.where(labels == 1, 20.0, -20.0).astype(np.float32)
    objectness, box = (float(numpy(t)) for t in model.rpn_losses(perfect_logits, perfect_deltas, y))
    assert objectness < 1e-6 and box < 1e-6
    objectness, box = (float(numpy(t)) for t in model.rpn_losses(np.zeros_like(perfect_logits),
                                                                  np.zeros_like(perfect_deltas), y))
    assert objectness == pytest.approx(np.log(2), rel=1e-5) and box > 0.1


def test_proposals_are_the_best_anchors_after_nms_without_gradient():
    model = FasterRCNN(**SMALL)
    logits = tf.Variable(np.full((1, len(model.anchors)), -5.0, np.float32))
    best = 16 * 9 * 8 + 8 * 9 + 4  # the medium square anchor of cell (8, 8): [26, 26, 42, 42]
    logits[0, best].assign(5.0)
    with tf.GradientTape() as tape:
        proposals = model.propose(logits, tf.zeros((1, len(model.anchors), 4)), 20)
        total = tf.reduce_sum(proposals)
    np.testing.assert_allclose(numpy(proposals)[0, 0], model.anchors[best])
    np.testing.assert_allclose(model.anchors[best], [26, 26, 42, 42])
    assert proposals.shape == (1, 20, 4) and (numpy(proposals) >= 0).all() and (numpy(proposals) <= 64).all()
    assert tape.gradient(total, logits) is None


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(0)  # the initial weights
    data = scenes(32, seed=4)
    model = FasterRCNN(**SMALL)
    model.compile(keras.optimizers.Adam(1e-2))
    run = fit(model, data.images, {"boxes": data.boxes, "classes": data.classes}, batch_size=16, epochs=16,
              seed=0)
    return model, run


def test_end_to_end_training_lowers_the_rpn_losses_and_the_total(trained):
    history = trained[1].history
    assert set(history) == {"loss", "rpn_objectness", "rpn_box", "head_class", "head_box"}
    # the RPN learns first; the heads' losses may rise meanwhile, as its proposals become
    # harder (nearer misses instead of random boxes)
    assert history["rpn_objectness"][-1] < 0.5 * history["rpn_objectness"][0]
    assert history["rpn_box"][-1] < 0.75 * history["rpn_box"][0]
    assert history["loss"][-1] < 0.7 * history["loss"][0]


def test_detect_returns_valid_detections(trained):
    found = trained[0].detect(scenes(3, seed=9).images, score_threshold=0.01, max_detections=4)
    assert len(found) == 3 and all(isinstance(d, Detections) and d.masks is None for d in found)
    assert sum(len(d) for d in found) > 0
    for d in found:
        assert len(d) <= 4 and (d.scores >= 0.01).all() and ((0 <= d.classes) & (d.classes < 6)).all()
        assert ((d.boxes >= 0) & (d.boxes <= 64)).all() and (d.boxes[:, 2:] > d.boxes[:, :2]).all()


def test_config_and_keras_file_round_trip(trained, tmp_path):
    model = trained[0]
    assert FasterRCNN.from_config(model.get_config()).get_config() == model.get_config()
    model.save(tmp_path / "faster.keras")
    loaded = keras.saving.load_model(tmp_path / "faster.keras")
    images = scenes(2, seed=5).images
    expected, actual = model(images), loaded(images)
    for name in expected:
        np.testing.assert_allclose(numpy(actual[name]), numpy(expected[name]), atol=1e-4)
