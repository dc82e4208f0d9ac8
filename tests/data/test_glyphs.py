"""glyphs: the procedural MNIST stand-in (shapes, determinism, attributes, centring, cache, learnability)."""

import warnings

import numpy as np
import pytest

import toolkit.data.synthetic_glyphs as synthetic_glyphs
from toolkit.data import cache_status, glyphs, load
from toolkit.data.synthetic_glyphs import ATTRIBUTE_RANGES, FONT_FILES, centre_of_mass

ATTRIBUTES = set(ATTRIBUTE_RANGES) | {"font"}


@pytest.fixture(scope="module")
def sample():
    return glyphs(n=600, seed=0, cache=False)


def test_shapes_dtypes_and_range(sample):
    assert sample.input_shape == (28, 28, 1) and sample.x_train.dtype == np.float32
    assert (sample.n_train, sample.n_test) == (480, 120)
    assert sample.y_train.dtype == np.int32 and sample.classes == tuple("0123456789")
    images = np.concatenate([sample.x_train, sample.x_test])
    assert images.min() >= 0 and images.max() <= 1
    assert np.all(images.max(axis=(1, 2, 3)) == 1)  # every image has ink, scaled like MNIST
    # MNIST-like ink: white strokes on black, about an eighth of the frame lit.
    assert 0.06 < images.mean() < 0.25


def test_glyph_sits_in_mnist_box(sample):
    images = sample.x_train[..., 0]
    border = np.concatenate([images[:, :2].ravel(), images[:, -2:].ravel(), images[:, :, :2].ravel(), images[:, :, -2:].ravel()])
    assert border.mean() < 0.01  # the 2-pixel margin is almost empty, as MNIST's 4-pixel one


def test_centre_of_mass_is_frame_centre_plus_shift(sample):
    offsets = centre_of_mass(sample.x_train[..., 0])  # (x, y) from the frame centre
    shifts = np.stack([sample.attrs_train["dx"], sample.attrs_train["dy"]], -1)
    assert np.abs(offsets.mean(0)).max() < 0.3
    assert np.median(np.abs(offsets - shifts)) < 0.3


def test_same_seed_same_images_other_seed_differs():
    a, b, c = glyphs(n=50, seed=5, cache=False), glyphs(n=50, seed=5, cache=False), glyphs(n=50, seed=6, cache=False)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.attrs_test["rotation"], b.attrs_test["rotation"])
    assert not np.array_equal(a.x_train, c.x_train)


def test_classes_are_balanced(sample):
    labels = np.concatenate([sample.y_train, sample.y_test])
    assert np.bincount(labels, minlength=10).tolist() == [60] * 10
    # Stratified split: each class is 20% test, to within one image.
    assert np.all(np.abs(np.bincount(sample.y_test, minlength=10) - 12) <= 1)


def test_attributes_are_aligned_with_images(sample):
    for attrs, n in ((sample.attrs_train, sample.n_train), (sample.attrs_test, sample.n_test)):
        assert set(attrs) == ATTRIBUTES
        assert all(values.shape == (n,) for values in attrs.values())
        for name, (low, high) in ATTRIBUTE_RANGES.items():
            assert low <= attrs[name].min() and attrs[name].max() <= high
        assert set(np.unique(attrs["font"])) <= set(range(len(FONT_FILES)))
    # A wider pen puts more ink on the image: the attribute follows its image.
    ink = sample.x_train.sum(axis=(1, 2, 3))
    assert np.corrcoef(sample.attrs_train["thickness"], ink)[0, 1] > 0.3


def test_letters_extend_the_classes():
    ds = glyphs(n=72, classes=36, cache=False)
    assert ds.num_classes == 36 and ds.classes[-1] == "Z"
    assert np.bincount(np.concatenate([ds.y_train, ds.y_test])).tolist() == [2] * 36


def test_other_sizes_scale_the_frame():
    ds = glyphs(n=20, size=16, cache=False)
    assert ds.input_shape == (16, 16, 1)


def test_cache_hit_skips_generation(monkeypatch, isolated_cache):
    first = glyphs(n=100, seed=1)
    status = cache_status()
    assert len(status) == 1 and status[0]["bytes"] > 0
    assert status[0]["path"].startswith(str(isolated_cache))

    def no_generation(**kwargs):
        raise AssertionError("generated again instead of reading the cache")

    monkeypatch.setattr(synthetic_glyphs, "generate_splits", no_generation)
    second = glyphs(n=100, seed=1)
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.y_test, second.y_test)
    np.testing.assert_array_equal(first.attrs_train["slant"], second.attrs_train["slant"])
    with pytest.raises(AssertionError, match="generated again"):
        glyphs(n=100, seed=2)  # another argument is another file


def test_cached_equals_fresh_and_spec_rebuilds():
    cached = glyphs(n=60, seed=3)
    fresh = glyphs(n=60, seed=3, cache=False)
    rebuilt = load(**cached.spec)
    for ds in (fresh, rebuilt):
        np.testing.assert_array_equal(cached.x_test, ds.x_test)
        np.testing.assert_array_equal(cached.attrs_test["elastic"], ds.attrs_test["elastic"])


def test_cache_false_writes_nothing():
    glyphs(n=30, cache=False)
    assert cache_status() == []


def test_glyph_classes_are_learnable():
    ds = glyphs(n=2000, seed=0, test_ratio=0.25, cache=False)
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lbfgs may stop at max_iter; accuracy is what is tested
        model = LogisticRegression(max_iter=100, C=0.1).fit(ds.x_train.reshape(ds.n_train, -1), ds.y_train)
    accuracy = model.score(ds.x_test.reshape(ds.n_test, -1), ds.y_test)
    assert accuracy > 0.6, f"logistic regression reached only {accuracy:.2f} (chance is 0.10)"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 5}, r"`n` must be an integer in \[10, 200000\], received n=5\."),
        ({"size": 100}, r"`size` must be an integer in \[16, 64\], received size=100\."),
        ({"classes": 37}, r"`classes` must be an integer in \[2, 36\], received classes=37\."),
        ({"test_ratio": -0.1}, r"`test_ratio` must be a finite number in \(0, 1\), received test_ratio=-0.1\."),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        glyphs(**kwargs)
