"""YOLO v1: targets by hand, the five loss terms by hand, finite-difference gradients, saving,
learning on shapes scenes, decoded detections (mAP at the page defaults: test_page_defaults.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.data.shapes import scenes
from toolkit.detection.metrics import Detections
from toolkit.detection.yolo import YOLO, decode_detections, yolo_loss, yolo_targets
from toolkit.train import fit

BOXES = np.array([[[10, 20, 30, 28], [40, 0, 64, 16], [-1, -1, -1, -1]],
                  [[0, 0, 8, 8], [2, 2, 6, 6], [-1, -1, -1, -1]]], np.float32)
CLASSES = np.array([[2, 5, -1], [1, 4, -1]], np.int32)


def numpy_of(terms):
    return {name: float(value) for name, value in terms.items()}


def detection_arrays(n, seed):
    data = scenes(n, seed=seed)
    return data.images, {"boxes": data.boxes, "classes": data.classes}


def test_targets_put_each_box_in_the_cell_of_its_centre():
    targets = keras.ops.convert_to_numpy(yolo_targets(BOXES, CLASSES, grid=8, num_classes=6))
    assert targets.shape == (2, 8, 8, 11)
    # box [10, 20, 30, 28]: centre (20, 24) px = (2.5, 3.0) cells -> row 3, col 2, offsets (0.5, 0)
    np.testing.assert_allclose(targets[0, 3, 2], [0.5, 0.0, np.sqrt(20 / 64), np.sqrt(8 / 64), 1, 0, 0, 1, 0, 0, 0],
                               rtol=1e-6)
    # box [40, 0, 64, 16]: centre (52, 8) px = (6.5, 1.0) cells -> row 1, col 6
    np.testing.assert_allclose(targets[0, 1, 6], [0.5, 0.0, np.sqrt(24 / 64), 0.5, 1, 0, 0, 0, 0, 0, 1], rtol=1e-6)
    # two centres in cell (0, 0) of image 1: the larger box [0, 0, 8, 8] is kept
    np.testing.assert_allclose(targets[1, 0, 0], [0.5, 0.5, np.sqrt(8 / 64), np.sqrt(8 / 64), 1, 0, 1, 0, 0, 0, 0],
                               rtol=1e-6)
    assert targets[..., 4].sum() == 3 and np.count_nonzero(targets) == np.count_nonzero(targets[targets[..., 4] > 0])
    coarse = keras.ops.convert_to_numpy(yolo_targets(BOXES, CLASSES, grid=4, num_classes=6))
    np.testing.assert_allclose(coarse[0, 1, 1, :2], [0.25, 0.5], rtol=1e-6)  # (20, 24) px = (1.25, 1.5) cells


def perfect(targets, boxes_per_cell=2):
    """Predictions equal to the targets: predictor 0 exact with confidence 1 (= its IoU), the rest silent."""
    predictors = np.zeros(targets.shape[:3] + (boxes_per_cell, 5), np.float32)
    predictors[..., 0, :4] = targets[..., :4]
    predictors[..., 0, 4] = targets[..., 4]
    predictors[..., 1:, :4] = 0.5  # far from the truth in (√w, √h): never responsible
    predictors = predictors.reshape(targets.shape[:3] + (5 * boxes_per_cell,))
    return np.concatenate([predictors, targets[..., 5:]], axis=-1)


def test_loss_is_zero_for_a_perfect_prediction_and_each_term_reacts_to_its_error():
    targets = keras.ops.convert_to_numpy(yolo_targets(BOXES[:1], CLASSES[:1], grid=8, num_classes=6))
    exact = perfect(targets)
    assert max(numpy_of(yolo_loss(targets, exact)).values()) < 1e-6

    def loss_with(change):
        predictions = exact.copy()
        change(predictions[0, 3, 2])  # the cell of box [10, 20, 30, 28]: √w = √(20/64), √h = √(8/64)
        return numpy_of(yolo_loss(targets, predictions))

    # Eq. 6: x off by 0.1 cell = 0.8 px; IoU = (20 − 0.8) / (20 + 0.8), so Eq. 8 reacts too
    shifted = loss_with(lambda cell: cell.__setitem__(0, 0.6))
    assert shifted["coord"] == pytest.approx(5 * 0.01, rel=1e-4)
    assert shifted["object"] == pytest.approx((1 - 19.2 / 20.8) ** 2, rel=1e-3)
    assert shifted["size"] == shifted["no_object"] == shifted["class"] == 0
    # Eq. 7: √h off by 0.1
    taller = loss_with(lambda cell: cell.__setitem__(3, np.sqrt(8 / 64) + 0.1))
    assert taller["size"] == pytest.approx(5 * 0.01, rel=1e-4) and taller["coord"] == 0
    # Eq. 8: confidence 0.5 on the responsible predictor, IoU 1
    assert loss_with(lambda cell: cell.__setitem__(4, 0.5))["object"] == pytest.approx(0.25, rel=1e-5)
    # Eq. 9: 0.2 on the other predictor of the cell, 0.4 in an empty cell, both weighted by λ_noobj = 0.5
    quiet = loss_with(lambda cell: cell.__setitem__(9, 0.2))
    assert quiet["no_object"] == pytest.approx(0.5 * 0.04, rel=1e-5) and quiet["object"] == 0
    empty = exact.copy()
    empty[0, 0, 0, 4] = 0.4
    assert numpy_of(yolo_loss(targets, empty))["no_object"] == pytest.approx(0.5 * 0.16, rel=1e-5)
    # Eq. 10: probability 0.7 on the true class 2 and 0.3 on class 0
    wrong = loss_with(lambda cell: cell.__setitem__(slice(10, 16), [0.3, 0, 0.7, 0, 0, 0]))
    assert wrong["class"] == pytest.approx(0.09 + 0.09, rel=1e-5)
    assert wrong["loss"] == pytest.approx(sum(wrong[k] for k in ("coord", "size", "object", "no_object", "class")))


def test_the_predictor_with_the_highest_iou_is_responsible_and_the_loss_is_a_mean_over_images():
    targets = keras.ops.convert_to_numpy(yolo_targets(BOXES[:1], CLASSES[:1], grid=8, num_classes=6))
    swapped = perfect(targets)
    cell = swapped[0, 3, 2]
    cell[5:10], cell[0:5] = cell[0:5].copy(), [0.5, 0.5, 0.5, 0.5, 0.0]  # predictor 1 is now the exact one
    assert max(numpy_of(yolo_loss(targets, swapped)).values()) < 1e-6
    cell[4] = 0.2  # the other predictor's confidence counts as no-object
    one = numpy_of(yolo_loss(targets, swapped))
    assert one["no_object"] == pytest.approx(0.5 * 0.04, rel=1e-5)
    two = numpy_of(yolo_loss(np.concatenate([targets, targets]), np.concatenate([swapped, perfect(targets)])))
    assert two["no_object"] == pytest.approx(one["no_object"] / 2, rel=1e-5)


def test_a_perfect_grid_decodes_to_the_ground_truth_boxes():
    targets = keras.ops.convert_to_numpy(yolo_targets(BOXES[:1], CLASSES[:1], grid=8, num_classes=6))
    detections = decode_detections(perfect(targets), score_threshold=0.5)[0]
    np.testing.assert_allclose(detections.boxes, BOXES[0, :2], atol=1e-4)  # both scored Ĉ · p̂ = 1 · 1
    np.testing.assert_array_equal(detections.classes, CLASSES[0, :2])
    np.testing.assert_allclose(detections.scores, [1, 1])


def test_loss_gradient_against_finite_differences():
    rng = np.random.default_rng(0)
    boxes = np.array([[[4, 4, 20, 12], [20, 18, 30, 30]]], np.float32)
    targets = keras.ops.convert_to_numpy(yolo_targets(boxes, np.array([[0, 2]]), grid=2, num_classes=3,
                                                      image_size=32)).astype(np.float64)
    predictions = rng.uniform(0.1, 0.9, (1, 2, 2, 2 * 5 + 3))
    predictions[0, 0, 0, :4] = targets[0, 0, 0, :4] + 0.05  # predictor 0 overlaps the truth of its cell
    variable = tf.Variable(predictions)
    with tf.GradientTape() as tape:
        loss = yolo_loss(targets, variable)["loss"]
    gradient = tape.gradient(loss, variable).numpy()

    @tf.function(input_signature=[tf.TensorSpec(predictions.shape, tf.float64)])
    def losses(values):
        terms = yolo_loss(targets, values)
        return terms["loss"], terms["loss"] - terms["object"]

    def loss_at(values, without_object=False):
        return float(losses(values)[int(without_object)])

    coordinates = np.zeros(predictions.shape, bool)
    for j in range(2):
        coordinates[..., 5 * j:5 * j + 4] = True
    numeric = np.zeros_like(predictions)
    step = 1e-6
    for index in np.ndindex(predictions.shape):
        # the IoU target of Eq. 8 is held fixed: through coordinates, only the other terms have a gradient
        up, down = predictions.copy(), predictions.copy()
        up[index] += step
        down[index] -= step
        numeric[index] = (loss_at(up, coordinates[index]) - loss_at(down, coordinates[index])) / (2 * step)
    np.testing.assert_allclose(gradient, numeric, atol=1e-6)
    assert np.abs(gradient).sum() > 0.1


def test_bad_grid_and_filters_are_rejected():
    with pytest.raises(ValueError, match=r"`grid` must divide `image_size` by a power of two, received grid=6"):
        YOLO(grid=6)
    with pytest.raises(ValueError, match=r"`filters` must name at least 3 layers"):
        YOLO(filters=(8, 8))
    with pytest.raises(ValueError, match=r"`boxes_per_cell` must be a positive integer, received boxes_per_cell=0"):
        YOLO(boxes_per_cell=0)


def test_config_round_trip_and_keras_file(tmp_path):
    model = YOLO(grid=4, boxes_per_cell=3, num_classes=4, filters=(8, 8, 16, 16, 16), lambda_coord=2.0,
                 lambda_noobj=0.25)
    config = YOLO.from_config(model.get_config()).get_config()
    assert config == model.get_config() and config["filters"] == [8, 8, 16, 16, 16]
    model.compile(keras.optimizers.Adam(1e-3))
    model.build_optimizers()
    model.save(tmp_path / "yolo.keras")
    loaded = keras.saving.load_model(tmp_path / "yolo.keras")
    images = np.random.default_rng(0).random((2, 64, 64, 3)).astype(np.float32)
    assert model(images).shape == (2, 4, 4, 3 * 5 + 4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(images)), keras.ops.convert_to_numpy(model(images)),
                               atol=1e-6)
    assert loaded.title == "YOLO" and loaded.forward_passes(10) == 10


@pytest.fixture(scope="module")
def trained():
    """A default YOLO trained 6 epochs on 400 scenes (about 10 s on 2 cores, 6 of them tracing), its run
    and its validation images."""
    keras.utils.set_random_seed(0)
    images, truth = detection_arrays(400, seed=0)
    val_images, val_truth = detection_arrays(64, seed=1)
    model = YOLO()
    model.compile(keras.optimizers.Adam(3e-3))
    run = fit(model, images, truth, epochs=6, batch_size=32, validation_data=(val_images, val_truth))
    return model, run, val_images


def test_training_through_the_toolkit_loop_lowers_every_loss_term(trained):
    _, run, _ = trained
    history = run.history
    assert set(history) == {"loss", "coord", "size", "object", "no_object", "class", *(
        f"val_{k}" for k in ("loss", "coord", "size", "object", "no_object", "class"))}
    assert history["loss"][-1] < history["loss"][0] / 3  # measured 13.3 -> 2.3
    assert history["val_loss"][-1] < history["val_loss"][0] / 2  # measured 8.7 -> 2.4
    for term in ("coord", "no_object", "class"):
        assert history[term][-1] < history[term][0]


def test_detect_returns_valid_detections(trained):
    model, _, images = trained
    detections = model.detect(images[:4], score_threshold=0.1)
    assert len(detections) == 4 and all(isinstance(d, Detections) for d in detections)
    assert sum(len(d) for d in detections) > 0
    for d in detections:
        assert np.all((d.boxes >= 0) & (d.boxes <= 64)) and np.all(d.boxes[:, 2:] >= d.boxes[:, :2])
        assert np.all(d.scores > 0.1) and np.all(d.scores <= 1) and np.all(np.diff(d.scores) <= 0)
        assert np.all((d.classes >= 0) & (d.classes < 6))
    crowded = model.detect(images[:1], score_threshold=0.0, iou_threshold=1.0, max_detections=7)[0]
    assert len(crowded) == 7
