"""toolkit.config: settings declared once in a frozen dataclass, validated on construction."""

from __future__ import annotations

import dataclasses

import pytest

from toolkit.config import Config, Setting, setting


@dataclasses.dataclass(frozen=True)
class ToyConfig(Config):
    epochs: int = setting(10, lo=1, hi=100, label="Epochs")
    lr: float = setting(0.1, lo=1e-5, hi=10.0)
    optimizer: str = setting("adam", choices=("sgd", "adam"))
    features: tuple = setting(("x1", "x2"), choices=("x1", "x2", "x1x2"), min_count=1)
    shuffle: bool = setting(True)
    note: str = setting("", max_length=5)
    seed: int = 0  # a plain field: no bounds, not a widget

    def check(self):
        if self.optimizer == "sgd" and self.lr > 1:
            raise ValueError(f"SGD needs `lr` <= 1, received lr={self.lr}.")


def test_defaults_are_valid_and_kinds_are_inferred():
    config = ToyConfig()
    kinds = {name: spec.kind for name, spec in ToyConfig.settings().items()}
    assert kinds == {"epochs": "int", "lr": "float", "optimizer": "choice", "features": "multi",
                     "shuffle": "bool", "note": "str"}
    assert config.values()["seed"] == 0 and "seed" not in ToyConfig.settings()


@pytest.mark.parametrize(("changes", "message"), [
    ({"epochs": 0}, r"^`epochs` must be an integer in \[1, 100\], received epochs=0\.$"),
    ({"epochs": 2.5}, r"^`epochs` must be an integer in \[1, 100\]"),
    ({"lr": float("nan")}, r"^`lr` must be a finite number in \[1e-05, 10\]"),
    ({"optimizer": "rmsprop"}, r"^`optimizer` must be one of 'sgd', 'adam', received optimizer='rmsprop'\.$"),
    ({"features": ()}, r"^`features` must be at least one value among 'x1', 'x2', 'x1x2'"),
    ({"features": ("x1", "x1")}, r"^`features` must be a list without repeated values"),
    ({"shuffle": "yes"}, r"^`shuffle` must be True or False"),
    ({"note": "too long"}, r"^`note` must be a text of at most 5 characters"),
    ({"optimizer": "sgd", "lr": 5.0}, r"^SGD needs `lr` <= 1"),
])
def test_an_invalid_config_cannot_be_built(changes, message):
    with pytest.raises(ValueError, match=message):
        ToyConfig(**changes)


def test_replace_validates_and_lists_become_tuples():
    config = ToyConfig().replace(features=["x1x2"])
    assert config.features == ("x1x2",)
    with pytest.raises(ValueError):
        config.replace(epochs=1000)


def test_settings_carry_their_names_and_display_hints():
    epochs = ToyConfig.settings()["epochs"]
    assert (epochs.name, epochs.title, epochs.lo, epochs.hi) == ("epochs", "Epochs", 1, 100)
    assert ToyConfig.settings()["lr"].title == "lr"


@pytest.mark.parametrize("declaration", [
    {"default": 1.0},                                    # a number without bounds
    {"default": 5, "lo": 10, "hi": 1},                   # bounds the wrong way round
    {"default": "x", "kind": "choice"},                  # a choice without choices
    {"default": [], "kind": "list"},                     # an unknown kind
    {"default": object()},                               # a kind that cannot be inferred
])
def test_inconsistent_declarations_are_refused(declaration):
    with pytest.raises(ValueError):
        Setting(**declaration)


def test_a_named_setting_checks_its_own_default():
    with pytest.raises(ValueError, match="`lr` must be a finite number in"):
        Setting(20.0, lo=0.0, hi=10.0, name="lr")


def test_a_choice_shows_the_formula_of_the_chosen_value():
    """A formula per choice (a mapping): one choice's, a "multi"'s chosen ones stacked, or none."""
    spec = Setting("relu", choices=("relu", "tanh", "swish"),
                   formula={"relu": r"\max(0, z)", "tanh": r"\tanh z"})
    assert spec.formula_for("relu") == r"\max(0, z)" and spec.formula_for("swish") is None
    assert hash(spec) == hash(dataclasses.replace(spec))  # still a hashable, frozen declaration
    both = Setting(("relu", "tanh"), choices=("relu", "tanh"), formula={"relu": "a", "tanh": "b"})
    assert both.formula_for(("relu", "tanh")) == r"\begin{gathered}a \\ b\end{gathered}"
    assert Setting(1.0, lo=0, hi=2, formula="w").formula_for(0.5) == "w"
    with pytest.raises(ValueError, match="a formula per choice needs a 'choice' or 'multi' setting"):
        Setting(1.0, lo=0, hi=2, formula={"x": "y"})
