"""A student's own .keras model (toolkit.cnn.uploads.model_from_upload), loaded as an untrusted file: a toolkit or
Keras classifier loads and predicts as saved; a Lambda layer (code), a foreign class, a zip bomb, a file that is not
a .keras archive, a too-large file and a model of the wrong shape are each refused in one sentence."""

import io
import json
import zipfile

import keras
import numpy as np
import pytest

from toolkit.cnn import layers as toolkit_layers
from toolkit.cnn.uploads import model_from_upload

RNG = np.random.default_rng(0)


def _bytes(model, tmp_path) -> bytes:
    path = tmp_path / "model.keras"
    model.save(path)
    return path.read_bytes()


def _classifier(*middle):
    return keras.Sequential([keras.Input((8, 8, 1)), *middle, keras.layers.Flatten(),
                             keras.layers.Dense(3, activation="softmax")])


def test_a_toolkit_classifier_loads_and_predicts_as_saved(tmp_path):
    model = _classifier(toolkit_layers.Conv2D(2, 3, padding="same"), keras.layers.ReLU())
    x = RNG.uniform(size=(4, 8, 8, 1)).astype("float32")
    loaded = model_from_upload(_bytes(model, tmp_path), (8, 8, 1), 3)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), rtol=1e-5,
                               atol=1e-6)


def test_an_uploaded_sequential_model_shows_its_feature_maps(tmp_path):
    from toolkit.cnn.inspection import feature_maps

    model = _classifier(keras.layers.Conv2D(2, 3, name="conv"))  # loaded from a file, never called: no `input`
    loaded = model_from_upload(_bytes(model, tmp_path), (8, 8, 1), 3)
    image = RNG.uniform(size=(8, 8, 1)).astype("float32")
    expected = keras.ops.convert_to_numpy(model.get_layer("conv")(image[None]))[0]
    np.testing.assert_allclose(feature_maps(loaded, image)["conv"], expected, rtol=1e-5, atol=1e-6)


def test_a_lambda_layer_is_refused_before_anything_is_built(tmp_path):
    model = _classifier(keras.layers.Lambda(lambda x: x * 2))
    data = _bytes(model, tmp_path)
    with pytest.raises(ValueError, match="Lambda layer") as error:
        model_from_upload(data, (8, 8, 1), 3)
    assert "\n" not in str(error.value)


def _rewritten(data: bytes, change) -> bytes:
    """`data`'s archive with config.json passed through `change`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "config.json":
                content = json.dumps(change(json.loads(content))).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def test_a_foreign_class_is_refused(tmp_path):
    def foreign(config):
        layer = config["config"]["layers"][-1]
        layer.update(module="evil.payload", class_name="Shell", registered_name="evil>Shell")
        return config

    data = _rewritten(_bytes(_classifier(), tmp_path), foreign)
    with pytest.raises(ValueError, match="neither a Keras nor a toolkit class"):
        model_from_upload(data, (8, 8, 1), 3)


def test_a_zip_bomb_and_other_files_are_refused():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("padding.bin", b"\0" * (9 * 2**20))  # about 9 kB packed
    with pytest.raises(ValueError, match="unpacks to"):
        model_from_upload(bomb.getvalue(), (8, 8, 1), 3, max_bytes=2**20)
    with pytest.raises(ValueError, match="not a .keras file"):
        model_from_upload(b"GIF89a not a model", (8, 8, 1), 3)
    with pytest.raises(ValueError, match="empty"):
        model_from_upload(b"", (8, 8, 1), 3)
    with pytest.raises(ValueError, match="MB limit"):
        model_from_upload(b"\0" * 2048, (8, 8, 1), 3, max_bytes=1024)


def test_a_model_of_another_shape_is_refused(tmp_path):
    data = _bytes(_classifier(), tmp_path)
    with pytest.raises(ValueError, match=r"inputs of shape \(8, 8, 1\)"):
        model_from_upload(data, (28, 28, 1), 3)
    with pytest.raises(ValueError, match="3 outputs"):
        model_from_upload(data, (8, 8, 1), 10)
