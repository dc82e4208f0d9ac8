"""Flamingo's layers (toolkit.multimodal.flamingo): the Perceiver Resampler gives R tokens for any number of
visual features and ignores their order; the gated cross-attention block is the identity at initialization,
its gates get a gradient there (checked by finite differences), and with open gates it adds the attention and
the FFW as Eqs. 3-4 say; validation and Keras round trips."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from toolkit.multimodal import flamingo

RNG = np.random.default_rng(0)


def features(batch=2, count=5, dim=8):
    return RNG.normal(size=(batch, count, dim)).astype("float32")


def test_the_resampler_gives_r_tokens_for_any_number_of_features_in_any_order():
    keras.utils.set_random_seed(0)
    resampler = flamingo.PerceiverResampler(latents=3, depth=2, heads=2)
    for count in (1, 5, 17):
        assert resampler(features(count=count)).shape == (2, 3, 8)
    x = features(count=6)
    order = RNG.permutation(6)
    np.testing.assert_allclose(resampler(x[:, order]), resampler(x), atol=1e-5)  # a set, not a sequence
    assert not np.allclose(resampler(x), resampler(x[::-1]))  # but it reads the features


def test_the_gated_block_is_the_identity_until_its_gates_open():
    keras.utils.set_random_seed(0)
    block = flamingo.GatedCrossAttentionDense(heads=2)
    y, x = features(count=4), features(count=3)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(block([y, x])), y)  # tanh(0) = 0: the frozen LM alone
    block.alpha_xattn.assign(0.5)
    block.alpha_dense.assign(-1.0)
    attended = y + np.tanh(0.5) * keras.ops.convert_to_numpy(block.attention(block.norm(y), x))  # Eq. 3
    expected = attended + np.tanh(-1.0) * keras.ops.convert_to_numpy(block.ffw(attended))  # Eq. 4
    np.testing.assert_allclose(block([y, x]), expected, atol=1e-5)


def test_the_closed_gate_still_gets_a_gradient_finite_differences():
    keras.utils.set_random_seed(1)
    block = flamingo.GatedCrossAttentionDense(heads=2)
    y, x = features(count=4), features(count=3)
    weights = RNG.normal(size=y.shape).astype("float32")

    def loss():
        return tf.reduce_sum(block([y, x]) * weights)

    with tf.GradientTape() as tape:
        value = loss()
    gradient = float(tape.gradient(value, block.alpha_xattn))
    h = 1e-3
    block.alpha_xattn.assign(h)
    up = float(loss())
    block.alpha_xattn.assign(-h)
    down = float(loss())
    assert abs(gradient) > 1e-3  # training can open the gate
    assert gradient == pytest.approx((up - down) / (2 * h), rel=1e-2)


def test_bad_sizes_get_one_sentence():
    with pytest.raises(ValueError, match="multiple of `heads`"):
        flamingo.PerceiverResampler(heads=3)(features())
    with pytest.raises(ValueError, match="multiple of `heads`"):
        flamingo.GatedCrossAttentionDense(heads=3)([features(), features()])
    with pytest.raises(ValueError, match="latents"):
        flamingo.PerceiverResampler(latents=0)


def test_both_layers_round_trip_through_a_keras_file(tmp_path):
    visual, text = keras.Input((5, 8)), keras.Input((4, 8))
    tokens = flamingo.PerceiverResampler(latents=3, depth=1, heads=2)(visual)
    gated = flamingo.GatedCrossAttentionDense(heads=2)
    model = keras.Model([visual, text], gated([text, tokens]))
    gated.alpha_xattn.assign(0.3)
    data = [features(count=5), features(count=4)]
    model.save(tmp_path / "flamingo.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "flamingo.keras")(data), model(data), atol=1e-5)
