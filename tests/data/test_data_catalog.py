"""catalog() and load(): every name is listed, every listed line of code runs."""

import numpy as np
import pytest

import toolkit.data
from toolkit.data import NAMES, DatasetInfo, catalog, load


def test_catalog_covers_every_name_load_accepts():
    rows = catalog()
    assert all(isinstance(row, DatasetInfo) for row in rows)
    assert [row.name for row in rows] == list(NAMES)
    assert {row.name for row in rows if row.external} == {"mnist", "fashion_mnist", "cifar10"}
    for row in rows:
        assert row.description and "\n" not in row.description
        assert row.source in ("generated", "scikit-learn (bundled)", "keras.datasets (download)")
        assert row.code.startswith(f'toolkit.data.load("{row.name}"')
        assert row.num_classes == "regression" if row.task == "regression" else isinstance(row.num_classes, int)


@pytest.mark.parametrize("row", [row for row in catalog() if not row.external], ids=lambda row: row.name)
def test_every_builtin_code_line_runs(row):
    ds = eval(row.code, {"toolkit": toolkit})  # the line exactly as the app shows it
    assert ds.name == row.name and ds.task == row.task
    assert ds.input_shape == row.input_shape
    assert ds.num_classes == (0 if row.num_classes == "regression" else row.num_classes)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown dataset name='imagenet'; valid names are: circle, .*glyphs, shapes, sine, adding, copy, sentiment, dates, reversal, mnist"):
        load("imagenet")


def test_external_datasets_take_no_arguments():
    with pytest.raises(ValueError, match=r"`mnist` takes no arguments"):
        load("mnist", n=100)


def test_load_forwards_arguments():
    ds = load("xor", n=40, noise=5, seed=9, test_ratio=0.25)
    assert ds.spec == {"name": "xor", "n": 40, "noise": 5.0, "test_ratio": 0.25, "seed": 9}
    np.testing.assert_array_equal(ds.x_train, toolkit.data.toy2d("xor", n=40, noise=5, seed=9, test_ratio=0.25).x_train)


def test_dataset_spec_round_trips_for_digits():
    ds = load("digits", size=16, seed=4)
    np.testing.assert_array_equal(load(**ds.spec).x_test, ds.x_test)
