"""The masked autoencoder (toolkit.multimodal.masked): the random split of Eq. 2, the loss of Eq. 5 against
NumPy, an encoder that never sees a hidden patch, patches <-> image round trips, the no-context baseline by
hand, validation, and a short fit whose loss falls."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import masked
from toolkit.transformers.vision import patches

pytestmark = pytest.mark.xdist_group(__name__)
RNG = np.random.default_rng(0)


def small(**kwargs):
    keras.utils.set_random_seed(0)
    model = masked.MaskedAutoencoder((8, 8, 3), **{"patch_size": 2, "dim": 8, "depth": 1, "heads": 2,
                                                   "decoder_dim": 4, **kwargs})
    model.build()
    return model


def images(n=3):
    return RNG.uniform(size=(n, 8, 8, 3)).astype("float32")


@pytest.mark.parametrize("ratio, visible", [(0.75, 4), (0.5, 8), (0.0, 15), (0.99, 1)])
def test_the_split_keeps_floor_of_1_minus_r_patches_and_restores_the_order(ratio, visible):
    assert masked.visible_count(16, ratio) == visible  # at least one patch hidden and one visible
    ids, restore, hidden = (keras.ops.convert_to_numpy(t) for t in masked.random_split(5, 16, ratio, seed=3))
    assert ids.shape == (5, visible) and hidden.shape == (5, 16)
    for row in range(5):
        assert len(set(ids[row])) == visible  # distinct patches
        np.testing.assert_array_equal(np.flatnonzero(hidden[row] == 0), np.sort(ids[row]))  # visible = not hidden
        shuffle = np.argsort(restore[row])  # restore is the inverse permutation
        np.testing.assert_array_equal(restore[row][shuffle], np.arange(16))


def test_the_loss_counts_the_hidden_patches_only():
    target, predicted = RNG.normal(size=(2, 4, 6)), RNG.normal(size=(2, 4, 6))
    hidden = np.array([[1, 0, 1, 0], [0, 0, 0, 1]], "float32")
    expected = ((predicted - target) ** 2).mean(-1)[hidden == 1].mean()  # Eq. 5 by hand
    np.testing.assert_allclose(float(masked.masked_patch_loss(target, predicted, hidden)), expected, rtol=1e-6)
    predicted[hidden == 0] = 100.0  # a visible patch predicted badly costs nothing
    np.testing.assert_allclose(float(masked.masked_patch_loss(target, predicted, hidden)), expected, rtol=1e-6)


def test_the_encoder_never_sees_a_hidden_patch():
    model = small()
    x = images()
    target, predicted, hidden = (keras.ops.convert_to_numpy(t) for t in model.forward(x, seed=7))
    p = patches(x, 2).numpy().copy()
    p[hidden == 1] = RNG.uniform(size=p[hidden == 1].shape)  # repaint every hidden patch
    changed = model.unpatch(p)
    assert not np.allclose(changed, x)
    _, predicted_changed, hidden_changed = (keras.ops.convert_to_numpy(t) for t in model.forward(changed, seed=7))
    np.testing.assert_array_equal(hidden_changed, hidden)  # the same split for the same seed
    np.testing.assert_allclose(predicted_changed, predicted, atol=1e-6)  # the prediction cannot depend on them
    # ... while the features of the whole image (every patch visible) do
    assert not np.allclose(model.features(changed), model.features(x))


def test_unpatch_inverts_patches_and_the_reconstruction_keeps_the_visible_pixels():
    model = small()
    x = images()
    np.testing.assert_array_equal(model.unpatch(patches(x, 2).numpy()), x)
    shown = model.reconstruct(x, seed=1)
    keep = model.unpatch(np.repeat((shown["hidden"] == 0)[..., None], 12, axis=-1)).astype(bool)
    np.testing.assert_array_equal(shown["reconstruction"][keep], x[keep])
    np.testing.assert_array_equal(shown["masked"][keep], x[keep])
    assert np.all(shown["masked"][~keep] == 0.5) and shown["error"].shape == (3,)


def test_the_no_context_baseline_paints_the_mean_visible_colour():
    x = np.zeros((1, 2, 4, 1), "float32")
    x[0, :, :2] = 1.0  # left patch white, right patch black (patch size 2)
    error = masked.mean_colour_error(x, np.array([[0, 1]], "float32"), 2)  # the right patch hidden
    np.testing.assert_allclose(error, [1.0])  # painted white (the visible mean), it is black
    x[0, 0, 0] = 0.0  # the visible patch's mean is now 0.75
    np.testing.assert_allclose(masked.mean_colour_error(x, np.array([[0, 1]], "float32"), 2), [0.75 ** 2])


def test_bad_settings_get_one_sentence():
    with pytest.raises(ValueError, match="`patch_size` must divide"):
        masked.MaskedAutoencoder((8, 8, 3), patch_size=3)
    with pytest.raises(ValueError, match="mask_ratio"):
        masked.MaskedAutoencoder((8, 8, 3), mask_ratio=1.0)
    with pytest.raises(ValueError, match="dim"):
        masked.MaskedAutoencoder((8, 8, 3), dim=0)


def test_a_short_fit_lowers_the_loss_and_round_trips_its_config():
    from toolkit.train import fit

    model = small()
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    colours = RNG.uniform(size=(8, 1, 1, 3))  # one colour per image: its hidden patches follow from the visible
    x = np.repeat(np.clip(colours + 0.05 * images(8), 0, 1).astype("float32"), 8, axis=0)
    run = fit(model, x, batch_size=16, epochs=8, seed=0)
    assert run.history["loss"][-1] < 0.8 * run.history["loss"][0], run.history["loss"]
    clone = masked.MaskedAutoencoder.from_config(model.get_config())
    assert (clone.patch_size, clone.mask_ratio, clone.patches_count, clone.pixels) == (2, 0.75, 16, 12)
