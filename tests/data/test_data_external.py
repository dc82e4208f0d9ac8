"""external: keras.datasets behind one clear error when offline (keras itself is never imported here)."""

import numpy as np
import pytest

from toolkit.data import DatasetUnavailable, external, load


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """An empty keras cache and a download that fails as it does without network."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / ".keras"))

    def no_network(name):
        raise Exception(f"URL fetch failure on {name}: None -- [Errno -2] Name or service not known")

    monkeypatch.setattr(external, "keras_load_data", no_network)
    return tmp_path / ".keras" / "datasets"


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10"])
def test_offline_raises_dataset_unavailable_naming_the_file_and_glyphs(offline, name):
    with pytest.raises(DatasetUnavailable, match=r"use toolkit\.data\.load\('glyphs'\)") as caught:
        load(name)
    message = str(caught.value)
    assert str(offline / external.KERAS_FILES[name][0]) in message
    assert "Name or service not known" in message
    assert isinstance(caught.value, RuntimeError)


def test_mnist_message_offers_the_stand_in(offline):
    with pytest.raises(DatasetUnavailable, match=r"mnist is not cached .*mnist\.npz missing.*offline MNIST stand-in"):
        external.mnist()


def test_cached_files_failing_to_load_keep_their_own_error(tmp_path, monkeypatch):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").write_bytes(b"")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def broken(name):
        raise ValueError("corrupt file")

    monkeypatch.setattr(external, "keras_load_data", broken)
    with pytest.raises(ValueError, match="corrupt file"):
        external.mnist()


@pytest.mark.parametrize(
    "name, shape, label_shape",
    [("mnist", (28, 28), (-1,)), ("fashion_mnist", (28, 28), (-1,)), ("cifar10", (32, 32, 3), (-1, 1))],
)
def test_keras_arrays_become_a_dataset(monkeypatch, name, shape, label_shape):
    rng = np.random.default_rng(0)

    def split(n):
        return rng.integers(0, 256, (n, *shape), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8).reshape(label_shape)

    monkeypatch.setattr(external, "keras_load_data", lambda requested: (split(12), split(4)))
    ds = load(name)
    expected = external.INPUT_SHAPES[name]
    assert ds.input_shape == expected and ds.x_train.dtype == np.float32
    assert ds.x_train.min() >= 0 and ds.x_train.max() <= 1
    assert ds.y_train.shape == (12,) and ds.y_test.dtype == np.int32
    assert ds.num_classes == 10 and ds.spec == {"name": name}


def test_keras_cache_folder_follows_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert external.keras_datasets_dir() == tmp_path / "kh" / "datasets"
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert external.keras_datasets_dir() == tmp_path / ".keras" / "datasets"
