"""CutMix: pasted boxes, labels mixed by exact area, statistics as keras.layers.CutMix; the CutMixModel trains."""

import keras
import numpy as np
import pytest
from scipy import stats

from tests.cnn.conftest import is_one_rectangle, tiny_images
from toolkit.cnn import CutMixModel, build_architecture, compile_classifier, cut_mix, cutmix_boxes, mixed_labels
from toolkit.train import fit

N, H, W = 256, 14, 12
IMAGES = np.broadcast_to(np.arange(1, N + 1, dtype="float32")[:, None, None, None], (N, H, W, 1)).copy()
LABELS = np.arange(N) % 10


def test_boxes_come_from_the_partner_and_labels_are_mixed_by_exact_area():
    mixed, y_a, y_b, lam = (np.asarray(v) for v in cut_mix(IMAGES, LABELS, 1.0, seed=keras.random.SeedGenerator(0)))
    np.testing.assert_array_equal(y_a, LABELS)
    for index in range(N):
        own = mixed[index, ..., 0] == index + 1
        pasted = ~own
        assert is_one_rectangle(pasted)
        if pasted.any():
            values = mixed[index, ..., 0][pasted]
            partner = int(values[0]) - 1
            assert y_b[index] == LABELS[partner] and np.all(values == partner + 1)
            np.testing.assert_allclose(lam[index], own.mean(), atol=1e-6)  # Eq. 8: λ = kept-area ratio


def test_mixed_labels_weigh_by_lambda():
    rows = np.asarray(mixed_labels(np.array([1, 2]), np.array([3, 2]), np.array([0.25, 0.6]), 4))
    np.testing.assert_allclose(rows, [[0, 0.25, 0, 0.75], [0, 0, 1, 0]])


@pytest.mark.parametrize("alpha", [1.0, 0.4])
def test_area_distribution_and_label_weights_match_keras_cutmix(alpha):
    """Both paste a box of area 1 − λ₀ with λ₀ ~ Beta(α, α); they round the box to pixels differently."""
    n = 3000
    ours, lam = (np.asarray(v) for v in cutmix_boxes(n, 28, 28, alpha, seed=keras.random.SeedGenerator(1)))
    layer = keras.layers.CutMix(factor=(alpha, alpha), seed=2)
    data = {"images": np.zeros((n, 28, 28, 1), "float32"), "labels": np.eye(10, dtype="float32")[np.arange(n) % 10]}
    transform = layer.get_random_transformation(data, training=True)
    theirs_pixels = np.asarray(transform["batch_masks"])[..., 0].mean(axis=(1, 2))
    theirs_weight = np.asarray(transform["mix_weight"]).reshape(-1)
    area = ours.mean(axis=(1, 2))
    np.testing.assert_allclose(lam, 1 - area, atol=1e-6)  # ours: λ is exactly the kept-pixel ratio
    assert np.abs(theirs_weight - (1 - theirs_pixels)).max() < 0.08  # Keras: the continuous box, about the pixels
    assert stats.kstest(1 - theirs_weight, stats.beta(alpha, alpha).cdf).statistic < 0.03  # 1 − λ₀ ~ Beta(α, α)
    assert abs(area.mean() - theirs_pixels.mean()) < 0.03 and abs(area.mean() - 0.5) < 0.03  # E[1 − λ₀] = 1/2
    # box sides in pixels: ours rounds 28·√(1 − λ₀), Keras counts the pixels of a box at a fractional offset
    deciles = np.linspace(0.1, 0.9, 9)
    side_ours, side_theirs = (np.quantile(28 * np.sqrt(a), deciles) for a in (area, theirs_pixels))
    side_exact = 28 * np.sqrt(stats.beta(alpha, alpha).ppf(deciles))
    assert np.abs(side_ours - side_exact).max() < 0.75 and np.abs(side_ours - side_theirs).max() <= 1.05


def test_keras_cutmix_labels_are_the_same_mix():
    layer = keras.layers.CutMix(factor=(1.0, 1.0), seed=3)
    labels = np.eye(10, dtype="float32")[LABELS]
    out = layer({"images": IMAGES, "labels": labels}, training=True)
    np.testing.assert_allclose(np.asarray(out["labels"]).sum(axis=1), 1, atol=1e-5)


def test_cutmix_model_learns_and_evaluates_like_its_classifier(tmp_path):
    keras.utils.set_random_seed(0)
    x, y = tiny_images()
    model = compile_classifier(CutMixModel(build_architecture("lenet5", (8, 8, 1), 2), alpha=1.0, seed=0), 3e-3)
    run = fit(model, x, y, epochs=15, batch_size=32, validation_data=tiny_images(128, 1), seed=0)
    assert run.status == "completed" and set(run.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert run.history["loss"][-1] < 0.8 * run.history["loss"][0]
    assert run.history["val_accuracy"][-1] > 0.9
    model.save(tmp_path / "cutmix.keras")
    loaded = keras.saving.load_model(tmp_path / "cutmix.keras")
    assert isinstance(loaded, CutMixModel) and loaded.alpha == 1.0
    np.testing.assert_allclose(np.asarray(loaded(x[:4])), np.asarray(model(x[:4])), atol=1e-6)


def test_bad_alpha():
    with pytest.raises(ValueError, match=r"`alpha` must be a finite number in \(0, ∞\)"):
        cutmix_boxes(4, 8, 8, 0.0)
    with pytest.raises(ValueError, match=r"`alpha` must be a finite number in \(0, ∞\)"):
        CutMixModel(keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]), alpha=-1)
