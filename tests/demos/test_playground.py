"""The Playground page in AppTest: train / step / reset on one network, bad URLs, bad settings.

Training runs in the live panel's background thread; ``click_and_finish`` waits for it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import DEMOS, SMALLEST_RUN, assert_no_exception, click_and_finish, end_states

TIMEOUT = 180


def _page(**query: str) -> AppTest:
    at = AppTest.from_file(str(DEMOS / "app_pages" / "playground.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _epoch(at) -> str:
    return next(m.value for m in at.metric if m.label == "Epoch")


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _figures(at) -> int:
    return len(at.get("plotly_chart"))


@pytest.mark.timeout(600)
def test_train_step_and_reset_keep_one_network():
    at = _page(**SMALLEST_RUN["playground"])
    assert_no_exception(at, "playground.py")
    assert not at.error and _epoch(at) == "0" and _figures(at) >= 2  # the untrained network is drawn
    click_and_finish(at, "Train")
    assert_no_exception(at, "playground.py after Train")
    assert _epoch(at) == "3" and "test accuracy" in _texts(at.markdown) and _figures(at) >= 3
    assert "epoch 3/3" in end_states(at)
    click_and_finish(at, "Step")
    assert _epoch(at) == "4" and "epoch 4/4" in end_states(at)  # the same network, one more epoch
    assert len(at.get("download_button")) == 1
    at.number_input(key="playground.lr").set_value(0.05).run()  # a new learning rate keeps the network
    assert _epoch(at) == "4" and at.query_params["lr"] in (["0.05"], "0.05") and _figures(at) >= 3
    _button(at, "Reset").click().run()
    assert _epoch(at) == "0" and _figures(at) >= 2  # a new network, drawn at once
    at.selectbox(key="playground.dataset").set_value("spiral_k").run()  # several classes, softmax
    click_and_finish(at, "Step")
    assert_no_exception(at, "playground.py on spiral_k")
    assert _epoch(at) == "1" and not at.error and "epoch 1/1" in end_states(at)


@pytest.mark.timeout(300)
def test_learning_rate_ten_ends_in_one_clear_message():
    at = _page(**{**SMALLEST_RUN["playground"], "epochs": "30"}, lr="10", optimizer="sgd")
    click_and_finish(at, "Train")
    assert_no_exception(at, "playground.py with lr=10")
    boxes = [str(box.value) for kind in (at.success, at.warning, at.error) for box in kind]
    assert len(boxes) == 1 and any(state in boxes[0] for state in ("Diverged", "Did not learn")), boxes
    assert _figures(at) >= 2  # the figures stay, drawn from the last finite network
    if "Did not learn" in boxes[0]:  # the result text says why, from the run's numbers
        assert "the network did not learn" in " ".join(str(m.value) for m in at.markdown)


@pytest.mark.timeout(300)
def test_bad_url_values_give_warnings_and_the_page_works():
    at = _page(lr="abc", hidden="8,x", features="x1,x9", loss="mae", points="100")
    assert_no_exception(at, "playground.py with bad URL values")
    warnings = _texts(at.warning)
    assert "URL parameter `lr` must be a number in [1e-5, 10], received 'abc'; using 0.003." in warnings
    assert "`hidden` must be up to 8 neuron counts separated by commas" in warnings
    assert "URL parameter `features` must be a comma-separated list" in warnings
    assert "Loss 'mae' does not apply to classification data; using auto." in warnings
    assert not at.error and _epoch(at) == "0"


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("query", "message"), [
    ({"hidden": "4,0"}, "Hidden layer 2 has 0 neurons: each hidden layer needs 1 to 32 neurons"),
    ({"batch": "300"}, "`batch_size` must be an integer in [1, 250], received batch_size=300."),
])
def test_invalid_settings_give_one_clear_error(query, message):
    at = _page(**query)
    assert_no_exception(at, f"playground.py with {query}")
    assert [e.value for e in at.error] == [message] or message in _texts(at.error)
    assert not [b for b in at.button if b.label == "Pause"]


@pytest.mark.timeout(300)
def test_no_hidden_layer_and_zero_neurons_from_the_widgets():
    at = _page(points="100", hidden="")
    assert not at.error
    at.number_input(key="playground.layers").set_value(1).run()
    at.number_input(key="playground.neurons.0").set_value(0).run()
    assert "Hidden layer 1 has 0 neurons" in _texts(at.error)
    assert at.query_params["hidden"] in (["0"], "0")


@pytest.mark.timeout(300)
def test_no_input_feature_gives_one_clear_error():
    at = _page(points="100")
    at.multiselect(key="playground.features").set_value([]).run()
    assert_no_exception(at, "playground.py without features")
    assert [e.value for e in at.error] == [
        "`features` must be at least one value among 'x1', 'x2', 'x1^2', 'x2^2', 'x1*x2', 'sin(x1)', "
        "'sin(x2)', 'rbf(c)', 'rbf(ne)', 'rbf(nw)', 'rbf(sw)', 'rbf(se)', received features=()."]


@pytest.mark.timeout(300)
def test_generic_rbf_features_from_a_link_train_with_their_formula_beside_them():
    """Chapter 1's generic φ as a Playground feature option: the bumps of a shared link are chosen, the
    formula φ = e^{−‖x − c‖²/2ℓ²} sits beside the widget, and a short run trains a linear model on them."""
    at = _page(dataset="xor", features="rbf(ne),rbf(nw),rbf(sw),rbf(se)", hidden="", points="100", epochs="3")
    assert_no_exception(at, "playground.py with RBF features")
    assert at.multiselect(key="playground.features").value == ["rbf(ne)", "rbf(nw)", "rbf(sw)", "rbf(se)"]
    assert any(r"\lVert x - c \rVert" in latex.value for latex in at.latex)
    click_and_finish(at, "Train")
    assert_no_exception(at, "playground.py training on RBF features")
    assert "epoch 3/3" in end_states(at) and not at.error
