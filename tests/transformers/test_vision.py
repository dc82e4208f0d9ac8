"""ViT and Swin (toolkit.transformers.vision): each piece against a NumPy construction, round trips, learning."""

import itertools

import keras
import numpy as np
import pytest
from keras import ops

from toolkit.transformers import vision
from toolkit.transformers.vision import (
    ClassToken, ClassTokenOutput, PatchEmbedding, PatchMerging, PositionEmbedding, SwinBlock, WindowAttention,
)

pytestmark = pytest.mark.xdist_group(__name__)

RNG = np.random.default_rng(0)


def random_images(batch=2, height=28, width=28, channels=1, seed=0):
    return np.random.default_rng(seed).random((batch, height, width, channels)).astype("float32")


def numpy_layer_norm(x, eps):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)


def numpy_attention(tokens, layer: WindowAttention, allowed, bias):
    """softmax(QKᵀ/√d + bias, −∞ where not `allowed`) V, projected: tokens (B, T, C), allowed (T, T),
    bias (h, T, T)."""
    w = lambda dense: (ops.convert_to_numpy(dense.kernel), ops.convert_to_numpy(dense.bias))  # noqa: E731
    (w_qkv, b_qkv), (w_out, b_out) = w(layer.qkv), w(layer.projection)
    batch, length, channels = tokens.shape
    head_dim = channels // layer.heads
    qkv = (tokens @ w_qkv + b_qkv).reshape(batch, length, 3, layer.heads, head_dim).transpose(2, 0, 3, 1, 4)
    scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2) / np.sqrt(head_dim) + bias  # (B, h, T, T)
    scores = np.where(allowed, scores, -np.inf)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ qkv[2]).transpose(0, 2, 1, 3).reshape(batch, length, channels)
    return out @ w_out + b_out, weights


def liu_mask(height, width, window, shift):
    """Liu et al.'s construction: img_mask labelled by slices, partitioned into windows, compared pairwise."""
    img_mask = np.zeros((height, width), int)
    count = 0
    slices = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    for rows in slices:
        for columns in slices:
            img_mask[rows, columns] = count
            count += 1
    windows = img_mask.reshape(height // window, window, width // window, window).transpose(0, 2, 1, 3)
    windows = windows.reshape(-1, window * window)
    return windows[:, :, None] == windows[:, None, :]


# ---------------------------------------------------------------- ViT pieces
def test_patches_are_flattened_row_by_row_then_pixel_by_pixel():
    images = random_images(2, 8, 12, 3)
    got = ops.convert_to_numpy(vision.patches(images, 4))
    assert got.shape == (2, 6, 48)
    expected = [images[:, r:r + 4, c:c + 4].reshape(2, -1) for r in range(0, 8, 4) for c in range(0, 12, 4)]
    np.testing.assert_array_equal(got, np.stack(expected, axis=1))
    with pytest.raises(ValueError, match="`patch_size` must divide"):
        vision.patches(images, 5)


def test_patch_embedding_is_the_linear_projection_of_the_flattened_patches():
    images = random_images(2, 28, 28, 2)
    layer = PatchEmbedding(7, 16)
    tokens = ops.convert_to_numpy(layer(images))
    kernel = ops.convert_to_numpy(layer.projection.kernel).reshape(7 * 7 * 2, 16)  # (P, P, C, D) -> (P²C, D)
    expected = ops.convert_to_numpy(vision.patches(images, 7)) @ kernel + ops.convert_to_numpy(layer.projection.bias)
    assert tokens.shape == (2, 16, 16)
    np.testing.assert_allclose(tokens, expected, atol=1e-5)


def test_class_token_is_prepended_and_positions_are_added():
    tokens = RNG.normal(size=(3, 5, 8)).astype("float32")
    cls = ClassToken(8)
    cls.build(tokens.shape)
    cls.token.assign(np.arange(8, dtype="float32").reshape(1, 1, 8))
    out = ops.convert_to_numpy(cls(tokens))
    assert out.shape == (3, 6, 8)
    np.testing.assert_array_equal(out[:, 0], np.tile(np.arange(8), (3, 1)))
    np.testing.assert_array_equal(out[:, 1:], tokens)
    positions = PositionEmbedding(6)
    added = ops.convert_to_numpy(positions(out))
    np.testing.assert_allclose(added - out, np.broadcast_to(ops.convert_to_numpy(positions.positions), (3, 6, 8)),
                               atol=1e-6)
    np.testing.assert_array_equal(ops.convert_to_numpy(ClassTokenOutput()(out)), out[:, 0])
    with pytest.raises(ValueError, match="`length` must equal the number of tokens, received length=4"):
        PositionEmbedding(4)(out)


def test_vit_reads_the_class_token_only_and_exposes_its_attention():
    keras.utils.set_random_seed(0)
    model = vision.vit()
    images = random_images(3)
    assert model.count_params() == 72_074 and model(images).shape == (3, 10)
    maps = vision.attention_maps(model, images)
    assert [a.shape for a in maps] == [(3, 4, 17, 17)] * 2  # 16 patches of 7 × 7 and the class token
    np.testing.assert_allclose(maps[0].sum(-1), 1.0, atol=1e-5)
    cls = vision.class_token_attention(model, images)
    assert cls.shape == (3, 4, 4, 4)
    np.testing.assert_allclose(cls.reshape(3, 4, 16), maps[-1][:, :, 0, 1:], atol=1e-7)
    assert model.get_layer("head").input.shape == (None, 64)  # the head sees the class token's row only
    changed = model.get_layer("norm").output
    readout = keras.Model(model.input, [changed, model.output])
    tokens, logits = (ops.convert_to_numpy(t) for t in readout(images))
    head = model.get_layer("head")
    np.testing.assert_allclose(logits, tokens[:, 0] @ ops.convert_to_numpy(head.kernel)
                               + ops.convert_to_numpy(head.bias), atol=1e-5)


def test_attention_rollout_multiplies_the_residual_mixed_attention_of_every_block():
    keras.utils.set_random_seed(1)
    model = vision.vit(patch_size=4, dim=16, depth=3, heads=2, mlp_dim=32)
    images = random_images(2, seed=3)
    maps = vision.attention_maps(model, images)
    expected = np.stack([np.eye(50)] * 2)
    for a in maps:  # Eq. 4, by hand
        mixed = 0.5 * a.mean(1) + 0.5 * np.eye(50)
        expected = np.einsum("bij,bjk->bik", mixed / mixed.sum(-1, keepdims=True), expected)
    rollout = vision.attention_rollout(model, images)
    assert rollout.shape == (2, 7, 7)
    np.testing.assert_allclose(rollout, expected[:, 0, 1:].reshape(2, 7, 7), rtol=1e-5)
    assert np.all(rollout > 0) and np.all(rollout.sum((1, 2)) < 1)


def test_vit_rejects_bad_arguments_by_name():
    with pytest.raises(ValueError,
                       match="`patch_size` must divide the image's height and width, received patch_size=5"):
        vision.vit(patch_size=5)
    with pytest.raises(ValueError, match="`dim` must be a multiple of `heads`, received dim=30 and heads=4"):
        vision.vit(dim=30)
    with pytest.raises(ValueError, match="`dropout` must be a finite number in \\[0, 1\\), received dropout=1.5"):
        vision.vit(dropout=1.5)
    with pytest.raises(ValueError, match="must be built by toolkit.transformers.vision.vit"):
        vision.attention_rollout(vision.swin(), random_images(1))


# ---------------------------------------------------------------- Swin: windows and masks
def test_window_reverse_inverts_window_partition():
    x = RNG.normal(size=(2, 14, 21, 3)).astype("float32")
    windows = ops.convert_to_numpy(vision.window_partition(x, 7))
    assert windows.shape == (2 * 2 * 3, 49, 3)
    np.testing.assert_array_equal(windows[0], x[0, :7, :7].reshape(49, 3))
    np.testing.assert_array_equal(windows[1], x[0, :7, 7:14].reshape(49, 3))  # windows row by row
    np.testing.assert_array_equal(windows[6], x[1, :7, :7].reshape(49, 3))  # then the next image
    np.testing.assert_array_equal(ops.convert_to_numpy(vision.window_reverse(windows, 7, 14, 21)), x)


def test_window_ids_are_the_regular_windows_without_shift():
    expected = np.arange(4).reshape(2, 2).repeat(7, axis=0).repeat(7, axis=1)
    np.testing.assert_array_equal(vision.window_ids(14, 14, 7, 0), expected)
    shifted = vision.window_ids(14, 14, 7, 3)  # borders moved to rows / columns 3 and 10: 3 × 3 regions
    assert len(np.unique(shifted)) == 9
    np.testing.assert_array_equal(shifted[[0, 2, 3, 9, 10, 13], 0], [0, 0, 3, 3, 6, 6])


@pytest.mark.parametrize("height, width, window, shift", [(14, 14, 7, 3), (8, 8, 4, 2), (12, 8, 4, 1), (9, 9, 3, 1)])
def test_shifted_window_mask_matches_liu_et_al_img_mask(height, width, window, shift):
    mask = vision.shifted_window_mask(height, width, window, shift)
    assert mask.shape == ((height // window) * (width // window), window ** 2, window ** 2) and mask.dtype == bool
    np.testing.assert_array_equal(mask, liu_mask(height, width, window, shift))
    additive = vision.shifted_window_mask(height, width, window, shift, additive=True)
    np.testing.assert_array_equal(additive, np.where(mask, 0.0, -100.0))
    assert vision.shifted_window_mask(height, width, window, 0).all()  # no shift: nothing masked


def test_mask_rejects_windows_that_do_not_tile_the_grid():
    with pytest.raises(ValueError, match="`window` must divide the grid's height and width, received window=4"):
        vision.shifted_window_mask(14, 14, 4, 2)
    with pytest.raises(ValueError, match="`shift` must be an integer in \\[0, 6\\], received shift=7"):
        vision.window_ids(14, 14, 7, 7)


@pytest.mark.parametrize("window", [2, 3, 7])
def test_relative_position_index_matches_a_loop_over_token_pairs(window):
    expected = np.zeros((window ** 2, window ** 2), int)
    for i, j in itertools.product(range(window ** 2), repeat=2):
        (ri, ci), (rj, cj) = divmod(i, window), divmod(j, window)
        expected[i, j] = (ri - rj + window - 1) * (2 * window - 1) + (ci - cj + window - 1)
    index = vision.relative_position_index(window)
    np.testing.assert_array_equal(index, expected)
    assert index.min() == 0 and index.max() == (2 * window - 1) ** 2 - 1


# ---------------------------------------------------------------- Swin layers
def test_window_attention_matches_numpy_with_the_relative_bias_and_the_mask():
    keras.utils.set_random_seed(2)
    layer = WindowAttention(8, 4, 2)
    x = RNG.normal(size=(2, 8, 8, 8)).astype("float32")
    windows = ops.convert_to_numpy(vision.window_partition(x, 4))  # (8, 16, 8)
    layer.build(windows.shape)
    layer.bias_table.assign(RNG.normal(size=(49, 2)).astype("float32"))  # a bias that matters
    mask = vision.shifted_window_mask(8, 8, 4, 2)  # (4, 16, 16)
    out, weights = layer(windows, window_mask=mask, return_attention_scores=True)
    table = ops.convert_to_numpy(layer.bias_table)
    bias = table[vision.relative_position_index(4)].transpose(2, 0, 1)  # (h, 16, 16)
    expected, expected_weights = numpy_attention(windows, layer, np.tile(mask, (2, 1, 1))[:, None], bias)
    np.testing.assert_allclose(ops.convert_to_numpy(out), expected, atol=1e-5)
    np.testing.assert_allclose(ops.convert_to_numpy(weights), expected_weights, atol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(layer.position_bias()), bias, atol=0)


@pytest.mark.parametrize("shift", [0, 3])
def test_swin_block_attends_within_the_windows_of_the_unshifted_map(shift):
    """The cyclic shift, the mask and the reverse shift together equal attention over the whole map
    restricted to the (shifted) windows of ``window_ids``, with B̂ at the tokens' true offsets."""
    keras.utils.set_random_seed(3)
    block = SwinBlock(8, 2, 7, shift)
    x = RNG.normal(size=(2, 14, 14, 8)).astype("float32")
    block.build(x.shape)
    block.attention.bias_table.assign(RNG.normal(size=(169, 2)).astype("float32"))
    block.mlp_2.kernel.assign(np.zeros_like(block.mlp_2.kernel))  # the MLP branch adds 0: the attention branch alone
    ids = vision.window_ids(14, 14, 7, shift).reshape(-1)
    rows, cols = np.divmod(np.arange(196), 14)
    offsets = (rows[:, None] - rows[None] + 6) * 13 + cols[:, None] - cols[None] + 6
    same = ids[:, None] == ids[None, :]
    table = ops.convert_to_numpy(block.attention.bias_table)
    bias = np.where(same, table[np.clip(offsets, 0, 168)].transpose(2, 0, 1), 0.0)  # (h, 196, 196)
    h = numpy_layer_norm(x.reshape(2, 196, 8), 1e-5)
    branch, _ = numpy_attention(h, block.attention, same, bias)
    got = ops.convert_to_numpy(block(x))
    np.testing.assert_allclose(got, (x.reshape(2, 196, 8) + branch).reshape(x.shape), atol=1e-4)


def test_patch_merging_concatenates_2x2_neighbours_then_normalizes_and_projects():
    keras.utils.set_random_seed(4)
    layer = PatchMerging(3)
    x = RNG.normal(size=(2, 4, 6, 3)).astype("float32")
    out = ops.convert_to_numpy(layer(x))
    assert out.shape == (2, 2, 3, 6)
    merged = np.concatenate([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], axis=-1)
    expected = numpy_layer_norm(merged, 1e-5) @ ops.convert_to_numpy(layer.reduction.kernel)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    np.testing.assert_array_equal(merged[0, 0, 0], [*x[0, 0, 0], *x[0, 1, 0], *x[0, 0, 1], *x[0, 1, 1]])
    with pytest.raises(ValueError, match="needs an even grid"):
        PatchMerging(3)(np.zeros((1, 3, 4, 3), "float32"))


def test_swin_shifts_every_second_block_where_the_grid_holds_several_windows():
    keras.utils.set_random_seed(0)
    model = vision.swin()
    assert model.count_params() == 95_510 and model(random_images(2)).shape == (2, 10)
    blocks = {layer.name: (layer.window, layer.shift) for layer in model.layers if isinstance(layer, SwinBlock)}
    assert blocks == {"stage_1_block_1": (7, 0), "stage_1_block_2": (7, 3),  # 14 × 14: four 7 × 7 windows
                      "stage_2_block_1": (7, 0), "stage_2_block_2": (7, 0)}  # 7 × 7 after merging: one window
    assert model.get_layer("merge_2").output.shape == (None, 7, 7, 64)
    with pytest.raises(ValueError, match="`depths` and `heads` must give one value per stage"):
        vision.swin(depths=(2, 2), heads=(2,))
    with pytest.raises(ValueError, match="`window` must divide the grid's height and width, received window=4"):
        vision.swin(window=4)
    with pytest.raises(ValueError, match="`dim` must be a multiple of `heads`, received dim=32 and heads=3"):
        vision.swin(heads=(3, 6))


# ---------------------------------------------------------------- round trips
LAYERS = {
    "PatchEmbedding": (lambda: PatchEmbedding(4, 8), (2, 8, 8, 1)),
    "ClassToken": (lambda: ClassToken(8), (2, 5, 8)),
    "PositionEmbedding": (lambda: PositionEmbedding(5), (2, 5, 8)),
    "ClassTokenOutput": (lambda: ClassTokenOutput(), (2, 5, 8)),
    "WindowAttention": (lambda: WindowAttention(8, 2, 2), (3, 4, 8)),
    "SwinBlock": (lambda: SwinBlock(8, 2, 2, 1, mlp_ratio=1.5), (2, 4, 4, 8)),
    "PatchMerging": (lambda: PatchMerging(8), (2, 4, 4, 8)),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_config_round_trip_and_keras_file(name, tmp_path):
    make, shape = LAYERS[name]
    keras.utils.set_random_seed(5)
    x = RNG.normal(size=shape).astype("float32")
    layer = make()
    out = ops.convert_to_numpy(layer(x))
    copy = type(layer).from_config(layer.get_config())
    copy(x)
    copy.set_weights(layer.get_weights())
    assert copy.get_config() == layer.get_config()
    np.testing.assert_allclose(ops.convert_to_numpy(copy(x)), out, atol=1e-6)
    inputs = keras.Input(shape[1:])
    model = keras.Model(inputs, make()(inputs))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(x)), ops.convert_to_numpy(model(x)), atol=1e-6)


@pytest.mark.parametrize("builder", ["vit", "swin"])
def test_models_reload_from_keras_files_with_the_same_outputs(builder, tmp_path):
    keras.utils.set_random_seed(6)
    small = {"vit": dict(patch_size=7, dim=16, heads=2, mlp_dim=32), "swin": dict(dim=8, heads=(1, 2))}[builder]
    model = getattr(vision, builder)(**small)
    images = random_images(2, seed=7)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(ops.convert_to_numpy(loaded(images)), ops.convert_to_numpy(model(images)), atol=1e-5)
    if builder == "vit":  # the attention is still readable by name after loading
        np.testing.assert_allclose(vision.attention_rollout(loaded, images), vision.attention_rollout(model, images),
                                   atol=1e-6)


# ---------------------------------------------------------------- learning on glyphs
@pytest.fixture(scope="module")
def glyphs():
    """1,200 training glyphs at 16 × 16 (Swin's cost grows with its 8 × 8 = 64 tokens; 28 × 28 gives 196)."""
    from toolkit.data import load

    return load(name="glyphs", n=1500, seed=0, size=16)


def held_out_accuracy(model, data, epochs):
    from toolkit.train import fit

    model.compile(keras.optimizers.Adam(3e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    fit(model, data.x_train, data.y_train, epochs=epochs, batch_size=32, verbose=0, seed=0)
    logits = ops.convert_to_numpy(model(data.x_test, training=False))
    return float(np.mean(logits.argmax(1) == data.y_test))


def test_swin_learns_glyphs_well_above_chance(glyphs):
    keras.utils.set_random_seed(0)
    model = vision.swin((16, 16, 1), patch_size=2, dim=16, heads=(2, 4), window=4)  # 8 × 8: four windows, shift 2
    assert model.get_layer("stage_1_block_2").shift == 2
    accuracy = held_out_accuracy(model, glyphs, epochs=3)
    assert accuracy > 0.3, accuracy  # chance is 0.1
