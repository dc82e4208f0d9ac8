"""Dilated causal convolutions and the TCN (Eqs. 1-5 of toolkit.transformers.tcn): Keras's causal
Conv1D, weight normalization by finite differences, causality, the receptive field against the
measured input influence, saving. (The page's lesson, a dilated TCN learning the adding problem
where the same TCN without dilation cannot, is checked at its defaults in test_page_defaults.py.)"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.transformers.tcn import CausalConv1D, LastStep, TemporalBlock, input_influence, receptive_field, tcn

B, T, C = 2, 20, 3


def sequences(seed=0, length=T, channels=C, batch=B):
    return np.random.default_rng(seed).normal(size=(batch, length, channels)).astype("float32")


# ---------------------------------------------------------------- the causal convolution
@pytest.mark.parametrize(("kernel", "dilation"), [(3, 1), (3, 2), (2, 4), (4, 3)])
def test_causal_conv_with_keras_weights_is_keras_causal_conv1d(kernel, dilation):
    """Eq. 1 against keras.layers.Conv1D(padding="causal", dilation_rate=d), same weights, atol 1e-5."""
    x = sequences()
    reference = keras.layers.Conv1D(4, kernel, padding="causal", dilation_rate=dilation, activation="relu",
                                    bias_initializer="random_normal")
    expected = keras.ops.convert_to_numpy(reference(x))
    ours = CausalConv1D(4, kernel, dilation, activation="relu")
    ours.build(x.shape)
    ours.set_weights(reference.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours(x)), expected, atol=1e-5)


def test_weight_norm_starts_as_the_plain_kernel_and_rescales_each_output_channel():
    """Eq. 2: w = g v/‖v‖ with g = ‖v‖ at the start; doubling g_j doubles output channel j (no bias)."""
    x = sequences()
    layer = CausalConv1D(4, 3, 2, weight_norm=True, use_bias=False)
    out = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(layer.effective_kernel(), layer.direction, atol=1e-6)
    layer.magnitude.assign(layer.magnitude * np.array([2.0, 1.0, 1.0, 1.0], np.float32))
    scaled = keras.ops.convert_to_numpy(layer(x))
    np.testing.assert_allclose(scaled[..., 0], 2 * out[..., 0], atol=1e-5)
    np.testing.assert_allclose(scaled[..., 1:], out[..., 1:], atol=1e-6)
    norms = np.linalg.norm(keras.ops.convert_to_numpy(layer.effective_kernel()), axis=(0, 1))
    np.testing.assert_allclose(norms, keras.ops.convert_to_numpy(layer.magnitude), rtol=1e-5)  # ‖w_j‖ = g_j


def test_weight_norm_gradients_match_finite_differences():
    """∂L/∂g and ∂L/∂v of L = Σ y² through Eq. 2, against central differences in float64 (rtol 1e-5)."""
    x = np.random.default_rng(1).normal(size=(1, 8, 2))
    layer = CausalConv1D(2, 3, 2, weight_norm=True, dtype="float64")
    layer(x)

    def loss():
        return float(np.sum(keras.ops.convert_to_numpy(layer(x)) ** 2))

    with tf.GradientTape() as tape:
        value = tf.reduce_sum(layer(x) ** 2)
    grads = tape.gradient(value, [layer.magnitude.value, layer.direction.value])
    for variable, grad in zip([layer.magnitude, layer.direction], grads):
        base = keras.ops.convert_to_numpy(variable)
        numeric = np.zeros_like(base)
        for index in np.ndindex(base.shape):
            for sign in (1, -1):
                moved = base.copy()
                moved[index] += sign * 1e-6
                variable.assign(moved)
                numeric[index] += sign * loss() / 2e-6
            variable.assign(base)
        np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- the block and the network
def test_the_temporal_block_adds_a_projected_residual_only_when_channels_change():
    """Eqs. 3-4 rebuilt from the block's own convolutions (no dropout at inference)."""
    x = sequences()
    same = TemporalBlock(3, 3, 1)
    assert same(x).shape == (B, T, 3) and same.residual is None
    block = TemporalBlock(5, 3, 2, dropout=0.3)
    out = keras.ops.convert_to_numpy(block(x))
    assert block.residual is not None
    expected = np.maximum(block.residual(x) + block.convs[1](block.convs[0](x)), 0)  # Eq. 4
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert not np.allclose(keras.ops.convert_to_numpy(block(x, training=True)), out)  # dropout while training


def test_the_output_at_t_does_not_read_inputs_after_t():
    x = sequences()
    model = tcn((T, C), 2, filters=4, dilations=(1, 2, 4), task="copy")
    changed = x.copy()
    changed[:, 12:] += 3.0
    before, after = (keras.ops.convert_to_numpy(model(v)) for v in (x, changed))
    assert before.shape == (B, T, 2)  # the length preserved
    np.testing.assert_allclose(after[:, :12], before[:, :12], atol=1e-6)
    assert np.abs(after[:, 12:] - before[:, 12:]).max() > 1e-4


def test_the_network_reads_the_last_step_for_adding_and_every_step_for_copy():
    adding, copy = tcn((T, C), 1, filters=4), tcn(C, 10, filters=4, task="copy")
    assert tuple(adding.outputs[0].shape) == (None, 1)
    assert tuple(copy.inputs[0].shape) == (None, None, C) and copy(sequences(length=7)).shape == (B, 7, 10)
    hidden = keras.Model(adding.inputs[0], adding.get_layer("block_4").output)  # dilations 1, 2, 4, 8
    expected = adding.get_layer("readout")(hidden(sequences())[:, -1])
    np.testing.assert_allclose(adding(sequences()), expected, atol=1e-6)


@pytest.mark.parametrize(("kernel", "dilations"), [(3, (1, 2, 4)), (2, (1, 1, 1)), (4, (1, 3))])
def test_the_receptive_field_is_where_the_last_output_reads(kernel, dilations):
    """Eq. 5 against |∂y_T/∂x_s|: nonzero exactly on the last R steps (and causal)."""
    length = 40
    model = tcn((length, 1), 1, filters=16, kernel_size=kernel, dilations=dilations, weight_norm=False)
    influence = input_influence(model, sequences(2, length, 1, batch=8))
    assert influence.shape == (length,)
    reach = length - np.flatnonzero(influence > 0)[0]
    assert reach == receptive_field(kernel, dilations) == 1 + 2 * (kernel - 1) * sum(dilations)


def test_the_influence_on_an_inner_step_stops_at_it():
    model = tcn(1, 1, filters=16, kernel_size=2, dilations=(1, 2), task="copy")
    influence = input_influence(model, sequences(3, 30, 1, batch=8), t=20)
    assert np.flatnonzero(influence > 0).tolist() == list(range(20 - 7 + 1, 21))  # R = 7: steps 14 … 20


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="`dilation_rate` must be"):
        CausalConv1D(4, 3, 0)
    with pytest.raises(ValueError, match="`dropout` must be"):
        TemporalBlock(4, 3, 1, dropout=1.5)
    with pytest.raises(ValueError, match="`dilations` must name"):
        tcn((T, C), 1, dilations=())
    with pytest.raises(ValueError, match="`task` must be"):
        tcn((T, C), 1, task="sine")
    with pytest.raises(ValueError, match="`t` must be the last step"):
        input_influence(tcn((T, C), 1, filters=4), sequences(), t=3)


# ---------------------------------------------------------------- saving
@pytest.mark.parametrize("layer", [CausalConv1D(4, 3, 2, weight_norm=True, activation="relu"),
                                   TemporalBlock(4, 2, 8, dropout=0.1, weight_norm=False), LastStep()],
                         ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()


def test_keras_file_reloads_with_identical_outputs(tmp_path):
    model = tcn((T, C), 1, filters=4, dilations=(1, 2), dropout=0.1)
    x = sequences()
    model.save(tmp_path / "tcn.keras")
    reloaded = keras.saving.load_model(tmp_path / "tcn.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(reloaded(x)), keras.ops.convert_to_numpy(model(x)))
