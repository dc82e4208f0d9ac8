"""sine, adding, copy: shapes, determinism, each task's rule checked from the arrays, baselines, validation."""

import numpy as np
import pytest

from toolkit.data import adding_problem, copy_memory, load, sine_waves
from toolkit.data.sequences import (
    ADDING_CONSTANT_MSE,
    AMPLITUDE_RANGE,
    FREQUENCY_RANGE,
    adding_accuracy,
    adding_chance_accuracy,
    copy_accuracy,
    copy_baseline_loss,
    copy_classes,
    sine_continuation,
)

BUILDERS = {
    "sine": lambda **kw: sine_waves(n=60, length=20, **kw),
    "adding": lambda **kw: adding_problem(n=60, length=20, **kw),
    "copy": lambda **kw: copy_memory(n=60, delay=6, copy_length=3, **kw),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_same_seed_same_arrays_other_seed_differs(name):
    a, b, c = BUILDERS[name](seed=3), BUILDERS[name](seed=3), BUILDERS[name](seed=4)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    for key in a.attrs_train:
        np.testing.assert_array_equal(a.attrs_train[key], b.attrs_train[key])
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", BUILDERS)
def test_spec_rebuilds_identical_arrays(name):
    ds = BUILDERS[name](seed=7, test_ratio=0.25)
    rebuilt = load(**ds.spec)
    assert rebuilt.spec == ds.spec and ds.spec["name"] == name == ds.name
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(rebuilt, key), getattr(ds, key))
    assert (ds.n_train, ds.n_test) == (45, 15)


def test_sine_shapes_and_target_is_the_clean_next_value():
    ds = sine_waves(n=50, length=30, noise=0.2, seed=1)
    assert ds.task == "regression" and ds.classes == () and ds.input_shape == (30, 1)
    assert ds.x_train.dtype == ds.y_train.dtype == np.float32 and ds.y_train.shape == (40, 30, 1)
    attrs = ds.attrs_train
    assert set(attrs) == {"frequency", "phase", "amplitude"} and attrs["phase"].shape == (40,)
    assert FREQUENCY_RANGE[0] <= attrs["frequency"].min() and attrs["frequency"].max() <= FREQUENCY_RANGE[1]
    assert AMPLITUDE_RANGE[0] <= attrs["amplitude"].min() and attrs["amplitude"].max() <= AMPLITUDE_RANGE[1]
    # Eq. 1 written out independently: y[i, t] = a sin(2π f (t + 1) + φ)
    t = np.arange(1, 31)
    expected = attrs["amplitude"][:, None] * np.sin(2 * np.pi * attrs["frequency"][:, None] * t + attrs["phase"][:, None])
    np.testing.assert_allclose(ds.y_train[..., 0], expected, atol=1e-5)
    # x is y shifted by one step, plus noise of the requested standard deviation
    residual = ds.x_train[:, 1:, 0] - ds.y_train[:, :-1, 0]
    assert abs(residual.mean()) < 0.03 and 0.18 < residual.std() < 0.22


def test_sine_continuation_extends_one_series_and_a_whole_split():
    ds = sine_waves(n=20, length=25, noise=0.0)
    np.testing.assert_allclose(ds.x_test[..., 0], sine_continuation(ds.attrs_test, 0, 25), atol=1e-6)  # noise-free
    row = {key: values[2] for key, values in ds.attrs_test.items()}
    future = sine_continuation(row, start=26, steps=10)  # the 10 values after the last target s(25)
    assert future.shape == (10,) and future.dtype == np.float32
    np.testing.assert_allclose(sine_continuation(row, 1, 35)[:25], ds.y_test[2, :, 0], atol=1e-6)
    np.testing.assert_allclose(sine_continuation(row, 1, 35)[25:], future, atol=1e-6)
    with pytest.raises(ValueError, match=r"`attrs` must hold 'frequency', 'phase' and 'amplitude'"):
        sine_continuation({"phase": 0.0}, 0, 3)


def test_sine_target_is_neither_the_last_input_nor_zero():
    """Repeating x_t (persistence) or predicting 0 leaves a clear error for a forecaster to remove."""
    ds = sine_waves(n=200, length=50, noise=0.1)
    persistence = np.mean((ds.x_test[..., 0] - ds.y_test[..., 0]) ** 2)
    assert 0.03 < persistence < 0.2  # the next value is not simply the current one
    assert np.mean(ds.y_test**2) > 0.3  # nor close to zero


def test_adding_has_two_markers_one_per_half_and_target_is_their_sum():
    ds = adding_problem(n=200, length=40, seed=2)
    assert ds.input_shape == (40, 2) and ds.x_train.dtype == np.float32
    assert ds.y_train.shape == (160,) and ds.y_train.dtype == np.float32 and ds.task == "regression"
    for x, y, attrs in ((ds.x_train, ds.y_train, ds.attrs_train), (ds.x_test, ds.y_test, ds.attrs_test)):
        values, markers = x[..., 0], x[..., 1]
        assert 0 <= values.min() and values.max() < 1
        assert set(np.unique(markers)) == {0.0, 1.0}
        assert np.all(markers.sum(axis=1) == 2)
        assert np.all(markers[:, :20].sum(axis=1) == 1) and np.all(markers[:, 20:].sum(axis=1) == 1)
        np.testing.assert_allclose(y, (values * markers).sum(axis=1), atol=1e-6)
        rows = np.arange(len(x))
        assert np.all(markers[rows, attrs["first"]] == 1) and np.all(markers[rows, attrs["second"]] == 1)
        assert np.all(attrs["first"] < 20) and np.all(attrs["second"] >= 20)


def test_adding_baselines():
    ds = adding_problem(n=20_000, length=10)
    y = np.concatenate([ds.y_train, ds.y_test])
    assert ADDING_CONSTANT_MSE == pytest.approx(1 / 6)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_CONSTANT_MSE, abs=0.005)
    assert adding_chance_accuracy() == pytest.approx(0.0784)
    assert adding_accuracy(y, np.ones_like(y)) == pytest.approx(adding_chance_accuracy(), abs=0.005)
    assert adding_chance_accuracy(2.0) == 1.0
    assert adding_accuracy([1.0, 0.5, 1.2], [1.03, 0.45, 1.3]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match=r"`tolerance` must be a finite number in \(0, ∞\), received tolerance=0"):
        adding_accuracy([1.0], [1.0], tolerance=0)
    with pytest.raises(ValueError, match="one answer per target"):
        adding_accuracy([1.0, 2.0], [1.0])


def test_copy_layout_follows_arjovsky():
    ds = copy_memory(n=100, delay=10, copy_length=4, symbols=6, seed=5)
    length = 10 + 2 * 4
    assert ds.input_shape == (length,) and ds.y_train.shape == (80, length)
    assert ds.x_train.dtype == ds.y_train.dtype == np.int32 and ds.task == "classification"
    assert ds.classes == ("blank", "1", "2", "3", "4", "5", "6", "go") == copy_classes(6) and ds.num_classes == 8
    for x, y in ((ds.x_train, ds.y_train), (ds.x_test, ds.y_test)):
        message = x[:, :4]
        assert message.min() >= 1 and message.max() <= 6
        assert np.all(x[:, 4:13] == 0)  # delay - 1 blanks
        assert np.all(x[:, 13] == 7)  # the "go" mark after the delay
        assert np.all(x[:, 14:] == 0)
        assert np.all(y[:, :14] == 0)  # copy_length + delay blanks
        np.testing.assert_array_equal(y[:, 14:], message)


def test_copy_baseline_and_accuracy_on_copied_steps_only():
    assert copy_baseline_loss(delay=100, copy_length=10, symbols=8) == pytest.approx(10 * np.log(8) / 120)
    ds = copy_memory(n=50, delay=5, copy_length=2, symbols=4)
    # The memoryless model's mean cross-entropy, computed step by step, is Eq. 8.
    probs = np.zeros(ds.y_test.shape + (6,))
    probs[..., 0] = 1.0
    probs[:, -2:, :] = 0
    probs[:, -2:, 1:5] = 0.25
    picked = np.take_along_axis(probs, ds.y_test[..., None], axis=-1)[..., 0]
    assert -np.log(picked).mean() == pytest.approx(copy_baseline_loss(delay=5, copy_length=2, symbols=4))
    assert copy_accuracy(ds.y_test, np.zeros_like(ds.y_test)) == 0.0  # blanks earn nothing
    assert copy_accuracy(ds.y_test, ds.y_test) == 1.0
    one_hot = np.eye(6)[ds.y_test]
    assert copy_accuracy(ds.y_test, one_hot) == 1.0
    wrong = ds.y_test.copy()
    wrong[:, -1] = np.where(wrong[:, -1] == 1, 2, 1)
    assert copy_accuracy(ds.y_test, wrong) == 0.5


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        (sine_waves, {"n": 5}, r"`n` must be an integer in \[10, 100000\], received n=5\."),
        (sine_waves, {"noise": -0.1}, r"`noise` must be a finite number in \[0, 1\], received noise=-0.1\."),
        (sine_waves, {"length": 2}, r"`length` must be an integer in \[5, 1000\], received length=2\."),
        (adding_problem, {"length": 3}, r"`length` must be an integer in \[4, 1000\], received length=3\."),
        (adding_problem, {"test_ratio": 1.0}, r"`test_ratio` must be a finite number in \(0, 1\), received test_ratio=1.0\."),
        (copy_memory, {"delay": 0}, r"`delay` must be an integer in \[1, 1000\], received delay=0\."),
        (copy_memory, {"symbols": 1}, r"`symbols` must be an integer in \[2, 100\], received symbols=1\."),
        (copy_memory, {"copy_length": 2.5}, r"`copy_length` must be an integer in \[1, 100\], received copy_length=2.5\."),
        (copy_memory, {"seed": -1}, r"`seed` must be a non-negative integer, received seed=-1\."),
    ],
)
def test_bad_arguments_raise(builder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        builder(**kwargs)
