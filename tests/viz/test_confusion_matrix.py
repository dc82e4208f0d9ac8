"""confusion_matrix: counts against a hand-computed golden matrix, normalisation, errors."""

import numpy as np
import pytest

from toolkit.viz import confusion_counts, confusion_matrix

Y_TRUE = [0, 0, 1, 2, 2, 2]
Y_PRED = [0, 1, 1, 2, 0, 2]
# rows: true class, columns: predicted class, counted by hand
GOLDEN = [[1, 1, 0],
          [0, 1, 0],
          [1, 0, 2]]


def test_counts_equal_the_hand_computed_matrix():
    np.testing.assert_array_equal(confusion_counts(np.array(Y_TRUE), np.array(Y_PRED), 3), GOLDEN)
    heatmap = confusion_matrix(Y_TRUE, Y_PRED).data[0]
    np.testing.assert_array_equal(heatmap.z, GOLDEN)
    assert [list(row) for row in heatmap.text] == [["1", "1", "0"], ["0", "1", "0"], ["1", "0", "2"]]


def test_counts_agree_with_an_independent_loop():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 500), rng.integers(0, 5, 500)
    expected = np.zeros((5, 5), int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred).data[0].z, expected)


def test_true_on_y_predicted_on_x_and_accuracy_in_title():
    fig = confusion_matrix(Y_TRUE, Y_PRED, class_names=["cat", "dog", "bird"], title="Test set")
    assert list(fig.data[0].x) == ["cat", "dog", "bird"] == list(fig.data[0].y)
    assert fig.layout.xaxis.title.text == "predicted class"
    assert fig.layout.yaxis.title.text == "true class"
    assert fig.layout.title.text == "Test set · accuracy 66.7% (4/6)"


def test_normalize_divides_each_row_by_its_total_and_keeps_counts_for_hover():
    heatmap = confusion_matrix(Y_TRUE, Y_PRED, normalize=True).data[0]
    np.testing.assert_allclose(heatmap.z, np.array(GOLDEN) / [[2], [1], [3]])
    np.testing.assert_array_equal(heatmap.customdata, GOLDEN)


def test_one_hot_and_probability_rows_are_reduced_with_argmax():
    one_hot = np.eye(3)[Y_TRUE]
    probs = np.eye(3)[Y_PRED] * 0.8 + 0.05
    np.testing.assert_array_equal(confusion_matrix(one_hot, probs).data[0].z, GOLDEN)


def test_absent_class_named_in_class_names_gets_an_empty_row():
    fig = confusion_matrix([0, 1], [0, 1], class_names=["a", "b", "c"], normalize=True)
    np.testing.assert_array_equal(fig.data[0].z, [[1, 0, 0], [0, 1, 0], [0, 0, 0]])
    fig.to_json()


@pytest.mark.parametrize("kwargs, message", [
    (dict(y_true=[0, 1, 2], y_pred=[0, 1]), r"same length, received shapes \(3,\) and \(2,\)"),
    (dict(y_true=[], y_pred=[]), "must be non-empty"),
    (dict(y_true=[0, -1], y_pred=[0, 1]), "`y_true` must hold non-negative integer class ids"),
    (dict(y_true=[0, 1.5], y_pred=[0, 1]), "`y_true` must hold non-negative integer class ids"),
    (dict(y_true=[0, 2], y_pred=[0, 1], class_names=["a", "b"]),
     "`class_names` must name every class id up to 2, received 2 names"),
    (dict(y_true=[0, 1], y_pred=[0, 1], class_names=["a", "a"]), "`class_names` must be unique"),
])
def test_bad_input_raises_one_clear_sentence(kwargs, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(**kwargs)
