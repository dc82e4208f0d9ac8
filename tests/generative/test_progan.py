"""Progressive GAN: the paper's layers against NumPy and Keras, the fade-in (Eqs. 1-4) exactly,
serialization, and one tiny run merged across its three stages."""

import math

import keras
import numpy as np
import pytest

from toolkit.generative import progan as pg

RNG = np.random.default_rng(0)
# the fade's ends are exact in real arithmetic; the same convolutions inside graphs of other
# sizes may pick other float32 kernels (measured differences <= 6e-8)
TOLERANCE = 1e-6


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def test_pixel_norm_matches_numpy():
    a = _x(3, 4, 4, 5)
    expected = a / np.sqrt(np.mean(a**2, axis=-1, keepdims=True) + 1e-8)  # Eq. 5
    np.testing.assert_allclose(pg.PixelNorm()(a), expected, rtol=1e-5, atol=1e-6)


def test_minibatch_stddev_matches_numpy():
    x = _x(6, 3, 3, 4)
    s = np.mean(np.sqrt(np.var(x, axis=0) + 1e-8))  # Eq. 7
    out = keras.ops.convert_to_numpy(pg.MinibatchStdDev()(x))
    assert out.shape == (6, 3, 3, 5)
    np.testing.assert_allclose(out[..., :4], x)
    np.testing.assert_allclose(out[..., 4], np.full((6, 3, 3), s), rtol=1e-5)


def test_equalized_dense_is_a_dense_layer_with_the_he_scaled_kernel():
    layer, x = pg.EqualizedDense(7), _x(5, 12)
    y = layer(x)
    np.testing.assert_allclose(layer.effective_kernel(), layer.kernel.numpy() * math.sqrt(2 / 12), rtol=1e-6)
    assert abs(np.std(layer.kernel.numpy()) - 1.0) < 0.3  # drawn N(0, 1), Eq. 6
    dense = keras.layers.Dense(7)
    dense.build((None, 12))
    dense.set_weights([keras.ops.convert_to_numpy(layer.effective_kernel()), layer.bias.numpy()])
    np.testing.assert_allclose(y, dense(x), rtol=1e-5, atol=1e-5)


def test_equalized_conv_is_a_conv2d_with_the_he_scaled_kernel():
    layer, x = pg.EqualizedConv2D(4, 3), _x(2, 6, 6, 3)
    y = layer(x)
    np.testing.assert_allclose(layer.effective_kernel(), layer.kernel.numpy() * math.sqrt(2 / 27), rtol=1e-6)
    conv = keras.layers.Conv2D(4, 3, padding="same")
    conv.build((None, 6, 6, 3))
    conv.set_weights([keras.ops.convert_to_numpy(layer.effective_kernel()), layer.bias.numpy()])
    np.testing.assert_allclose(y, conv(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make, message", [
    (lambda: pg.EqualizedDense(0), "units"), (lambda: pg.EqualizedConv2D(4, 2), "kernel_size"),
    (lambda: pg.PixelNorm(epsilon=0), "epsilon"), (lambda: pg.FadeIn(alpha=1.5), "alpha"),
    (lambda: pg.ProGanConfig(n=100, batch=200), "batch")])
def test_bad_arguments_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


LAYERS = [pg.EqualizedDense(3, gain=1.0, name="d"), pg.EqualizedConv2D(2, 1, use_bias=False),
          pg.PixelNorm(epsilon=1e-6), pg.MinibatchStdDev(epsilon=1e-4), pg.FadeIn(0.25)]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: type(layer).__name__)
def test_get_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


@pytest.fixture(scope="module")
def networks():
    keras.utils.set_random_seed(1)
    return pg.ProgressiveNetworks(latent_dim=8, filters=8)


def _set_alpha(model, alpha):
    for layer in model.layers:
        if isinstance(layer, pg.FadeIn):
            layer.alpha.assign(alpha)


@pytest.mark.parametrize("stage", [1, 2])
def test_generator_fade_starts_at_the_upsampled_smaller_network_and_ends_at_the_new_block(networks, stage):
    z = _x(4, 8)
    grown, old, new = networks.generator(stage, fade=True), networks.generator(stage - 1), networks.generator(stage)
    _set_alpha(grown, 0.0)  # Eq. 1 at α = 0: the smaller generator, upsampled
    np.testing.assert_allclose(grown(z), pg.upsample(old(z), pg.RESOLUTIONS[stage]), rtol=0, atol=TOLERANCE)
    _set_alpha(grown, 1.0)  # α = 1: the new block alone
    np.testing.assert_allclose(grown(z), new(z), rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("stage", [1, 2])
def test_discriminator_fade_starts_at_the_smaller_network_on_pooled_images_and_ends_at_the_new_block(networks,
                                                                                                    stage):
    r = pg.RESOLUTIONS[stage]
    x = RNG.uniform(size=(4, r, r, 1)).astype(np.float32)
    grown, old, new = (networks.discriminator(stage, fade=True), networks.discriminator(stage - 1),
                       networks.discriminator(stage))
    _set_alpha(grown, 0.0)  # Eq. 2 at α = 0: the smaller D on 2× average-pooled images
    np.testing.assert_allclose(grown(x), old(pg.downsample(x, r // 2)), rtol=0, atol=TOLERANCE)
    _set_alpha(grown, 1.0)
    np.testing.assert_allclose(grown(x), new(x), rtol=0, atol=TOLERANCE)


def test_growing_keeps_the_weights_and_the_shapes(networks):
    z = _x(2, 8)
    for stage, r in enumerate(pg.RESOLUTIONS):
        assert networks.generator(stage)(z).shape == (2, r, r, 1)
        assert networks.discriminator(stage)(np.zeros((2, r, r, 1), np.float32)).shape == (2, 1)
    shared = {id(w) for w in networks.generator(0).weights if "to_rgb" not in w.path}  # block 0
    assert shared <= {id(w) for w in networks.generator(2).weights}


def test_schedule_raises_alpha_linearly_then_holds_it():
    config = pg.ProGanConfig(stable_epochs=2, fade_epochs=2)
    assert config.epochs == 2 + 4 + 4
    assert [pg.position(config, e) for e in (0, 2, 3, 4, 6, 7, 10)] == [
        (7, 1.0), (7, 1.0), (14, 0.5), (14, 1.0), (14, 1.0), (28, 0.5), (28, 1.0)]
    plan = pg.schedule(config)
    assert plan["epoch"][-1] == 10 and set(plan["resolution"]) == {7, 14, 28}
    assert plan["alpha"].min() == 0.0 and plan["alpha"][-1] == 1.0


def test_save_and_load_give_the_same_outputs(networks, tmp_path):
    x = RNG.uniform(size=(3, 14, 14, 1)).astype(np.float32)
    for model, inputs in ((networks.generator(1, fade=True, alpha=0.3), _x(3, 8)),
                          (networks.discriminator(1, fade=True, alpha=0.3), x)):
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        np.testing.assert_allclose(keras.models.load_model(path)(inputs), model(inputs), rtol=1e-6, atol=1e-6)


def test_a_stage_gan_raises_alpha_each_step_and_saves(networks, tmp_path):
    config = pg.ProGanConfig(n=100, batch=50, score=False)
    gan = pg.build_stage(config, networks, 1, fade_steps=4)
    images = RNG.uniform(size=(100, 28, 28, 1)).astype(np.float32)
    from toolkit.train import fit

    fit(gan, images, epochs=1, batch_size=50)  # 2 steps of T_fade = 4
    assert float(gan.alpha.numpy()) == pytest.approx(0.25)  # α of the last step, t = 1 (Eq. 4)
    assert all(float(layer.alpha.numpy()) == pytest.approx(0.25) for layer in gan.fades)
    assert gan.generate_numpy(_x(2, 8)).shape == (2, 28, 28, 1)  # inference samples at display size
    path = tmp_path / "stage.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert (loaded.resolution, loaded.fade_steps) == (14, 4)
    z = _x(2, 8)
    np.testing.assert_allclose(loaded.generate_numpy(z), gan.generate_numpy(z), atol=1e-6)


def test_one_run_counts_epochs_across_the_three_stages():
    seen = []
    config = pg.ProGanConfig(stable_epochs=1, fade_epochs=1, n=100, batch=50, filters=4, latent_dim=4, score=False)
    result = pg.run_progan(config, callbacks=[lambda run: seen.append(run.epochs_done)])
    run = result.run
    assert run.status == "completed" and run.epochs_done == config.epochs == 5
    assert seen == sorted(seen) and seen[-1] == 5  # one run, whose epochs only count up
    np.testing.assert_array_equal(run.history["resolution"], [7, 14, 14, 28, 28])
    np.testing.assert_array_equal(run.history["alpha"], [1, 1, 1, 1, 1])  # fade of 1 epoch: α = 1 at its end
    assert len(run.history["d_loss"]) == 5 and run.model.resolution == 28
    assert {r: s.shape for r, s in result.samples.items()} == {7: (10, 7, 7, 1), 14: (10, 14, 14, 1),
                                                               28: (10, 28, 28, 1)}
