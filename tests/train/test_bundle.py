"""toolkit.train.export_bundle: the zip reloads, and its reproduce.py retrains the run in a fresh
process with the same dropout masks, noise and augmentations, saying PASS or FAIL per metric."""

import csv
import io
import json
import os
import runpy
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

from toolkit.train import bundle_bytes, export_bundle, fit
from toolkit.train.seeds import seed_states, set_seed_states

from tests.train.conftest import build_mlp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def trained(xor_data):
    x, y = xor_data
    run = fit(build_mlp(), x, y, epochs=5, batch_size=16, seed=3, shuffle=True,
              validation_data=(x[:20], y[:20]))
    return run, x, y


def test_bundle_contents_and_model_reload(trained, tmp_path):
    run, x, y = trained
    path = export_bundle(run, tmp_path / "run.zip", x=x, y=y, validation_data=(x[:20], y[:20]))
    with zipfile.ZipFile(path) as bundle:
        names = set(bundle.namelist())
        assert {"model.keras", "initial.weights.npz", "config.json", "history.csv",
                "reproduce.py", "data.npz"} <= names
        bundle.extractall(tmp_path / "b")
    config = json.loads((tmp_path / "b" / "config.json").read_text())
    assert config["seed"] == 3 and config["batch_size"] == 16 and config["epochs_done"] == 5
    assert config["versions"]["keras"] == keras.__version__ and config["seed_states"] == []
    rows = list(csv.DictReader(open(tmp_path / "b" / "history.csv")))
    assert len(rows) == 5 and float(rows[-1]["loss"]) == pytest.approx(run.final("loss"))
    reloaded = keras.saving.load_model(tmp_path / "b" / "model.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), run.model.predict(x, verbose=0),
                               atol=1e-6)


# -- reproduce.py ---------------------------------------------------------------------
def augmented_convnet():
    """A Keras-example convnet with an augmentation layer and dropout, none of them seeded."""
    model = keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.RandomFlip("horizontal"),
        keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Flatten(), keras.layers.Dropout(0.5), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def noisy_mlp():
    """Keras's and the toolkit's Gaussian noise, a noisy weight layer and a label-flipping loss."""
    from toolkit.regularization.noise import GaussianNoise, LabelFlipCrossentropy, NoisyDense

    model = keras.Sequential([
        keras.Input((4,)), keras.layers.GaussianNoise(0.3), NoisyDense(8, activation="tanh", stddev=0.1),
        GaussianNoise(0.3), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.02), LabelFlipCrossentropy(0.2), metrics=["accuracy"])
    return model


def unzipped_bundle(model, x, y, folder):
    """Trains `model` twice from the same start (so its randomness decides the run) and unzips its bundle."""
    start = model.get_weights()
    run = fit(model, x, y, epochs=4, batch_size=16, seed=5, validation_data=(x[:24], y[:24]))
    again = keras.models.clone_model(model)  # new random seeds: a different run
    again.compile_from_config(model.get_compile_config())
    again.set_weights(start)
    other = fit(again, x, y, epochs=4, batch_size=16, seed=5, validation_data=(x[:24], y[:24]))
    assert not np.allclose(other.history["loss"], run.history["loss"], rtol=1e-4)
    with zipfile.ZipFile(io.BytesIO(bundle_bytes(run, x, y, (x[:24], y[:24])))) as bundle:
        bundle.extractall(folder)
    return run


def labelled(shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(96, *shape)).astype("float32")
    return x, (x.reshape(96, -1)[:, :2].sum(axis=1) > 0).astype("int32") + (x.reshape(96, -1)[:, 2] > 1)


@pytest.mark.parametrize("build, shape, generators", [(augmented_convnet, (8, 8, 1), 2), (noisy_mlp, (4,), 4)],
                         ids=["flip-dropout", "noise"])
def test_reproduce_script_passes_in_a_fresh_process(build, shape, generators, tmp_path):
    x, y = labelled(shape)
    keras.utils.set_random_seed(1)
    run = unzipped_bundle(build(), x, y, tmp_path)
    assert len(json.loads((tmp_path / "config.json").read_text())["seed_states"]) == generators
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "reproduce.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]
    verdicts = [line.split()[:2] for line in out.stdout.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert verdicts == [["PASS", f"{key}:"] for key in run.history], out.stdout


def test_seed_states_put_back_give_the_same_draws():
    model = noisy_mlp()
    states, x = seed_states(model), np.ones((2, 4), "float32")
    first = model(x, training=True)
    set_seed_states(model, states)
    np.testing.assert_array_equal(model(x, training=True), first)
    assert [n for _, n in seed_states(model)] == [1, 1, 1, 0]  # one draw each; the loss drew none
    with pytest.raises(ValueError, match="The model has 0 random number generators but 4 seed states"):
        set_seed_states(build_mlp(), states)


def run_reproduce_here(folder, monkeypatch) -> int:
    """Runs the bundle's reproduce.py in this process (TensorFlow already loaded); its exit status."""
    monkeypatch.chdir(folder)
    monkeypatch.setattr(sys, "argv", ["reproduce.py"])
    with pytest.raises(SystemExit) as exit_status:
        runpy.run_path("reproduce.py", run_name="__main__")
    return exit_status.value.code


def test_reproduce_passes_fit_settings_on_and_fails_on_a_changed_history(tmp_path, monkeypatch, capsys):
    x, y = labelled((4,))
    keras.utils.set_random_seed(2)
    settings = {"validation_split": 0.25, "class_weight": {0: 1.0, 1: 3.0, 2: 0.5}}
    run = fit(noisy_mlp(), x, y, epochs=3, batch_size=16, seed=4, **settings)
    assert run.config["validation_split"] == 0.25  # the trainer records what differs from model.fit's defaults
    assert run.config["class_weight"] == {"0": 1.0, "1": 3.0, "2": 0.5}
    export_bundle(run, tmp_path / "run.zip", x=x, y=y)
    with zipfile.ZipFile(tmp_path / "run.zip") as bundle:
        bundle.extractall(tmp_path)
    assert run_reproduce_here(tmp_path, monkeypatch) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["PASS"] * len(run.history)

    rows = list(csv.DictReader(open(tmp_path / "history.csv")))
    rows[1]["val_loss"] = str(float(rows[1]["val_loss"]) * 1.01)
    with open(tmp_path / "history.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert run_reproduce_here(tmp_path, monkeypatch) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("FAIL val_loss:") and "(epoch 2)" in line for line in lines), lines
    assert any(line.startswith("PASS loss:") for line in lines), lines


# -- errors and atomic writes ---------------------------------------------------------
class Scale(keras.layers.Layer):
    """A layer built from an object Keras cannot write down, and no get_config."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor.value


class Factor:
    value = 2.0


def test_a_model_without_config_is_refused_before_anything_is_written(xor_data, tmp_path):
    x, y = xor_data
    model = keras.Sequential([keras.Input((2,)), Scale(Factor()), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    run = fit(model, x, y, epochs=1)
    old = tmp_path / "run.zip"
    old.write_bytes(b"the previous bundle")
    with pytest.raises(ValueError, match=r"^The model '.*' cannot be exported: tests.train.test_bundle.Scale "
                                         r"'scale' has no get_config\(\).*Nothing was written.$"):
        export_bundle(run, old, x=x, y=y)
    assert old.read_bytes() == b"the previous bundle"
    assert os.listdir(tmp_path) == ["run.zip"]


def test_export_replaces_a_file_whole_and_leaves_no_temporary_file(trained, tmp_path):
    run, x, y = trained
    path = tmp_path / "run.zip"
    path.write_bytes(b"old")
    with pytest.raises(ValueError, match="names no dataset"):
        export_bundle(run, path)  # fails while building: the old file stays
    assert path.read_bytes() == b"old"
    export_bundle(run, path, x=x, y=y)
    assert zipfile.is_zipfile(path) and os.listdir(tmp_path) == ["run.zip"]


def test_bundle_without_data_or_dataset_is_refused(trained):
    run, _, _ = trained
    with pytest.raises(ValueError, match="names no dataset"):
        bundle_bytes(run)
