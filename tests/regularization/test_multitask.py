"""MultiTaskNetwork: a shared trunk and two heads, trained on the same (x, y) as a single-task net."""

import keras
import numpy as np
import pytest

from toolkit.data import glyphs, toy2d
from toolkit.ffnn import build_mlp
from toolkit.regularization import MultiTaskNetwork, auxiliary_targets, auxiliary_threshold
from toolkit.train import compare


def test_auxiliary_targets():
    y = np.array([0, 1, 2, 3, 7])
    np.testing.assert_array_equal(np.asarray(auxiliary_targets("parity", None, y))[:, 0], [0, 1, 0, 1, 1])
    x = np.array([[0.0, 1.0], [3.0, 4.0]], "float32")
    np.testing.assert_array_equal(np.asarray(auxiliary_targets("radius", x, None, 2.0))[:, 0], [0, 1])
    with pytest.raises(ValueError, match="`auxiliary` must be one of 'parity', 'ink', 'radius'"):
        auxiliary_targets("slant", x, y)


def test_ink_from_the_image_follows_the_thickness_attribute():
    ds = glyphs(n=500, seed=1, cache=False)
    tau = auxiliary_threshold("ink", ds.x_train)
    ink = np.asarray(auxiliary_targets("ink", ds.x_train, None, tau))[:, 0]
    assert ink.mean() == pytest.approx(0.5, abs=0.01)  # tau is the median
    thick = ds.attrs_train["thickness"] > np.median(ds.attrs_train["thickness"])
    assert np.mean(ink == thick) > 0.6  # a thicker pen leaves more ink (so do bigger characters)
    ink_level = ds.x_train.reshape(len(ds.x_train), -1).mean(axis=1)
    assert np.corrcoef(ink_level, ds.attrs_train["thickness"])[0, 1] > 0.3


def test_trunk_and_main_head_start_as_build_mlp_and_heads_have_their_shapes():
    model = MultiTaskNetwork((2,), 3, hidden=(8, 8), seed=4)
    mlp = build_mlp(2, (8, 8), "relu", output="softmax", num_classes=3, seed=4, from_scratch=False)
    ours = model.trunk.get_weights() + model.main_head.get_weights()
    for a, b in zip(ours, mlp.get_weights()):
        np.testing.assert_array_equal(a, b)
    p, q = model.heads(np.zeros((5, 2), "float32"))
    assert p.shape == (5, 3) and q.shape == (5, 1)
    np.testing.assert_allclose(np.asarray(model(np.zeros((5, 2), "float32"))), np.asarray(p))


def test_races_a_single_task_network_and_learns_both_tasks():
    ds = toy2d("circle", n=300, noise=5, seed=0)
    tau = auxiliary_threshold("radius", ds.x_train)

    def multi():
        model = MultiTaskNetwork((2,), 2, hidden=(16, 16), auxiliary="radius", threshold=tau, seed=0)
        model.compile(keras.optimizers.Adam(0.02))
        return model

    def single():
        model = build_mlp(2, (16, 16), "relu", output="softmax", num_classes=2, seed=0, from_scratch=False)
        model.compile(keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    runs = compare({"multi": multi, "single": single}, ds, epochs=30, batch_size=32)
    history = runs["multi"].history
    assert {"loss", "accuracy", "aux_loss", "aux_accuracy", "val_loss", "val_accuracy", "val_aux_loss"} <= set(history)
    assert history["aux_loss"][-1] < 0.5 * history["aux_loss"][0] and history["aux_accuracy"][-1] > 0.85
    assert history["val_accuracy"][-1] > 0.85 and runs["single"].history["val_accuracy"][-1] > 0.85


def test_round_trips_and_bad_input(tmp_path):
    model = MultiTaskNetwork((4, 4, 1), 3, hidden=(6,), auxiliary="ink", threshold=0.2, aux_weight=2.0)
    model.compile("adam")
    config = model.get_config()
    assert MultiTaskNetwork.from_config(config).get_config() == config
    x = np.random.default_rng(0).uniform(size=(3, 4, 4, 1)).astype("float32")
    model.save(tmp_path / "mt.keras")
    loaded = keras.saving.load_model(tmp_path / "mt.keras")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), atol=1e-6)
    with pytest.raises(ValueError, match=r"`aux_weight` must be a finite number in \[0, 10\]"):
        MultiTaskNetwork(aux_weight=-1)
