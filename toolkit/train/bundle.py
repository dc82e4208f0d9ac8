"""Export a run as a zip that a student can reload, read and reproduce.

Contents of the bundle:

    model.keras          the trained model (architecture, weights, compile config)
    initial.weights.npz  the weights before step 0, so a retrain starts identically
    config.json          every hyperparameter, the seed, the states of the model's random
                         number generators before step 0, the dataset, package versions
    history.csv          one row per epoch, one column per metric
    data.npz             the training data when it is given (else config names a toolkit dataset)
    reproduce.py         retrains the model with the toolkit and checks the history: PASS or
                         FAIL per metric, exit status 1 on a failure

The bundle is built whole in memory before a file is written, and written atomically.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import tempfile
import uuid
import zipfile
from importlib import metadata

import keras
import numpy as np

PACKAGES = ("tensorflow", "keras", "numpy", "streamlit", "plotly")

REPRODUCE_PY = '''"""Retrains the model of this bundle with the toolkit and checks the history against history.csv.

Run it from the folder the bundle was unzipped to:  python reproduce.py [--rtol R] [--atol A]

The model starts from initial.weights.npz, its random number generators (dropout, noise and
augmentation layers, a GAN's latents) from their recorded states, and it sees the same
batches (same seed), so every epoch repeats. A metric PASSes when at every epoch
|reproduced - recorded| <= ATOL + RTOL * |recorded|; the exit status is 1 when one FAILs.
The default tolerance allows float rounding only: the same package versions on the same
kind of machine repeat a run to about 1e-6; on another machine (a GPU, another CPU)
rounding differences grow with the epochs, and --rtol 1e-2 may be needed.
"""
import argparse
import csv
import json
import os
import sys

import keras
import numpy as np

import toolkit
from toolkit import data as toolkit_data
from toolkit.train import fit
from toolkit.train.seeds import set_seed_states

RTOL, ATOL = 1e-4, 1e-6
# fit's arguments that change the run, passed on when config.json records them
FIT_SETTINGS = ("validation_split", "validation_batch_size", "validation_freq", "initial_epoch", "class_weight")


def training_data(config):
    """(x, y, validation) from data.npz when the bundle has it, else from the toolkit dataset config names."""
    if os.path.exists("data.npz"):
        arrays = np.load("data.npz")
        x = arrays["x"]
        y = arrays["y"] if "y" in arrays.files else None
        validation = (arrays["x_val"], arrays["y_val"]) if "x_val" in arrays.files else None
    else:
        ds = toolkit_data.load(**config["dataset"])
        x, y, validation = ds.x_train, ds.y_train, (ds.x_test, ds.y_test)
    return x, y, validation if config.get("validation", True) else None


def fit_settings(config):
    settings = {key: config[key] for key in FIT_SETTINGS if config.get(key) is not None}
    if "class_weight" in settings:  # JSON object keys are strings
        settings["class_weight"] = {int(label): w for label, w in settings["class_weight"].items()}
    return settings


def retrain(config):
    """The run again: a fresh copy of the model with its initial weights and generator states."""
    trained = toolkit.load_model("model.keras")
    model = keras.models.clone_model(trained)
    model.compile_from_config(trained.get_compile_config())
    initial = np.load("initial.weights.npz")
    model.set_weights([initial[f"w{i}"] for i in range(len(initial.files))])
    set_seed_states(model, config.get("seed_states", []))
    x, y, validation = training_data(config)
    settings = fit_settings(config)
    return fit(model, x, y, epochs=settings.get("initial_epoch", 0) + config["epochs_done"],
               batch_size=config["batch_size"], shuffle=config["shuffle"], seed=config["seed"],
               validation_data=validation, **settings)


def check(history, recorded, rtol, atol) -> bool:
    """Prints PASS or FAIL for every metric of history.csv; True when all pass."""
    passed = True
    for key in recorded[0]:
        if key == "epoch":
            continue
        want = np.array([float(row[key]) for row in recorded])
        got = np.asarray(history.get(key, []), dtype=float)
        if got.shape != want.shape:
            print(f"FAIL {key}: {len(want)} epochs recorded, {len(got)} reproduced")
            passed = False
            continue
        close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        worst = int(np.argmax(np.abs(got - want)))
        print(f"{'PASS' if close.all() else 'FAIL'} {key}: recorded {want[-1]:.6f}, reproduced "
              f"{got[-1]:.6f}; largest difference {abs(got[worst] - want[worst]):.1e} (epoch {worst + 1})")
        passed = passed and bool(close.all())
    return passed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Retrains this bundle's model and checks history.csv.")
    parser.add_argument("--rtol", type=float, default=RTOL, help="relative tolerance at every epoch")
    parser.add_argument("--atol", type=float, default=ATOL, help="absolute tolerance at every epoch")
    arguments = parser.parse_args()
    run = retrain(json.load(open("config.json")))
    print(f"Tolerance: |reproduced - recorded| <= {arguments.atol:g} + {arguments.rtol:g} * |recorded|")
    passed = check(run.history, list(csv.DictReader(open("history.csv"))), arguments.rtol, arguments.atol)
    sys.exit(0 if passed else 1)
'''


def export_bundle(run, path, x=None, y=None, validation_data=None) -> str:
    """Writes the bundle of ``run`` to ``path`` (a .zip) and returns the path.

    ``x, y, validation_data`` (the arrays given to ``fit``) are stored as ``data.npz``;
    without them ``run.config`` must name a dataset (a ``toolkit.data.load`` spec) that
    ``reproduce.py`` rebuilds the data from. The bundle is
    built whole before ``path`` is touched, then written to a temporary file in the same
    folder that replaces ``path`` in one step: a failure leaves the old file, or none.
    """
    content = bundle_bytes(run, x, y, validation_data)
    _write_atomically(os.fspath(path), content)
    return str(path)


def bundle_bytes(run, x=None, y=None, validation_data=None) -> bytes:
    """The bundle of ``run`` as bytes (for ``st.download_button``)."""
    if "dataset" not in run.config and x is None:
        raise ValueError("The run's config names no dataset: pass `x` (and `y`) to store the data.")
    _check_serializable(run.model)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("model.keras", _model_bytes(run.model))
        bundle.writestr("initial.weights.npz", _npz_bytes(
            {f"w{i}": w for i, w in enumerate(run.initial_weights or [])}))
        bundle.writestr("config.json", json.dumps(_config(run), indent=2,
                                                  default=_json_default))
        bundle.writestr("history.csv", _history_csv(run.history))
        bundle.writestr("reproduce.py", REPRODUCE_PY)
        if x is not None:
            bundle.writestr("data.npz", _npz_bytes(_data_arrays(x, y, validation_data)))
    return buffer.getvalue()


def _check_serializable(model) -> None:
    """Raises one sentence naming the layer (or model) whose config Keras cannot write."""
    for layer in _layers_innermost_first(model):
        try:
            layer.get_config()
        except NotImplementedError:
            kind = type(layer)
            raise ValueError(
                f"The model '{model.name}' cannot be exported: {kind.__module__}.{kind.__name__} "
                f"'{layer.name}' has no get_config(), so model.keras could not rebuild it; give the class "
                f"a get_config() that returns its __init__ arguments and register it with "
                f"@keras.saving.register_keras_serializable. Nothing was written.") from None


def _layers_innermost_first(model) -> list:
    """The layers of ``model`` and of its sub-models, innermost first, ``model`` last."""
    found = []
    for layer in getattr(model, "layers", ()):
        found += _layers_innermost_first(layer) if isinstance(layer, keras.Model) else [layer]
    return [*found, model]


def _write_atomically(path: str, content: bytes) -> None:
    """Writes ``content`` to a new file next to ``path``, then renames it onto ``path``."""
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex}.part")
    try:
        with open(temporary, "xb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):  # the write failed before the rename
            os.remove(temporary)


def _config(run):
    return {
        **run.config,
        "name": run.name,
        "status": run.status,
        "message": run.message,
        "epochs_done": run.epochs_done,
        "wall_time_s": run.wall_time,
        "versions": {**_versions(), "python": platform.python_version()},
    }


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
