"""DragGAN in miniature (toolkit.generative.drag): bilinear feature sampling against NumPy, point
tracking on a planted feature, the loss's stop-gradient, validation, get_config, and a drag on a
briefly trained glyph generator whose handle moves towards the target, frame by frame."""

import keras
import numpy as np
import pytest

from toolkit.generative import drag

pytestmark = pytest.mark.xdist_group(__name__)


def numpy_bilinear(features, points):
    """Independent reference: the four neighbours of each (x, y), weighted by the areas."""
    height, width, _ = features.shape
    out = []
    for x, y in points:
        x, y = min(max(x, 0), width - 1), min(max(y, 0), height - 1)
        x0, y0 = int(np.floor(x)), int(np.floor(y))
        x1, y1 = min(x0 + 1, width - 1), min(y0 + 1, height - 1)
        ax, ay = x - x0, y - y0
        out.append((1 - ax) * (1 - ay) * features[y0, x0] + ax * (1 - ay) * features[y0, x1]
                   + (1 - ax) * ay * features[y1, x0] + ax * ay * features[y1, x1])
    return np.array(out)


def test_bilinear_sampling_matches_numpy_at_sub_pixel_and_border_points():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(9, 7, 5)).astype(np.float32)
    points = np.concatenate([rng.uniform(-1, 8, (40, 2)), [[0, 0], [6, 8], [3, 4], [6.0, 2.5]]]).astype(np.float32)
    got = keras.ops.convert_to_numpy(drag.bilinear_sample(features, points))
    np.testing.assert_allclose(got, numpy_bilinear(features, points), atol=1e-5)
    np.testing.assert_allclose(got[-2], features[4, 3], atol=1e-6)  # an integer point is that pixel


def test_point_tracking_finds_the_planted_nearest_feature():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(28, 28, 8)).astype(np.float32)
    f0 = rng.normal(size=8).astype(np.float32)
    features[9, 15] = f0 + 0.01  # (x, y) = (15, 9): inside the patch of p = (13, 10), r2 = 3
    features[20, 3] = f0  # exactly f0 but outside the patch: not a candidate
    found = drag.track_point(features, np.array([13.0, 10.0], np.float32), f0, drag.square_offsets(3))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(found), [15.0, 9.0])


def test_offsets_and_mask():
    assert len(drag.disk_offsets(1)) == 5 and len(drag.disk_offsets(3)) == 29  # lattice points of the disk
    assert len(drag.square_offsets(2)) == 25
    mask = drag.segment_mask(28, 28, (5, 5), (15, 5), 2)
    assert mask.shape == (28, 28, 1) and mask[5, 10, 0] == 1 and mask[8, 10, 0] == 0 and mask[5, 18, 0] == 0


def test_motion_loss_moves_content_along_d_only():
    """A feature map that is a ramp along x: shifting the content by d = (1, 0) costs |slope| per
    channel per point; the gradient reaches only F(q + d), never the stop-gradient term."""
    ramp = np.tile(np.arange(28, dtype=np.float32)[None, :, None], (28, 1, 2))  # F(x, y) = x
    offsets = drag.disk_offsets(2)
    loss = drag.motion_loss(keras.ops.convert_to_tensor(ramp), np.array([10.0, 10.0], np.float32),
                            np.array([20.0, 10.0], np.float32), offsets)
    np.testing.assert_allclose(float(loss), len(offsets) * 2 * 1.0, rtol=1e-5)


def test_bad_points_and_settings_get_one_sentence():
    with pytest.raises(ValueError, match="target t must differ"):
        drag.DragConfig(handle_x=3, handle_y=3, target_x=3, target_y=3)
    with pytest.raises(ValueError, match="handle_x"):
        drag.DragConfig(handle_x=28)
    with pytest.raises(ValueError, match="model"):
        drag.DragGeneratorConfig(model="conditional")


def tiny_feature_model():
    from toolkit.generative.dcgan import dcgan_generator

    keras.utils.set_random_seed(0)
    return drag.feature_generator(dcgan_generator(4, filters=4))


def test_the_feature_generator_gives_the_image_and_a_full_size_feature_map():
    image, features = tiny_feature_model()(np.zeros((2, 4), np.float32))
    assert image.shape == (2, 28, 28, 1) and features.shape == (2, 28, 28, 4)
    with pytest.raises(ValueError, match="`layer` must name a layer"):
        drag.feature_generator(keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]), "nope")


def test_drag_gan_config_round_trip_save_and_validation(tmp_path):
    model = tiny_feature_model()
    original = drag.DragGAN(model, np.ones(4), (3, 4), (8, 4), steps=5, r1=2, r2=2, mask_weight=0.1)
    clone = drag.DragGAN.from_config(original.get_config())
    assert (clone.handle_start, clone.target_point, clone.steps, clone.r1, clone.mask_weight) == \
        ((3.0, 4.0), (8.0, 4.0), 5, 2, 0.1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clone.latent), np.ones((1, 4)))
    original.compile(optimizer=keras.optimizers.Adam(0.05))
    drag.fit(original, np.zeros((1, 1), np.float32), epochs=2, batch_size=1, steps_per_callback=1)
    original.save(tmp_path / "drag.keras")
    loaded = keras.models.load_model(tmp_path / "drag.keras")
    for mine, theirs in zip(original(), loaded()):  # the dragged latent's image and features
        np.testing.assert_allclose(keras.ops.convert_to_numpy(mine), keras.ops.convert_to_numpy(theirs), atol=1e-6)
    np.testing.assert_array_equal(loaded.recorded()["handles"], original.recorded()["handles"])
    with pytest.raises(ValueError, match="`target` must be an"):
        drag.DragGAN(model, np.ones(4), (3, 4), (30, 4))
    with pytest.raises(ValueError, match="`latent` must hold 4"):
        drag.DragGAN(model, np.ones(5), (3, 4), (8, 4))


def test_the_split_generator_draws_what_the_generator_draws():
    from toolkit.generative.dcgan import dcgan_generator

    keras.utils.set_random_seed(0)
    generator = dcgan_generator(4, filters=4)
    head, tail = drag.split_generator(generator)
    z = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    image, features = tail(head(z))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(image), keras.ops.convert_to_numpy(generator(z)), atol=1e-5)
    assert head(z).shape == (3, 7 * 7 * 8) and features.shape == (3, 28, 28, 4)


@pytest.fixture(scope="module")
def glyph_gan():
    """A briefly trained glyph DCGAN (2 epochs on 600 glyphs)."""
    from toolkit.generative import glyph_gan as gg

    return gg.train(drag.DragGeneratorConfig(epochs=2, n=600, batch=32)).model


def stroke_pixel(gan, sample, near):
    """The pixel of the sample's stroke (brighter than half its maximum) nearest to `near` (x, y)."""
    image = gan.generate_numpy(drag.sample_latent(gan.latent_dim, sample, gan.noise))[0, ..., 0]
    ys, xs = np.nonzero(image > 0.5 * image.max())
    nearest = np.argmin((xs - near[0]) ** 2 + (ys - near[1]) ** 2)
    return int(xs[nearest]), int(ys[nearest])


@pytest.mark.parametrize("sample, near", [(1, (14, 12)), (5, (14, 14))])
def test_a_drag_moves_the_handle_towards_the_target_and_records_every_step(glyph_gan, sample, near):
    """A 4-pixel drag (rightwards, or leftwards near the right edge) from the stroke pixel of the 2-epoch
    generator's glyph nearest to `near` (a fixed handle off the stroke: the tracking has nothing to follow),
    with a light mask term (λ = 0.05: this weak generator's features barely change, and the default λ = 0.2
    held sample 5 in place while the tracking lost its handle). The page's defaults are tested below."""
    start = stroke_pixel(glyph_gan, sample, near)
    end = (start[0] + 4 if start[0] + 4 <= 27 else start[0] - 4, start[1])
    config = drag.DragConfig(sample=sample, handle_x=start[0], handle_y=start[1], target_x=end[0], target_y=end[1],
                             steps=40, mask_weight=0.05)
    seen = []
    result = drag.run_drag(glyph_gan, config, callbacks=[lambda run: seen.append(drag.live_drag(run))])
    steps = len(result.run.history["distance"])
    assert result.frames.shape == (steps + 1, 28, 28, 1) and result.handles.shape == (steps + 1, 2)
    np.testing.assert_array_equal(result.handles[0], config.handle)
    np.testing.assert_allclose(result.distances[1:], result.run.history["distance"], atol=1e-5)
    assert result.distances[-1] < 0.5 * result.distances[0], result.distances  # 4 pixels -> under 2
    assert not np.allclose(result.frames[0], result.frames[-1])  # the glyph changed
    assert seen and seen[-1]["frame"].shape == (28, 28, 1)
    assert result.run.status == "completed"


@pytest.mark.slow
def test_the_page_defaults_drag_the_handle_onto_the_target_and_the_glyph_stays_itself(judge):
    """Notes, GANS ZOO: "Drag-GAN: allow interactive editing of images via simple Drag-and-Drop".
    DragGAN page at its defaults (the generator of ``DragGeneratorConfig()``, 4 epochs; the drag
    of ``DragConfig()``: sample 3, its top pulled 3 pixels up, in the 7x7 map h): the handle
    reaches the target within the 60 steps and the classifier still reads the same character with >= 80 %
    (the glyph of sample 3 is a 0 on one machine, a 3 on another: float rounding changes the GAN's training)."""
    from toolkit.generative import glyph_gan as gg

    gan = gg.train(drag.DragGeneratorConfig()).model
    config = drag.DragConfig()
    assert (config.latent, config.sample, config.handle, config.target) == ("map", 3, (12.0, 5.0), (12.0, 2.0))
    result = drag.run_drag(gan, config)
    assert result.reached and result.run.status == "completed", result.distances
    read = drag.judged(result, judge)
    assert read["before"][0] == read["after"][0] and read["after"][1] >= 0.8, read
    assert np.abs(result.frames[-1] - result.frames[0]).max() > 0.5  # the glyph visibly changed
