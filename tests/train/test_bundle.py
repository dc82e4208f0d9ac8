"""toolkit.train.export_bundle: the zip reloads and its reproduce.py retrains the run."""

import csv
import io
import json
import os
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

from toolkit.train import bundle_bytes, export_bundle, fit
from toolkit.train.bundle import toolkit_modules

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
    assert config["versions"]["keras"] == keras.__version__
    rows = list(csv.DictReader(open(tmp_path / "b" / "history.csv")))
    assert len(rows) == 5 and float(rows[-1]["loss"]) == pytest.approx(run.final("loss"))
    reloaded = keras.saving.load_model(tmp_path / "b" / "model.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), run.model.predict(x, verbose=0),
                               atol=1e-6)


def test_reproduce_script_retrains_the_same_run(xor_data, tmp_path):
    """With the toolkit's own layers inside: the script imports the modules that define them."""
    from toolkit.ffnn import build_mlp

    x, y = xor_data
    model = build_mlp(inputs=2, hidden=(6,), activation="tanh", output="sigmoid", from_scratch=True)
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
    run = fit(model, x, y, epochs=5, batch_size=16, seed=3, validation_data=(x[:20], y[:20]))
    assert any(m.startswith("toolkit.ffnn") for m in toolkit_modules(model))
    with zipfile.ZipFile(io.BytesIO(bundle_bytes(run, x, y, (x[:20], y[:20])))) as bundle:
        bundle.extractall(tmp_path)
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "reproduce.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    for line in out.stdout.strip().splitlines():
        key, rest = line.split(":", 1)
        recorded, reproduced = (float(part.split()[-1]) for part in rest.split(","))
        assert reproduced == pytest.approx(recorded, abs=1e-5), line


def test_bundle_without_data_or_dataset_is_refused(trained):
    run, _, _ = trained
    with pytest.raises(ValueError, match="names no dataset"):
        bundle_bytes(run)
