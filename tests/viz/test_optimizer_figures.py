"""loss_vs_time, gradient_variance_plot and learning_rate_histogram."""

import json

import numpy as np
import plotly.io as pio
import pytest

from toolkit.viz import gradient_variance_plot, learning_rate_histogram, loss_vs_time


def _common_look(fig):
    assert fig.layout.template == pio.templates["plotly_white"] and fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert 200 <= fig.layout.height <= 650
    json.loads(fig.to_json())


def test_loss_vs_time_puts_each_epoch_at_its_seconds():
    histories = {"batch": {"loss": [2.0, 1.9], "val_loss": [2.1, 2.0]},
                 "stochastic": {"loss": [0.5, 0.2, 0.1]}}
    seconds = {"batch": [0.01, 0.02], "stochastic": [0.3, 0.6, 0.9]}
    fig = loss_vs_time(histories, seconds)
    _common_look(fig)
    assert [t.name for t in fig.data] == ["batch · train", "batch", "stochastic"]  # one legend entry per run
    np.testing.assert_allclose(fig.data[2].x, [0.3, 0.6, 0.9])
    np.testing.assert_allclose(fig.data[2].y, [0.5, 0.2, 0.1])
    assert fig.data[0].line.dash == "dash" and fig.data[1].line.dash == "solid"
    assert list(fig.data[2].customdata) == [1, 2, 3]  # epoch numbers in the hover


def test_loss_vs_time_errors():
    with pytest.raises(ValueError, match="`histories` and `seconds` must be non-empty mappings"):
        loss_vs_time({}, {})
    with pytest.raises(ValueError, match="`seconds` has no entry for run 'a'"):
        loss_vs_time({"a": {"loss": [1.0]}}, {"b": [1.0]})


def test_gradient_variance_plot_is_log_log_with_reference_and_marks():
    sizes = np.array([1, 4, 16, 64, 300])
    variances = np.array([16.0, 4.1, 0.9, 0.2, 0.0])
    fig = gradient_variance_plot(sizes, variances, variances[0] / sizes,
                                 marks={"minibatch (B = 16)": 16})
    _common_look(fig)
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    measured, reference = fig.data
    np.testing.assert_array_equal(measured.x, [1, 4, 16, 64])  # 0 cannot sit on a log axis
    assert reference.line.dash == "dash" and len(reference.x) == 5
    (line,) = fig.layout.shapes
    (label,) = fig.layout.annotations
    assert line.x0 == 16 and label.x == pytest.approx(np.log10(16))  # plotly.js conventions
    with pytest.raises(ValueError, match="same non-zero length"):
        gradient_variance_plot([1, 2], [1.0])
    with pytest.raises(ValueError, match="`reference` must have the length of `batch_sizes`"):
        gradient_variance_plot([1, 2], [1.0, 0.5], [1.0])


def test_learning_rate_histogram_shares_log_bins_and_drops_non_positive_values():
    rates = {"Adam": np.array([1e-3, 2e-3, 1e-2, 1e4, 0.0, np.nan]), "RMSProp": np.full(4, 0.03)}
    fig = learning_rate_histogram(rates, bins=10)
    _common_look(fig)
    assert fig.layout.xaxis.type == "log"
    adam, rms = fig.data
    assert adam.name == "Adam (4 parameters)" and rms.name == "RMSProp (4 parameters)"
    np.testing.assert_allclose(adam.x, rms.x)
    assert adam.customdata.sum() == 4 and adam.y.sum() == pytest.approx(1.0)
    assert 1e-3 < adam.x[0] < 3e-3 and 3e3 < adam.x[-1] < 1e4  # centres of log-spaced bins
    with pytest.raises(ValueError, match="`rates` must be a non-empty mapping"):
        learning_rate_histogram({})
