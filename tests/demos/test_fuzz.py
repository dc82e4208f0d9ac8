"""Fuzz every page through its URL: every setting at its bounds, at random combinations, and
hostile values (huge numbers, NaN, unicode, 10 kB strings, markup, repeated keys).

A page's settings are the ``Setting`` objects it hands to ``read_params`` (recorded while the
page renders once at its defaults), so a page added to the router is fuzzed without editing
this file. The URL sets every widget of a page (``demos.ui.params``), so the page renders its
previews at these values; training is not started (the smallest runs are in
test_pages_apptest.py). Every run must end without an uncaught exception; a value within its
bounds gets no warning, every bad value gets one sentence that names it, and whatever a page
refuses (two settings that do not fit together) is one sentence too.
"""

from __future__ import annotations

import random

import pytest
from streamlit.testing.v1 import AppTest

from demos.ui import params
from demos.ui.params import LESSON, LOCK, format_param, number
from tests.demos.conftest import DEMOS, assert_no_exception, page_params

TIMEOUT = 120
LONGEST_MESSAGE = 600  # characters of one sentence (a bound, a value and what the page uses instead)
HOSTILE = ("1e309", "-1e309", "nan", "inf", "9" * 40, "-0", "0x10", "ü" * 60 + "😀", "x" * 10_000,
           "<script>alert(1)</script>", "1,2,3,,,", " ", "%00", "[]", "{}")


def _record_specs(monkeypatch) -> list:
    """Patches ``read_values`` to record every setting a page reads from its URL."""
    seen = []
    original = params.read_values

    def recording(specs, *args, **kwargs):
        specs = list(specs)
        seen.extend(specs)
        return original(specs, *args, **kwargs)

    monkeypatch.setattr(params, "read_values", recording)
    return seen


def _render(path: str, query: dict):
    at = AppTest.from_file(str(DEMOS / path), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def _messages(at) -> list[str]:
    return [str(box.value) for kind in (at.error, at.warning) for box in kind]


def _low(spec):
    return {"int": lambda: spec.lo, "float": lambda: spec.lo, "bool": lambda: False,
            "choice": lambda: spec.choices[0], "multi": lambda: tuple(spec.choices[:spec.min_count]),
            "str": lambda: ""}[spec.kind]()


def _high(spec):
    return {"int": lambda: spec.hi, "float": lambda: spec.hi, "bool": lambda: True,
            "choice": lambda: spec.choices[-1], "multi": lambda: tuple(spec.choices),
            "str": lambda: "w" * spec.max_length}[spec.kind]()


def _random(spec, rng: random.Random):
    if spec.kind == "int":
        return rng.randint(int(spec.lo), int(spec.hi))
    if spec.kind == "float":
        return float(number(rng.uniform(spec.lo, spec.hi)))  # the value a URL can carry
    if spec.kind == "bool":
        return rng.random() < 0.5
    if spec.kind == "choice":
        return rng.choice(spec.choices)
    if spec.kind == "multi":
        return tuple(rng.sample(spec.choices, rng.randint(max(spec.min_count, 1), len(spec.choices))))
    return "".join(rng.choice("abc xyzéü0") for _ in range(rng.randint(0, spec.max_length)))


def _query(specs, value_of) -> dict:
    """Each setting's URL text; a name read by two forms (tabs) gets the first form's value."""
    out = {}
    for spec in specs:
        out.setdefault(spec.name, format_param(spec, value_of(spec)))
    return out


def _check_sentences(at, what: str) -> None:
    assert_no_exception(at, what)
    for message in _messages(at):
        assert len(message) <= LONGEST_MESSAGE and "Traceback" not in message, f"{what}: {message[:800]!r}"


@pytest.mark.timeout(900)
@pytest.mark.parametrize(("path", "title", "url_path"), page_params())
def test_every_setting_at_its_bounds_and_at_random_gets_no_warning_and_no_exception(
        path, title, url_path, monkeypatch):
    specs = _record_specs(monkeypatch)
    assert_no_exception(_render(path, {}), f"{url_path} at its defaults")
    specs = list({spec.name: spec for spec in specs}.values())
    if not specs:
        pytest.skip(f"{url_path} reads no setting from its URL")
    rng = random.Random(url_path)
    for label, value_of in (("low", _low), ("high", _high), ("random", lambda spec: _random(spec, rng))):
        query = _query(specs, value_of)
        at = _render(path, query)
        what = f"{url_path} with every setting {label}: {query}"
        _check_sentences(at, what)
        # Free text may be refused by the page's own rule (hidden="wwww"), in one sentence.
        bounded = [f"`{spec.name}`" for spec in specs if spec.kind != "str"]
        rejected = [m for m in _messages(at) if m.startswith("URL parameter") and any(n in m for n in bounded)]
        assert not rejected, f"{what}: a value within its bounds was refused: {rejected}"


@pytest.mark.timeout(900)
@pytest.mark.parametrize(("path", "title", "url_path"), page_params())
def test_hostile_url_values_are_each_answered_in_one_sentence(path, title, url_path, monkeypatch):
    specs = _record_specs(monkeypatch)
    _render(path, {})
    specs = list({spec.name: spec for spec in specs}.values())
    query = {spec.name: HOSTILE[index % len(HOSTILE)] for index, spec in enumerate(specs)}
    query.update({LESSON: "ü" * 5_000, LOCK: "x" * 10_000, "no_such_setting": "1"})
    if specs:
        query[specs[0].name] = ["1e400", "-5", "ü"]  # a repeated key: the last one counts
    at = _render(path, query)
    _check_sentences(at, f"{url_path} with hostile URL values")
    warned = " ".join(_messages(at))
    for spec in specs:
        raw = query[spec.name][-1] if isinstance(query[spec.name], list) else query[spec.name]
        try:
            params.parse_param(spec, raw)
        except ValueError:
            assert f"`{spec.name}`" in warned, f"{url_path}: the bad value {raw[:40]!r} of `{spec.name}` got no warning"
