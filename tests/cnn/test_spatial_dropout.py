"""Dropping whole regions: spatial dropout (whole maps) and DropBlock (blocks), against Keras and keras-cv.

keras-cv's DropBlock2D fails inside tf.function in keras-cv 0.9, so it is compared eagerly;
ours runs inside tf.function too (the trainer compiles whole epochs).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.cnn import DropBlock2D, SpatialDropout2D, dropblock_mask

ONES = np.ones((64, 12, 12, 8), "float32")


def test_spatial_dropout_drops_whole_maps_like_keras():
    ours = np.asarray(SpatialDropout2D(0.3, seed=1)(ONES, training=True))
    theirs = np.asarray(keras.layers.SpatialDropout2D(0.3, seed=1)(ONES, training=True))
    for out in (ours, theirs):
        per_map = out.reshape(64, -1, 8)
        assert np.all(per_map.min(axis=1) == per_map.max(axis=1))  # each map kept or dropped whole
        assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((ours > 0).mean() - (theirs > 0).mean()) < 0.05 and abs((ours > 0).mean() - 0.7) < 0.05


@pytest.mark.parametrize(("rate", "block_size"), [(0.1, 3), (0.25, 5), (0.2, 12)])
def test_dropblock_keep_probability_matches_keras_cv(keras_cv, rate, block_size):
    ours = np.asarray(DropBlock2D(rate, block_size, seed=5)(ONES, training=True))
    theirs = np.asarray(keras_cv.layers.DropBlock2D(rate, block_size, seed=6)(ONES, training=True))  # eager
    kept_ours, kept_theirs = (ours > 0).mean(), (theirs > 0).mean()
    assert abs(kept_ours - kept_theirs) < 0.03
    assert 1 - rate - 0.08 < kept_ours <= 1  # overlapping blocks drop a little less than `rate`
    np.testing.assert_allclose(ours.mean(), 1.0, atol=1e-5)  # Eq. 5 keeps the mean activation


def test_dropblock_equals_keras_cv_with_the_same_seed(keras_cv):
    """Same γ, same valid centres, same random draws: identical outputs on square maps."""
    x = np.random.default_rng(0).uniform(size=(4, 10, 10, 3)).astype("float32")
    ours = DropBlock2D(0.2, 3, seed=11)(x, training=True)
    theirs = keras_cv.layers.DropBlock2D(0.2, 3, seed=11)(x, training=True)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-6)


def test_dropped_units_come_in_whole_blocks():
    mask = np.asarray(dropblock_mask((16, 12, 12, 4), 0.2, 3, seed=keras.random.SeedGenerator(2)))
    dropped = mask == 0
    assert dropped.any()
    for b, i, j, c in zip(*np.nonzero(dropped)):  # every dropped unit lies in a fully dropped 3x3 block
        assert any(dropped[b, r:r + 3, s:s + 3, c].all() and dropped[b, r:r + 3, s:s + 3, c].shape == (3, 3)
                   for r in range(max(i - 2, 0), i + 1) for s in range(max(j - 2, 0), j + 1))


def test_dropblock_runs_inside_tf_function_and_not_at_inference():
    layer = DropBlock2D(0.2, 3, seed=1)
    out = tf.function(lambda x: layer(x, training=True))(ONES)
    assert 0.6 < float(tf.reduce_mean(tf.cast(out > 0, tf.float32))) < 0.95
    np.testing.assert_array_equal(np.asarray(layer(ONES, training=False)), ONES)


@pytest.mark.parametrize("layer", [SpatialDropout2D(0.2, seed=3), DropBlock2D(0.1, 4, seed=3)])
def test_config_round_trip_and_keras_file(layer, tmp_path):
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    model = keras.Sequential([keras.Input(ONES.shape[1:]), layer])
    model.save(tmp_path / "drop.keras")
    np.testing.assert_array_equal(np.asarray(keras.saving.load_model(tmp_path / "drop.keras")(ONES)), ONES)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: DropBlock2D(1.0), r"`rate` must be a finite number in \[0, 1\), received rate=1.0"),
    (lambda: DropBlock2D(0.1, 0), "`block_size` must be a positive integer"),
    (lambda: SpatialDropout2D(-0.1), r"`rate` must be a finite number in \[0, 1\)"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
