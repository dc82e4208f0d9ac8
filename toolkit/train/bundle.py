"""Export a run as a zip that a student can reload, read and reproduce.

Contents of the bundle:

    model.keras          the trained model (architecture, weights, compile config)
    initial.weights.npz  the weights before step 0, so a retrain starts identically
    config.json          every hyperparameter, the seed, the dataset, package versions
    history.csv          one row per epoch, one column per metric
    data.npz             the training data, only when config names no toolkit dataset
    reproduce.py         retrains the model with the toolkit and compares the history
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import tempfile
import zipfile
from importlib import metadata

import keras
import numpy as np

PACKAGES = ("tensorflow", "keras", "numpy", "streamlit", "plotly")

REPRODUCE_PY = '''"""Retrain the model of this bundle with the toolkit and compare with history.csv.

Run it from the folder the bundle was unzipped to:  python reproduce.py
"""
import csv
import json

import keras
import numpy as np

import importlib

from toolkit import data as toolkit_data
from toolkit.train import fit

config = json.load(open("config.json"))
for module in config.get("toolkit_modules", []):  # registers the toolkit's custom classes
    importlib.import_module(module)
trained = keras.saving.load_model("model.keras")
model = keras.models.clone_model(trained)
model.compile_from_config(trained.get_compile_config())
initial = np.load("initial.weights.npz")
model.set_weights([initial[f"w{i}"] for i in range(len(initial.files))])

if "dataset" in config:
    ds = toolkit_data.load(**config["dataset"])
    x, y, validation = ds.x_train, ds.y_train, (ds.x_test, ds.y_test)
else:
    arrays = np.load("data.npz")
    x = arrays["x"]
    y = arrays["y"] if "y" in arrays.files else None
    validation = (arrays["x_val"], arrays["y_val"]) if "x_val" in arrays.files else None
if not config.get("validation", True):
    validation = None

run = fit(model, x, y, epochs=config["epochs_done"], batch_size=config["batch_size"],
          shuffle=config["shuffle"], seed=config["seed"], validation_data=validation)
recorded = list(csv.DictReader(open("history.csv")))
for key in run.history:
    print(f"{key}: recorded {float(recorded[-1][key]):.6f}, reproduced {run.final(key):.6f}")
'''


def export_bundle(run, path, x=None, y=None, validation_data=None) -> str:
    """Writes the bundle of ``run`` to ``path`` (a .zip) and returns the path.

    ``x, y, validation_data`` are stored as ``data.npz`` when ``run.config`` has no
    ``"dataset"`` entry (a ``toolkit.data.load`` spec) to rebuild them from.
    """
    with open(path, "wb") as f:
        f.write(bundle_bytes(run, x, y, validation_data))
    return str(path)


def bundle_bytes(run, x=None, y=None, validation_data=None) -> bytes:
    """The bundle of ``run`` as bytes (for ``st.download_button``)."""
    if "dataset" not in run.config and x is None:
        raise ValueError("The run's config names no dataset: pass `x` (and `y`) to store the data.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("model.keras", _model_bytes(run.model))
        bundle.writestr("initial.weights.npz", _npz_bytes(
            {f"w{i}": w for i, w in enumerate(run.initial_weights or [])}))
        bundle.writestr("config.json", json.dumps(_config(run), indent=2,
                                                  default=_json_default))
        bundle.writestr("history.csv", _history_csv(run.history))
        bundle.writestr("reproduce.py", REPRODUCE_PY)
        if x is not None and "dataset" not in run.config:
            bundle.writestr("data.npz", _npz_bytes(_data_arrays(x, y, validation_data)))
    return buffer.getvalue()


def _config(run):
    return {
        **run.config,
        "toolkit_modules": toolkit_modules(run.model),
        "name": run.name,
        "status": run.status,
        "message": run.message,
        "epochs_done": run.epochs_done,
        "wall_time_s": run.wall_time,
        "versions": {**_versions(), "python": platform.python_version()},
    }


def toolkit_modules(model) -> list[str]:
    """The ``toolkit`` modules whose classes the model, its loss or optimizer use."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            module = node.get("module")
            if isinstance(module, str) and module.startswith("toolkit"):
                found.add(module)
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(keras.saving.serialize_keras_object(model))
    walk(model.get_compile_config() or {})
    if type(model).__module__.startswith("toolkit"):
        found.add(type(model).__module__)
    return sorted(found)


def _versions():
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _model_bytes(model) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        file = os.path.join(folder, "model.keras")
        model.save(file)
        with open(file, "rb") as f:
            return f.read()


def _npz_bytes(arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _data_arrays(x, y, validation_data):
    arrays = {"x": np.asarray(x)}
    if y is not None:
        arrays["y"] = np.asarray(y)
    if validation_data is not None:
        arrays["x_val"], arrays["y_val"] = map(np.asarray, validation_data)
    return arrays


def _history_csv(history) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    keys = list(history)
    writer.writerow(["epoch", *keys])
    rows = max((len(v) for v in history.values()), default=0)
    for epoch in range(rows):
        writer.writerow([epoch + 1, *(float(history[k][epoch]) for k in keys)])
    return out.getvalue()


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
