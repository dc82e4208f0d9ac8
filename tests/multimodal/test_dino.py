"""DINO (toolkit.multimodal.dino): Eq. 4 against NumPy, one train step against Eqs. 5-6 by hand (the teacher
moves only by its average, never by a gradient), the two collapse measures at their extremes, the views of
Eq. 1, positions for any grid, validation, and the two collapses DINO's centring and sharpening guard
against, each produced by switching one of them off."""

import keras
import numpy as np
import pytest

from toolkit.multimodal import dino

pytestmark = pytest.mark.xdist_group(__name__)
RNG = np.random.default_rng(0)
SMALL = {"patch_size": 4, "dim": 8, "depth": 1, "heads": 2, "clusters": 6, "hidden": 8, "bottleneck": 4,
         "local_size": 8}


def small(**kwargs):
    keras.utils.set_random_seed(0)
    model = dino.Dino((16, 16, 3), **{**SMALL, **kwargs})
    model.build()
    return model


def images(n=8, size=16):
    return RNG.uniform(size=(n, size, size, 3)).astype("float32")


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_the_loss_is_the_cross_entropy_of_every_teacher_view_with_every_other_student_view():
    teacher = [RNG.normal(size=(5, 6)).astype("float32") for _ in range(2)]
    student = [RNG.normal(size=(5, 6)).astype("float32") for _ in range(4)]
    center = RNG.normal(size=(1, 6)).astype("float32")
    got = float(dino.dino_loss(teacher, student, center, 0.1, 0.04))
    terms = [(-softmax((t - center) / 0.04) * np.log(softmax(s / 0.1))).sum(-1).mean()
             for i, t in enumerate(teacher) for j, s in enumerate(student) if i != j]
    assert len(terms) == 2 * 4 - 2
    np.testing.assert_allclose(got, np.mean(terms), rtol=1e-5)
    with pytest.raises(ValueError, match="two views"):
        dino.dino_loss(teacher[:1], student[:1], center, 0.1, 0.04)


def test_the_gradient_never_reaches_the_teacher_through_the_loss():
    teacher, student = (keras.Variable(RNG.normal(size=(3, 4)).astype("float32")) for _ in range(2))
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = dino.dino_loss([teacher, teacher * 2.0], [student, student * 0.5], np.zeros((1, 4), "float32"),
                              0.1, 0.04)
    grad_teacher, grad_student = tape.gradient(loss, [teacher, student])
    assert grad_teacher is None and np.abs(keras.ops.convert_to_numpy(grad_student)).sum() > 0


def test_the_collapse_measures_at_their_extremes():
    uniform = np.full((4, 8), 1 / 8, "float32")
    entropy, clusters = (float(v) for v in dino.collapse_measures(uniform))
    assert entropy == pytest.approx(np.log(8), rel=1e-5) and clusters == pytest.approx(8, rel=1e-4)
    one_cluster = np.eye(8, dtype="float32")[[2, 2, 2, 2]]
    entropy, clusters = (float(v) for v in dino.collapse_measures(one_cluster))
    assert entropy == pytest.approx(0, abs=1e-5) and clusters == pytest.approx(1, rel=1e-4)
    four_clusters = np.eye(8, dtype="float32")[[0, 1, 2, 3]]  # sharp and spread: the healthy state
    assert float(dino.collapse_measures(four_clusters)[1]) == pytest.approx(4, rel=1e-4)


def test_one_step_moves_the_teacher_by_its_average_and_the_centre_by_eq_6():
    model = small(teacher_momentum=0.9, center_momentum=0.8, local_crops=0, grey=0.0)
    model.compile(optimizer=keras.optimizers.SGD(0.5))
    for teacher, student in zip(model.teacher.weights, model.student.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(teacher), keras.ops.convert_to_numpy(student))
    x = plain_colours(8)  # every crop, flip and resize of a one-colour image is that image: the step's views are x
    teacher_before = [keras.ops.convert_to_numpy(w) for w in model.teacher.weights]
    teacher_logits = keras.ops.convert_to_numpy(model.teacher(np.concatenate([x, x]), training=True))
    model.train_on_batch(x)
    moved = 0
    for teacher, before, student in zip(model.teacher.weights, teacher_before, model.student.weights):
        student = keras.ops.convert_to_numpy(student)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(teacher), 0.9 * before + 0.1 * student, rtol=1e-5,
                                   atol=1e-6)
        moved += not np.allclose(before, student)
    assert moved > 0  # the student did learn something the teacher followed
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model.center), 0.2 * teacher_logits.mean(0, keepdims=True),
                               rtol=1e-4, atol=1e-6)


def test_the_frozen_teachers_head_standardizes_each_batch_with_its_own_statistics():
    model = small()
    norm = model.teacher.head.mlp[1]
    assert isinstance(norm, dino.BatchStatisticsNormalization) and not norm.trainable
    x = RNG.normal(3.0, 2.0, size=(32, SMALL["hidden"])).astype("float32")
    out = keras.ops.convert_to_numpy(norm(x, training=True))  # DINO's teacher: in training mode, frozen or not
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.std(0), 1.0, rtol=1e-2)
    moving = [keras.ops.convert_to_numpy(w) for w in norm.non_trainable_weights]
    norm(x, training=True)
    for before, after in zip(moving, norm.non_trainable_weights):  # Eq. 5 alone moves the teacher
        np.testing.assert_array_equal(before, keras.ops.convert_to_numpy(after))
    # reading (training=False) uses the moving statistics, 0 and 1 at the start: x comes back almost unchanged
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm(x, training=False)), x, rtol=1e-2, atol=1e-2)


def plain_colours(n, size=16):
    return np.broadcast_to(RNG.uniform(size=(n, 1, 1, 3)), (n, size, size, 3)).astype("float32")


def test_the_views_are_crops_of_the_asked_sizes_and_recolouring_permutes_the_channels():
    x = images(3)
    model = small(local_crops=2)
    global_views, local_views = (keras.ops.convert_to_numpy(v) for v in model.views(x))
    assert global_views.shape == (6, 16, 16, 3) and local_views.shape == (6, 8, 8, 3)
    assert global_views.min() >= 0 and global_views.max() <= 1
    colours = plain_colours(3)
    views = keras.ops.convert_to_numpy(dino.random_views(colours, 2, 8, (0.1, 0.5), 0.0, keras.random.SeedGenerator(0)))
    np.testing.assert_allclose(views, np.tile(colours[:, :8, :8], (2, 1, 1, 1)), atol=1e-5)  # view k·B + i is of image i
    recoloured = keras.ops.convert_to_numpy(dino.random_views(colours, 8, 8, (0.5, 1.0), 0.0,
                                                              keras.random.SeedGenerator(1), recolour=1.0))
    orders = set()
    for view, colour in zip(recoloured[:, 0, 0], np.tile(colours[:, 0, 0], (8, 1))):
        orders |= {order for order in dino.PERMUTATIONS if np.allclose(view, colour[list(order)], atol=1e-5)}
        assert any(np.allclose(view, colour[list(order)], atol=1e-5) for order in dino.PERMUTATIONS)
    assert len(orders) > 2  # several orders drawn
    grey = keras.ops.convert_to_numpy(dino.random_views(x, 1, 16, (1.0, 1.0), 1.0, keras.random.SeedGenerator(0)))
    np.testing.assert_allclose(grey[..., 0], grey[..., 2])


def test_positions_are_on_one_scale_for_every_grid():
    coarse, fine = dino.grid_encoding(2, 2, 8), dino.grid_encoding(4, 4, 8)
    assert coarse.shape == (4, 8) and fine.shape == (16, 8)
    np.testing.assert_allclose(coarse[0, :4], coarse[1, :4])  # the same row: the row half agrees
    assert not np.allclose(coarse[0, 4:], coarse[1, 4:])  # the next column
    # a 2 × 2 grid's first centre (2.0 units in) lies between the 4 × 4 grid's first two (1.0 and 3.0), read on a
    # slow dimension (sin(0.01 · units))
    assert fine[0, 2] < coarse[0, 2] < fine[4, 2]
    features = dino.PatchEncoder(4, 8, 1, 2)
    assert features(images(2, 16)).shape == (2, 8) and features(images(2, 8)).shape == (2, 8)  # any grid


def test_bad_settings_get_one_sentence():
    with pytest.raises(ValueError, match="multiple of 4"):
        dino.grid_encoding(2, 2, 6)
    with pytest.raises(ValueError, match="must divide the local_size"):
        dino.Dino((16, 16, 3), **{**SMALL, "local_size": 6})
    with pytest.raises(ValueError, match="global_scale"):
        dino.Dino((16, 16, 3), **{**SMALL, "global_scale": (0.0, 1.0)})
    with pytest.raises(ValueError, match="teacher_momentum"):
        dino.Dino((16, 16, 3), **{**SMALL, "teacher_momentum": 1.5})


def short_run(**kwargs):
    """96 steps on 128 random images, two global views each (measured at the end: clusters used 1.25 without
    centring, H(P_t) 1.68 of log 6 = 1.79 without sharpening; both still falling or rising)."""
    from toolkit.train import fit

    model = small(local_crops=0, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    data = np.random.default_rng(0).uniform(size=(128, 16, 16, 3)).astype("float32")
    return fit(model, data, batch_size=16, epochs=12, seed=0).history


def test_sharpening_without_centring_puts_every_image_in_one_cluster():
    history = short_run(center_momentum=1.0)  # m = 1: c stays 0
    assert history["clusters_used"][-1] < 1.5, history["clusters_used"]


def test_centring_without_sharpening_makes_the_teacher_uniform():
    history = short_run(teacher_temperature=0.1)  # τ_t = τ_s
    assert history["entropy"][-1] > 0.85 * np.log(6), history["entropy"]  # every P_t near 1/K
    assert history["clusters_used"][-1] > 0.8 * 6, history["clusters_used"]
