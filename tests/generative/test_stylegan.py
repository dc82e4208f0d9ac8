"""StyleGAN-mini: AdaIN against a NumPy computation, the noise input's effect, style mixing and
truncation at their end points, serialization, and a tiny training through ``gan.GAN``."""

import keras
import numpy as np
import pytest

from toolkit.generative import stylegan as sg

RNG = np.random.default_rng(0)
W_DIM = 8


@pytest.fixture(scope="module")
def generator():
    """A small untrained generator with non-trivial weights (noise strengths B != 0, a non-zero w̄)."""
    rng = np.random.default_rng(2)  # its own: the module's RNG is in whatever state the tests before left it
    keras.utils.set_random_seed(1)
    g = sg.StyleGenerator(latent_dim=6, w_dim=W_DIM, mapping_layers=2, channels=4, seed=3)
    for noise in (layer for layer in g.parts["blocks"] for layer in layer[1:2]):
        noise.strength.assign(rng.uniform(0.1, 0.5, noise.strength.shape).astype("float32"))
    g.mapper.mean_w.assign(rng.normal(size=W_DIM).astype("float32"))
    return g


def z_of(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 6)).astype("float32")


def test_adain_matches_a_hand_computation_in_numpy():
    x = RNG.normal(2.0, 3.0, (2, 5, 5, 3)).astype("float32")
    w = RNG.normal(size=(2, 4)).astype("float32")
    layer = sg.AdaIN(epsilon=1e-5)
    layer.build([x.shape, w.shape])
    kernel = RNG.normal(size=(4, 6)).astype("float32")
    bias = RNG.normal(size=6).astype("float32")
    layer.affine.set_weights([kernel, bias])
    y = w @ kernel + bias  # Eq. 2: y = A w
    y_s, y_b = y[:, None, None, :3], y[:, None, None, 3:]
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    expected = y_s * (x - mean) / np.sqrt(var + 1e-5) + y_b  # Eq. 3
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer([x, w])), expected, rtol=1e-4, atol=1e-4)


def test_an_untrained_adain_is_instance_normalization():
    x = RNG.normal(1.0, 2.0, (2, 4, 4, 3)).astype("float32")
    layer = sg.AdaIN()
    layer.build([x.shape, (2, 5)])
    layer.affine.kernel.assign(np.zeros((5, 6), "float32"))  # y = bias = (1, 0)
    reference = keras.layers.GroupNormalization(groups=3, center=False, scale=False, epsilon=1e-5)
    np.testing.assert_allclose(layer([x, np.ones((2, 5), "float32")]), reference(x), atol=1e-4)


def test_noise_input_adds_exactly_b_times_the_noise():
    x = RNG.normal(size=(2, 4, 4, 3)).astype("float32")
    noise = RNG.normal(size=(2, 4, 4, 1)).astype("float32")
    layer = sg.NoiseInput()
    np.testing.assert_array_equal(layer(x, noise), x)  # B = 0: no effect
    strength = np.array([0.5, -1.0, 2.0], "float32")
    layer.strength.assign(strength)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x, noise)) - x, strength * noise, atol=1e-6)
    assert not np.allclose(layer(x), layer(x))  # fresh noise without `noise`


def test_mapping_normalizes_z_and_returns_one_w_per_sample():
    mapping = sg.MappingNetwork(units=5, depth=2)
    z = z_of(3)
    np.testing.assert_allclose(mapping(z), mapping(10 * z), atol=1e-5)  # pixel norm: the scale of z is gone
    assert mapping(z).shape == (3, 5)


def test_mixing_regularization_keeps_a_prefix_of_each_w():
    layer = sg.MixingRegularization(num_layers=6, probability=1.0, seed=0)
    w = RNG.normal(size=(8, 3)).astype("float32")
    np.testing.assert_array_equal(layer(w), np.repeat(w[:, None], 6, axis=1))  # inference: no mixing
    ws = keras.ops.convert_to_numpy(layer(w, training=True))
    other = np.roll(w, 1, axis=0)
    for i in range(8):
        own = np.all(ws[i] == w[i], axis=1)
        crossover = int(own.sum())
        assert 1 <= crossover < 6 and own[:crossover].all()  # Eq. 5: w up to c, then another sample's
        np.testing.assert_array_equal(ws[i, crossover:], np.repeat(other[i:i + 1], 6 - crossover, axis=0))


def test_crossover_zero_is_the_fine_source_and_the_last_layer_the_coarse(generator):
    w1, w2 = generator.mapping(z_of(3, 1)), generator.mapping(z_of(3, 2))
    noise = sg.fixed_noise(3, seed=5)
    only = lambda w: generator.synthesize(w, noise)  # noqa: E731
    np.testing.assert_allclose(generator.synthesize(sg.mix(w1, w2, 0), noise), only(w2), atol=1e-6)
    np.testing.assert_allclose(generator.synthesize(sg.mix(w1, w2, sg.STYLE_LAYERS), noise), only(w1), atol=1e-6)
    halfway = generator.synthesize(sg.mix(w1, w2, 3), noise)
    assert not np.allclose(halfway, only(w1)) and not np.allclose(halfway, only(w2))


def test_the_call_is_mapping_then_synthesis(generator):
    z = z_of(2)
    noise = sg.fixed_noise(2)
    with_zero_noise = [np.zeros_like(n) for n in noise]
    for part in generator.parts["blocks"]:
        part[1].strength.assign(np.zeros(4, "float32"))
    try:  # B = 0 everywhere: the call's fresh noise has no effect
        np.testing.assert_allclose(generator(z), generator.synthesize(generator.mapping(z), with_zero_noise), atol=1e-6)
    finally:
        for part in generator.parts["blocks"]:
            part[1].strength.assign(RNG.uniform(0.1, 0.5, 4).astype("float32"))


def test_truncation_at_psi_zero_gives_the_mean_w_and_at_one_changes_nothing(generator):
    w = keras.ops.convert_to_numpy(generator.mapping(z_of(4)))
    np.testing.assert_allclose(sg.truncate(w, generator.mean_w, 1.0), w, atol=1e-5)  # w̄ + (w − w̄) rounds
    images = sg.render(generator, sg.mix(*[sg.latents(generator, range(4), psi=0.0)] * 2, 0), sg.fixed_noise(4))
    mean_image = sg.render(generator, np.repeat(generator.mean_w[None, None], sg.STYLE_LAYERS, axis=1),
                           sg.fixed_noise(1))
    np.testing.assert_allclose(images, np.repeat(mean_image, 4, axis=0), atol=1e-5)  # every z -> G(w̄)
    rows = sg.truncation_images(generator, range(8), [1.0, 0.5, 0.0]).reshape(3, 8, -1)
    spread = rows.std(axis=1).mean(axis=1)  # diversity across the 8 latents, per ψ
    assert spread[0] > spread[1] > spread[2], spread  # each source keeps its own noise: only w is truncated


def test_synthesize_returns_the_14x14_features_and_checks_its_inputs(generator):
    images, features = generator.synthesize(generator.mapping(z_of(2)), sg.fixed_noise(2), return_features=True)
    assert images.shape == (2, 28, 28, 1) and features.shape == (2, 14, 14, 4)
    with pytest.raises(ValueError, match="`ws` must have shape"):
        generator.synthesize(np.zeros((2, 3, W_DIM)))
    with pytest.raises(ValueError, match="`noise` must hold 6 arrays"):
        generator.synthesize(np.zeros((2, W_DIM)), noise=[np.zeros((2, 7, 7, 1))])
    with pytest.raises(ValueError, match="`crossover` must be"):
        sg.mix(np.zeros((1, 2)), np.zeros((1, 2)), 7)
    with pytest.raises(ValueError, match="`psi`"):
        sg.truncate(np.zeros(2), np.zeros(2), -1)
    with pytest.raises(ValueError, match="`channels`"):
        sg.StyleGenerator(channels=0)


@pytest.mark.parametrize("layer", [sg.MappingNetwork(7, 3, 0.9), sg.AdaIN(1e-3), sg.NoiseInput(0.2, seed=4),
                                   sg.MixingRegularization(4, 0.5, seed=1), sg.ConstantInput((7, 7, 5))],
                         ids=lambda layer: type(layer).__name__)
def test_layer_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_generator_saves_and_reloads_with_identical_outputs(generator, tmp_path):
    assert sg.StyleGenerator.from_config(generator.get_config()).get_config() == generator.get_config()
    path = tmp_path / "style_generator.keras"
    generator.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, sg.StyleGenerator)
    ws = sg.mix(generator.mapping(z_of(3, 1)), generator.mapping(z_of(3, 2)), 2)
    noise = sg.fixed_noise(3, seed=9, same_for_all=False)
    np.testing.assert_allclose(loaded.synthesize(ws, noise), generator.synthesize(ws, noise), atol=1e-6)
    np.testing.assert_allclose(loaded.mean_w, generator.mean_w)


def test_a_tiny_stylegan_trains_through_the_gan_class():
    config = sg.StyleGanConfig(epochs=2, n=200, batch=50, channels=8, d_filters=8, score=False)
    result = sg.run_stylegan(config)
    history, generator = result.run.history, result.generator
    assert len(history["g_loss"]) == 2 and np.all(np.isfinite(history["d_loss"]))
    assert isinstance(generator, sg.StyleGenerator) and generator.name == "ema_generator"
    assert np.abs(result.run.model.generator.mean_w).max() > 0  # Eq. 7 tracked w̄ while training
    assert result.grid.shape == (40, 28, 28, 1)
    grid = sg.mixing_grid(generator, [1, 2], [3, 4, 5], crossover=2)
    assert grid.mixed.shape == (2, 3, 28, 28, 1) and grid.tiles().shape == (12, 28, 28, 1)
    # the sources' own noise maps are mixed like their styles: c = 0 reproduces the column sources
    np.testing.assert_allclose(sg.mixing_grid(generator, [1, 2], [3, 4, 5], crossover=0).mixed[1], grid.columns,
                               atol=1e-6)
    shared = sg.mixing_grid(generator, [1, 2], [3, 4, 5], crossover=6, shared_noise=True)
    np.testing.assert_allclose(shared.mixed[:, 0], shared.rows, atol=1e-6)


def test_config_explains_a_batch_larger_than_the_dataset():
    with pytest.raises(ValueError, match="larger than the 100 training glyphs"):
        sg.StyleGanConfig(n=100, batch=200)
