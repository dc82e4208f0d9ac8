"""Several architectures side by side from one seed, and the results the page shows."""

import numpy as np
import pytest

from tests.cnn.conftest import tiny_images
from toolkit.cnn import (
    Regularizers, TrainingConfig, augmentation_preview, classification_accuracy, misclassified, predict_classes,
    results_table, run_architectures, train_architectures,
)
from toolkit.data.dataset import Dataset


def tiny_dataset():
    x, y = tiny_images(192, 0, 8)
    x_test, y_test = tiny_images(64, 1, 8)
    return Dataset(name="tiny", x_train=x, y_train=y, x_test=x_test, y_test=y_test, task="classification",
                   classes=("left", "right"), description="bars", spec={"name": "tiny"})


def test_two_architectures_train_side_by_side_and_fill_the_table():
    data = tiny_dataset()
    runs = train_architectures(["lenet5", "mobilenet"], data, epochs=2, batch_size=32, learning_rate=3e-3,
                               regularizers=Regularizers(cutout=0.25), seed=0)
    assert list(runs) == ["LeNet-5", "MobileNet"]
    assert all(run.status == "completed" and run.epochs_done == 2 for run in runs.values())
    assert runs["LeNet-5"].config["regularizers"]["cutout"] == 0.25 and runs["LeNet-5"].config["seed"] == 0
    rows = results_table(runs, data)
    assert [row["architecture"] for row in rows] == ["LeNet-5", "MobileNet"]
    lenet = rows[0]
    assert lenet["year"] == 1998 and lenet["epochs"] == "2/2"
    assert lenet["parameters"] == 21_386 - 8 * 85  # the documented count has 10 outputs of 85 weights, here 2
    model = runs["LeNet-5"].model
    predicted = predict_classes(model, data.x_test, batch_size=16)
    assert predicted.shape == (64,) and lenet["test accuracy"] == round(classification_accuracy(
        model, data.x_test, data.y_test), 4)
    wrong = misclassified(data.y_test, predicted, limit=5)
    assert len(wrong) <= 5 and np.all(predicted[wrong] != data.y_test[wrong])


def test_the_page_config_trains_through_one_call_and_reports_progress():
    data, seen = tiny_dataset(), []
    config = TrainingConfig(archs=("lenet5",), epochs=1, batch=32, lr=3e-3, cutmix=1.0)
    assert config.regularizers() == Regularizers(cutmix=1.0) and config.source() == ("glyphs", {"n": 10_000, "seed": 0})
    result = run_architectures(config, data, callbacks=lambda run: seen.append(run.epochs_done))
    assert list(result.runs) == ["LeNet-5"] and seen and seen[-1] == 1
    assert result.table[0]["architecture"] == "LeNet-5" and result.runs["LeNet-5"].config["regularizers"]["cutmix"] == 1
    evaluation = result.evaluation("LeNet-5")
    assert evaluation is result.evaluation("LeNet-5") and evaluation.y_pred.shape == (64,)  # computed once


def test_bad_names_and_settings():
    with pytest.raises(ValueError, match="`names` must be at least one value among 'lenet5'"):
        train_architectures([], tiny_dataset(), epochs=1)
    with pytest.raises(ValueError, match="`names` must be a list of values among"):
        train_architectures(["lenet5", "inception"], tiny_dataset(), epochs=1)
    with pytest.raises(ValueError, match="`archs` must be at least one value among"):
        TrainingConfig(archs=())
    with pytest.raises(ValueError, match=r"`epochs` must be an integer in \[1, 30\]"):
        TrainingConfig(epochs=31)
    assert TrainingConfig.settings()["cutout"] == Regularizers.settings()["cutout"]  # one declaration


def test_augmentation_preview_shows_each_active_regularizer():
    x, y = tiny_images(6, 0, 8)
    shown = augmentation_preview(x, y, Regularizers(cutout=0.5, dropblock=0.3, block_size=2, cutmix=1.0,
                                                    spatial_dropout=0.5), class_names=("left", "right"))
    assert len(shown) == 4
    for images, captions in shown.values():
        assert images.shape == x.shape and len(captions) == 6 and 0 <= images.min() and images.max() <= 1
    cutmix = next(v for k, v in shown.items() if k.startswith("CutMix"))
    assert all(c.split()[0] in ("left", "right") for c in cutmix[1])
    assert augmentation_preview(x, y, Regularizers()) == {}
