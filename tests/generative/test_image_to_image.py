"""pix2pix and CycleGAN: the U-Net and PatchGAN shapes, the glyph pairs, and a few training
steps through toolkit.train.fit with (source, target) / (domain A, domain B) tuples."""

import keras
import numpy as np
import pytest

from toolkit.generative.image_to_image import (
    BOLD, THIN, CycleGAN, Pix2Pix, outline, outline_pairs, patchgan_discriminator, render_with_thickness,
    thin_bold_sets, unet_generator,
)
from toolkit.train import fit


def test_unet_has_skip_connections_and_keeps_the_shape():
    unet = unet_generator(filters=4, depth=2)
    assert unet.output_shape == (None, 28, 28, 1)
    skips = [layer for layer in unet.layers if isinstance(layer, keras.layers.Concatenate)]
    assert len(skips) == 2  # each decoder level meets its encoder twin
    with pytest.raises(ValueError, match="divisible by 2\\^depth = 8"):
        unet_generator(depth=3)


def test_patchgan_scores_patches():
    conditional = patchgan_discriminator(filters=4)
    assert conditional.output_shape == (None, 7, 7, 1)
    assert len(conditional.inputs) == 2
    assert len(patchgan_discriminator(filters=4, conditional=False).inputs) == 1


def test_glyph_pairs_differ_only_in_what_they_should():
    (thin, bold), labels = render_with_thickness(20, seed=0, thicknesses=[THIN, BOLD])
    assert thin.shape == bold.shape == (20, 28, 28, 1) and labels.shape == (20,)
    assert np.all(bold.sum(axis=(1, 2, 3)) > 1.3 * thin.sum(axis=(1, 2, 3)))  # more ink, same glyph
    shapes, filled, _ = outline_pairs(10, seed=0)
    mask = filled[..., 0] > 0.5
    assert not np.any((shapes[..., 0] > 0) & mask)  # the outline surrounds the strokes
    assert np.all(shapes.sum(axis=(1, 2, 3)) > 10)
    assert outline(np.zeros((1, 28, 28, 1))).sum() == 0
    a, b, _ = thin_bold_sets(10, seed=0)
    a2, b2, _ = thin_bold_sets(10, seed=0, paired=True)
    np.testing.assert_allclose(a, a2)
    assert not np.allclose(b, b2)  # unpaired: the bold domain is a different draw


def test_pix2pix_learns_the_outline_to_filled_map():
    keras.utils.set_random_seed(0)
    model = Pix2Pix(unet_generator(filters=8), patchgan_discriminator(filters=8), l1_weight=100)
    model.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    source, target, _ = outline_pairs(256, seed=0)
    run = fit(model, (source, target), epochs=8, batch_size=32)
    assert set(run.history) == {"d_loss", "g_loss", "l1"}
    test_source, test_target, _ = outline_pairs(16, seed=9)
    error = np.abs(np.asarray(model(test_source)) - test_target).mean()
    assert error < 0.7 * test_target.mean()  # far better than the all-black image (error = mean ink)


def test_cycle_gan_trains_on_unpaired_domains_and_reduces_the_cycle_loss():
    keras.utils.set_random_seed(0)
    model = CycleGAN(unet_generator(filters=8, name="thin_to_bold"), unet_generator(filters=8, name="bold_to_thin"),
                     patchgan_discriminator(filters=8, conditional=False, name="d_thin"),
                     patchgan_discriminator(filters=8, conditional=False, name="d_bold"))
    model.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    thin, bold, _ = thin_bold_sets(256, seed=0)
    run = fit(model, (thin, bold), epochs=8, batch_size=32)
    assert run.history["cycle"][-1] < 0.8 * run.history["cycle"][0]
    assert model(thin[:2]).shape == (2, 28, 28, 1)
    assert np.clip(np.asarray(model(thin)), 0, 1).mean() > 1.2 * thin.mean()  # G made the strokes bolder


def _pix2pix():
    return Pix2Pix(unet_generator(filters=4), patchgan_discriminator(filters=4), l1_weight=5)


def _cycle_gan():
    return CycleGAN(unet_generator(filters=4, name="thin_to_bold"), unet_generator(filters=4, name="bold_to_thin"),
                    patchgan_discriminator(filters=4, conditional=False, name="d_thin"),
                    patchgan_discriminator(filters=4, conditional=False, name="d_bold"), identity_weight=1.0)


@pytest.mark.parametrize("build", [_pix2pix, _cycle_gan], ids=["pix2pix", "cyclegan"])
def test_translators_round_trip_through_a_keras_file_with_their_optimizers(build, tmp_path):
    """Save after two steps, load in the same process: identical outputs, optimizer settings and state."""
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.RMSprop(3e-4))
    a, b, _ = thin_bold_sets(8, seed=0)
    for _ in range(2):
        model.train_step((keras.ops.convert_to_tensor(a), keras.ops.convert_to_tensor(b)))
    model.save(tmp_path / "translator.keras")
    loaded = keras.saving.load_model(tmp_path / "translator.keras")
    assert type(loaded) is type(model)
    np.testing.assert_allclose(np.asarray(loaded(a)), np.asarray(model(a)), rtol=1e-6, atol=1e-6)
    for slot, kind in (("d_optimizer", keras.optimizers.Adam), ("g_optimizer", keras.optimizers.RMSprop)):
        saved, restored = getattr(model, slot), getattr(loaded, slot)
        assert isinstance(restored, kind) and restored.get_config() == saved.get_config()
        assert int(restored.iterations) == int(saved.iterations) == 2
        for x, y in zip(restored.variables, saved.variables):  # moments too, so training resumes exactly
            np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-6, atol=1e-7)


def test_translators_reload_from_config():
    model = Pix2Pix(unet_generator(filters=4), patchgan_discriminator(filters=4), l1_weight=5)
    assert Pix2Pix.from_config(model.get_config()).l1_weight == 5
    with pytest.raises(ValueError, match=r"`cycle_weight` must be a finite number in \[0, ∞\)"):
        CycleGAN(*(unet_generator(filters=4) for _ in range(2)),
                 *(patchgan_discriminator(filters=4, conditional=False) for _ in range(2)), cycle_weight=-1)
