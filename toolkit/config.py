"""One config convention: a frozen dataclass whose fields carry their own bounds.

A chapter's settings are declared once, as fields made with ``setting(...)``:

    @dataclasses.dataclass(frozen=True)
    class RaceConfig(Config):
        epochs: int = setting(15, lo=1, hi=200, label="Epochs")
        optimizers: tuple = setting(("SGD", "Adam"), choices=OPTIMIZER_NAMES, min_count=1)

Construction validates every field against its ``Setting`` (then ``check()``, for rules
that tie several fields together), so an invalid config cannot exist. The demo pages build
their widgets and parse URL parameters from the same ``Setting`` objects
(``Config.settings()``), so a limit is written in exactly one place.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from toolkit import validation

KINDS = ("int", "float", "bool", "choice", "multi", "str")


@dataclasses.dataclass(frozen=True)
class Setting:
    """The declaration of one setting: its kind, default, bounds, and how a widget shows it.

    Args:
        default: the value when none is given.
        kind: "int", "float", "bool", "choice", "multi" (a tuple of distinct `choices`) or
            "str"; inferred from `default` and `choices` when omitted.
        lo, hi: inclusive bounds of a number.
        choices: the allowed values of a "choice" or "multi".
        min_count: fewest values a "multi" holds.
        max_length: longest "str".
        label, help: what a widget shows (the field name when no label).
        widget: a display hint for pages ("slider", "number", "radio", "select_slider",
            "toggle", "checkbox", "selectbox"); the toolkit itself ignores it.
        step: a widget step for numbers.
        formula: LaTeX of what the setting changes, in the notes' notation; pages show it
            beside the widget. For a "choice" or "multi" it may be a mapping choice -> LaTeX,
            so the formula shown is the chosen value's (``formula_for``).
        name: filled in by ``Config.settings()`` (or given for a page-only control).
    """

    default: Any
    kind: str | None = None
    lo: float | None = None
    hi: float | None = None
    choices: tuple = ()
    min_count: int = 0
    max_length: int = 100
    label: str | None = None
    help: str | None = None
    widget: str | None = None
    step: float | None = None
    formula: str | tuple | None = None
    name: str = ""

    def __post_init__(self):
        object.__setattr__(self, "choices", tuple(self.choices))
        if isinstance(self.formula, dict):  # stored as (choice, LaTeX) pairs: the Setting stays hashable
            object.__setattr__(self, "formula", tuple(self.formula.items()))
        kind = self.kind or _infer_kind(self.default, self.choices)
        if kind not in KINDS:
            raise ValueError(f"`kind` must be one of {', '.join(KINDS)}, received kind={kind!r}.")
        object.__setattr__(self, "kind", kind)
        if kind == "multi":
            object.__setattr__(self, "default", tuple(self.default))
        if kind in ("choice", "multi") and not self.choices:
            raise ValueError(f"Setting {self.name or ''} of kind {kind!r} needs `choices`.")
        if kind in ("int", "float") and (self.lo is None or self.hi is None or self.lo > self.hi):
            raise ValueError(f"Setting {self.name or ''} needs bounds lo <= hi, received lo={self.lo}, hi={self.hi}.")
        if isinstance(self.formula, tuple) and kind not in ("choice", "multi"):
            raise ValueError(f"Setting {self.name or ''}: a formula per choice needs a 'choice' or "
                             f"'multi' setting, received kind={kind!r}.")
        if self.name and self.default is not None:
            self.check(self.default)

    def formula_for(self, value) -> str | None:
        """The LaTeX to show for `value`: the one formula, the chosen choice's, or those of the
        chosen values of a "multi" one per line; None when there is none."""
        if not isinstance(self.formula, tuple):
            return self.formula
        formulas = dict(self.formula)
        parts = [formulas[v] for v in (value if self.kind == "multi" else (value,)) if v in formulas]
        if len(parts) < 2:
            return parts[0] if parts else None
        return r"\begin{gathered}" + r" \\ ".join(parts) + r"\end{gathered}"

    def check(self, value, name: str | None = None):
        """`value` normalized if it is valid for this setting, else ValueError naming it."""
        name = name or self.name or "value"
        if self.kind == "int":
            return validation.check_int(name, value, int(self.lo), int(self.hi))
        if self.kind == "float":
            return validation.check_float(name, value, self.lo, self.hi)
        if self.kind == "bool":
            return validation.check_bool(name, value)
        if self.kind == "choice":
            return validation.check_choice(name, value, self.choices)
        if self.kind == "multi":
            return validation.check_choices(name, value, self.choices, min_count=self.min_count)
        return validation.check_text(name, value, self.max_length)

    @property
    def title(self) -> str:
        return self.label or self.name


def _infer_kind(default, choices) -> str:
    if isinstance(default, (tuple, list)):
        return "multi"
    if choices:
        return "choice"
    for python_type, kind in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
        if isinstance(default, python_type):
            return kind
    raise ValueError(f"Cannot infer the kind of a setting whose default is {default!r}; pass `kind`.")


def setting(default, **declaration) -> dataclasses.Field:
    """A dataclass field with a ``Setting`` in its metadata (see the module docstring)."""
    spec = Setting(default, **declaration)
    if isinstance(spec.default, (list, dict, set)):
        raise ValueError("A setting's default must be immutable (use a tuple).")
    return dataclasses.field(default=spec.default, metadata={"setting": spec})


def setting_of(config_class, name: str, default) -> dataclasses.Field:
    """A field with `config_class`'s setting `name` (its bounds, labels and formula) and another default: a
    subclass's own default for an inherited setting."""
    spec = dataclasses.replace(config_class.settings()[name], default=default, name="")
    return dataclasses.field(default=default, metadata={"setting": spec})


@dataclasses.dataclass(frozen=True)
class Config:
    """Base of every settings dataclass: validated on construction, bounds in the fields.

    Subclasses are ``@dataclasses.dataclass(frozen=True)``; they override ``check()`` for
    rules between fields (raise ValueError with one sentence).
    """

    _settings_cache: ClassVar[dict] = {}

    def __post_init__(self):
        for name, spec in type(self).settings().items():
            value = getattr(self, name)
            if isinstance(value, list):
                value = tuple(value)
            object.__setattr__(self, name, spec.check(value, name))
        self.check()

    def check(self) -> None:
        """Rules that tie several fields together; the default has none."""

    def replace(self, **changes) -> Config:
        """A validated copy with `changes` (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def settings(cls) -> dict[str, Setting]:
        """Field name -> its ``Setting`` (named), in declaration order."""
        if cls not in Config._settings_cache:
            Config._settings_cache[cls] = {
                field.name: dataclasses.replace(field.metadata["setting"], name=field.name)
                for field in dataclasses.fields(cls) if "setting" in field.metadata}
        return Config._settings_cache[cls]

    def values(self) -> dict:
        """Field name -> value, for every field."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
