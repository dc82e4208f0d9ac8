"""Shareable URLs: a page's settings, a lesson preset and locked controls in the query string.

A page's settings are ``toolkit.config.Setting`` objects, usually read off its Config class
(``settings(RaceConfig)``), so the bounds a widget offers and the bounds a URL may carry are
the toolkit's own. ``?lr=0.03&epochs=200`` sets values; ``?lesson=saddle`` restores a
lesson preset (and the page shows the lesson's explanation); ``?lock=lr,epochs`` shows those
controls read-only, so a class follows one lesson. Bad values fall back to the default with
one warning sentence each.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import streamlit as st

from toolkit.config import Setting

LESSON, LOCK = "lesson", "lock"  # reserved query parameters
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
_TYPE_KINDS = {int: "int", float: "float", str: "str", bool: "bool"}


def Param(name: str, kind: Any, default: Any, **declaration) -> Setting:  # noqa: N802 (reads as a type)
    """A page-only setting (a display option no Config holds): ``Param("test", bool, True)``."""
    return Setting(default, kind=_TYPE_KINDS.get(kind, kind), name=name, **declaration)


def settings(config_class, *names: str, **overrides: Mapping[str, Any]) -> list[Setting]:
    """The ``Setting`` objects of `config_class`'s fields (all, or `names` in that order).

    `overrides` maps a field name to display changes, e.g. ``epochs={"widget": "number"}``;
    bounds cannot be overridden here (they belong to the Config).
    """
    declared = config_class.settings()
    chosen = names or tuple(declared)
    unknown = [name for name in (*chosen, *overrides) if name not in declared]
    if unknown:
        raise ValueError(f"{config_class.__name__} has no setting {', '.join(map(repr, unknown))}.")
    for name, change in overrides.items():
        if set(change) - {"label", "help", "widget", "step", "formula"}:
            raise ValueError(f"Only label, help, widget, step and formula can be overridden, received {sorted(change)}.")
    return [dataclasses.replace(declared[name], **overrides.get(name, {})) for name in chosen]


@dataclasses.dataclass(frozen=True)
class Lesson:
    """A named preset of a page: settings that show one claim of the notes, and the claim."""

    name: str
    title: str
    explanation: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)


# ---------------------------------------------------------------- one value
def describe_expected(spec: Setting) -> str:
    """What a valid value of `spec` looks like, e.g. "a number in [1e-5, 10]"."""
    if spec.kind == "int":
        return f"an integer in [{number(spec.lo)}, {number(spec.hi)}]"
    if spec.kind == "float":
        return f"a number in [{number(spec.lo)}, {number(spec.hi)}]"
    if spec.kind == "bool":
        return "true or false"
    if spec.kind == "choice":
        return "one of " + ", ".join(f"'{c}'" for c in spec.choices)
    if spec.kind == "multi":
        return "a comma-separated list of distinct values among " + ", ".join(f"'{c}'" for c in spec.choices)
    return f"a text of at most {spec.max_length} characters"


def parse_param(spec: Setting, raw: str) -> Any:
    """The value of `spec` written as `raw` in a URL; raises ValueError with one sentence."""
    text = str(raw).strip()
    error = ValueError(f"`{spec.name}` must be {describe_expected(spec)}, received {str(raw)[:40]!r}")
    value = _PARSERS[spec.kind](spec, text)
    if value is _BAD:
        raise error
    try:
        return spec.check(value, spec.name)
    except ValueError:
        raise error from None


_BAD = object()


def _parse_by_text(spec, text):
    by_text = {str(choice): choice for choice in spec.choices}
    return by_text.get(text, _BAD)


def _parse_multi(spec, text):
    by_text = {str(choice): choice for choice in spec.choices}
    parts = [part.strip() for part in text.split(",") if part.strip()]
    return _BAD if any(p not in by_text for p in parts) else tuple(by_text[p] for p in parts)


_PARSERS = {
    "int": lambda spec, t: int(t) if re.fullmatch(r"[+-]?\d{1,12}", t) else _BAD,
    "float": lambda spec, t: float(t) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", t) else _BAD,
    "bool": lambda spec, t: (t.lower() in _TRUE) if t.lower() in _TRUE + _FALSE else _BAD,
    "choice": _parse_by_text,
    "multi": _parse_multi,
    "str": lambda spec, t: t,
}


def format_param(spec: Setting, value: Any) -> str:
    """`value` as URL text that `parse_param` reads back to the same value."""
    if spec.kind == "bool":
        return "true" if value else "false"
    if spec.kind == "float":
        return number(value)
    if spec.kind == "multi":
        return ",".join(str(v) for v in value)
    return str(value)


def number(x: float) -> str:
    """Shortest readable text of a number: 0.03, 10, 1e-5."""
    if not math.isfinite(float(x)):
        return str(x)
    text = f"{float(x):.6g}" if not float(x).is_integer() or abs(x) >= 1e6 else str(int(x))
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m[1] == "-" else "") + m[2], text)


# ---------------------------------------------------------------- a page's query
@dataclasses.dataclass
class Query:
    """What a page's URL says: values, the lesson (if any), locked names, warnings."""

    values: dict
    lesson: Lesson | None = None
    locked: frozenset = frozenset()
    warnings: list = dataclasses.field(default_factory=list)


def _raw(query: Mapping[str, Any], name: str):
    raw = query.get(name)
    if isinstance(raw, (list, tuple)):
        raw = raw[-1] if raw else None
    return raw


def read_values(specs: Sequence[Setting], query: Mapping[str, Any],
                lessons: Sequence[Lesson] = (), elsewhere: Sequence[Lesson] = ()) -> Query:
    """Pure part of `read_params`: defaults, then the lesson's values, then the URL's own.

    `elsewhere`: the lessons of the page's other forms (a page with tabs); theirs leave this one at
    its defaults, and their locks alone, without a warning."""
    specs = list(specs)
    result = Query(values={spec.name: spec.default for spec in specs})
    lesson_name = _raw(query, LESSON)
    if lesson_name is not None:
        by_name = {lesson.name: lesson for lesson in lessons}
        result.lesson = by_name.get(str(lesson_name).strip())
        names = [*by_name, *(lesson.name for lesson in elsewhere)]
        if result.lesson is None and str(lesson_name).strip() not in names:
            known = ", ".join(f"'{n}'" for n in names) or "none on this page"
            result.warnings.append(f"URL parameter `lesson` must be one of {known}, "
                                   f"received {str(lesson_name)[:40]!r}; showing the defaults.")
        elif result.lesson is not None:
            result.values.update(result.lesson.values)
    for spec in specs:
        raw = _raw(query, spec.name)
        if raw is None:
            continue
        try:
            result.values[spec.name] = parse_param(spec, raw)
        except ValueError as error:
            result.warnings.append(f"URL parameter {error}; using {format_param(spec, result.values[spec.name])}.")
    lock = _raw(query, LOCK)
    if lock:
        names = {part.strip() for part in str(lock).split(",") if part.strip()}
        known = {spec.name for spec in specs}
        # A lesson of another form (a page with tabs) locks that form's controls, not these.
        theirs = lesson_name is not None and str(lesson_name).strip() in {lesson.name for lesson in elsewhere}
        if names - known and not theirs:
            result.warnings.append(f"URL parameter `lock` names unknown controls "
                                   f"{', '.join(sorted(names - known))[:80]}; they are ignored.")
        result.locked = frozenset(names & known)
    return result


def read_params(specs: Iterable[Setting], lessons: Sequence[Lesson] = (), *, warn: bool = True,
                elsewhere: Sequence[Lesson] = ()) -> Query:
    """The page's settings from ``st.query_params``; one ``st.warning`` per bad value (`elsewhere`:
    as in ``read_values``)."""
    query = read_values(list(specs), st.query_params, lessons, elsewhere)
    if warn:
        for message in query.warnings:
            st.warning(message)
    return query


def query_text(values: Mapping[str, Any], specs: Iterable[Setting], *, lesson: Lesson | None = None,
               locked: Iterable[str] = ()) -> dict[str, str]:
    """The query parameters that reproduce `values`: those that differ from the defaults (or the lesson)."""
    base = dict(lesson.values) if lesson else {}
    out = {LESSON: lesson.name} if lesson else {}
    for spec in specs:
        if spec.name in values and values[spec.name] != base.get(spec.name, spec.default):
            out[spec.name] = format_param(spec, values[spec.name])
    if locked:
        out[LOCK] = ",".join(sorted(locked))
    return out


def write_params(values: Mapping[str, Any], specs: Iterable[Setting], *, lesson: Lesson | None = None,
                 locked: Iterable[str] = ()) -> None:
    """Writes the page's settings to the URL (only what differs from the defaults)."""
    specs = list(specs)
    wanted = query_text(values, specs, lesson=lesson, locked=locked)
    owned = {spec.name for spec in specs} | {LESSON}  # a lock is the instructor's: only Reset removes it
    for name in list(st.query_params):
        if name in owned and name not in wanted:
            del st.query_params[name]
    for name, text in wanted.items():
        if st.query_params.get(name) != text:
            st.query_params[name] = text
