"""Widgets built from ``Setting`` objects, the settings form, Copy link and Reset to defaults.

Widgets inside an ``st.form`` do not rerun the page while they change, so the page only
reruns on its submit button. Every form starts from the URL (defaults, lesson, then the
URL's own values); a submit writes the values back, so the address bar is always a link
that reproduces the page. Locked controls (``?lock=...``) are shown read-only.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Sequence
from typing import Any

import streamlit as st

from demos.ui.params import LESSON, LOCK, Lesson, Query, query_text, read_params, write_params
from demos.ui.state import reset_page_state
from toolkit.config import Setting


def param_widget(spec: Setting, value: Any, *, key: str, disabled: bool = False,
                 formula: bool = True) -> Any:
    """The widget of one setting, starting at `value`; returns the widget's current value.

    `formula`: draw what the control changes right under it (for a choice, the chosen
    value's). A page whose controls sit in narrow columns passes False and draws
    ``spec.formula_for(value)`` in a wider row of its own, so no formula is cut off.
    """
    label = spec.title + (" 🔒" if disabled else "")
    common = {"key": key, "help": spec.help, "disabled": disabled}
    value = _WIDGETS[spec.kind](spec, label, value, common)
    if formula and spec.formula_for(value):
        st.latex(spec.formula_for(value))
    return value


def _choice_widget(spec, label, value, common):
    options = list(spec.choices)
    if spec.widget == "radio":
        return st.radio(label, options, index=options.index(value), horizontal=True, **common)
    if spec.widget == "select_slider":
        return st.select_slider(label, options, value=value, **common)
    return st.selectbox(label, options, index=options.index(value), **common)


def _int_widget(spec, label, value, common):
    lo, hi, step = int(spec.lo), int(spec.hi), int(spec.step or 1)
    if spec.widget == "number" or hi - lo > 10_000:
        return st.number_input(label, min_value=lo, max_value=hi, value=int(value), step=step, **common)
    return st.slider(label, lo, hi, int(value), step=step, **common)


def _float_widget(spec, label, value, common):
    lo, hi = float(spec.lo), float(spec.hi)
    if spec.widget == "slider":
        return st.slider(label, lo, hi, float(value), step=spec.step, **common)
    return st.number_input(label, min_value=lo, max_value=hi, value=float(value),
                           step=spec.step, format="%g", **common)


FORMULA_COLUMNS = 2  # a form with more columns draws its formulas in rows under its controls,
FORMULA_ROW = 2  # this many to a row (a loss's two lines need about 400 px)

_WIDGETS = {
    "bool": lambda s, label, v, c: (st.toggle if s.widget == "toggle" else st.checkbox)(label, value=bool(v), **c),
    "choice": _choice_widget,
    "multi": lambda s, label, v, c: tuple(st.multiselect(label, list(s.choices), default=list(v), **c)),
    "str": lambda s, label, v, c: st.text_input(label, value=v, max_chars=s.max_length, **c),
    "int": _int_widget,
    "float": _float_widget,
}


@dataclasses.dataclass
class Form:
    """What `settings_form` returns: the values, whether it was submitted, the URL's lesson and locks."""

    values: dict
    submitted: bool
    query: Query

    @property
    def lesson(self) -> Lesson | None:
        return self.query.lesson


def widget_key(page_key: str, name: str) -> str:
    return f"{page_key}.{name}"


def settings_form(page_key: str, specs: Sequence[Setting], *, submit_label: str = "Train",
                  columns: int = 3, lessons: Sequence[Lesson] = (), url: bool = True,
                  outside: Sequence[tuple[Setting, Any]] = (), elsewhere: Sequence[Lesson] = (),
                  lesson_list: bool = True) -> Form:
    """The settings `specs` as an ``st.form`` with one submit button, a lesson box, the link tools and one link
    per lesson (``lesson_links``; `lesson_list=False` for a page that draws them elsewhere itself).

    `elsewhere`: the lessons of the page's other forms (tabs), which this form ignores quietly.
    `outside` holds (setting, value) pairs of controls drawn outside the form (e.g. a task
    choice that changes the form's defaults); the form's link carries them too.
    """
    specs = list(specs)
    query = read_params(specs, lessons, elsewhere=elsewhere) if url else Query({s.name: s.default for s in specs})
    if query.lesson is not None:
        st.info(f"**Lesson: {query.lesson.title}.** {query.lesson.explanation}", icon=":material/school:")
    values = {}
    narrow = min(columns, len(specs)) > FORMULA_COLUMNS  # formulas wider than a column: rows of their own
    with st.form(key=f"{page_key}.form"):
        cells = st.columns(max(1, min(columns, len(specs)))) if specs else []
        for index, spec in enumerate(specs):
            with cells[index % len(cells)]:
                values[spec.name] = param_widget(spec, query.values[spec.name], key=widget_key(page_key, spec.name),
                                                 disabled=spec.name in query.locked, formula=not narrow)
        if narrow:
            _formula_rows(specs, values)
        submitted = st.form_submit_button(submit_label, type="primary", icon=":material/play_arrow:",
                                          key=f"{page_key}.submit")
    for name in query.locked:  # a locked control keeps the URL's value whatever the widget says
        values[name] = query.values[name]
    if submitted and url:
        write_params(values, specs, lesson=_kept_lesson(query.lesson, values), locked=query.locked)
    link_tools(page_key, [*specs, *(spec for spec, _ in outside)],
               {**values, **{spec.name: value for spec, value in outside}},
               lesson=_kept_lesson(query.lesson, values), locked=query.locked)
    if lesson_list:
        lesson_links(lessons, query.lesson)
    return Form(values, submitted, query)


def tab_form(key: str, config_class, lessons_by_tab: dict, **options):
    """The settings form of one tab of a page with several: its config's settings, its lessons
    (another tab's lesson in the URL leaves it at its defaults). Returns ``(form, config)``;
    config is None (with the error shown) when the values are invalid together."""
    from demos.ui.errors import config_or_none
    from demos.ui.params import settings

    elsewhere = [lesson for other, lessons in lessons_by_tab.items() if other != key for lesson in lessons]
    form = settings_form(key, settings(config_class), lessons=lessons_by_tab[key], elsewhere=elsewhere,
                         **{"columns": 4, **options})
    return form, config_or_none(config_class, form.values)


def _formula_rows(specs: Sequence[Setting], values: dict) -> None:
    """What each control changes, named by its label, `FORMULA_ROW` to a row."""
    shown = [(spec.title, spec.formula_for(values[spec.name])) for spec in specs]
    shown = [(title, formula) for title, formula in shown if formula]
    for start in range(0, len(shown), FORMULA_ROW):
        for cell, (title, formula) in zip(st.columns(FORMULA_ROW), shown[start:start + FORMULA_ROW]):
            cell.caption(title)
            cell.latex(formula)


def _kept_lesson(lesson: Lesson | None, values: dict) -> Lesson | None:
    """The lesson stays in the link while its own values are unchanged."""
    if lesson is None or any(values.get(k, v) != v for k, v in lesson.values.items()):
        return None
    return lesson


def lesson_links(lessons: Sequence[Lesson], current: Lesson | None = None) -> None:
    """One link per lesson (``?lesson=name``); opening it restores the preset and its explanation."""
    if not lessons:
        return
    parts = [f"[{'**' + lesson.title + '**' if lesson is current else lesson.title}](?{LESSON}={lesson.name})"
             for lesson in lessons]
    st.markdown("Lessons: " + " · ".join(parts))


def link_tools(page_key: str, specs: Sequence[Setting], values: dict, *, lesson: Lesson | None = None,
               locked=frozenset()) -> None:
    """"Copy link" (a popover with the page's address for these settings) and "Reset to defaults"."""
    with st.container(horizontal=True):
        with st.popover("Copy link", icon=":material/link:", width="content"):
            st.caption("This address opens the page with these settings (add `lock=name,…` to fix controls):")
            st.code(share_url(query_text(values, specs, lesson=lesson, locked=locked)), language=None)
        st.button("Reset to defaults", icon=":material/restart_alt:", key=f"{page_key}.reset", width="content",
                  on_click=reset_page, args=(page_key, [spec.name for spec in specs]))


def share_url(params: dict[str, str]) -> str:
    """The current page's address with `params` as its query."""
    base = (getattr(st.context, "url", None) or "").split("?")[0]
    text = urllib.parse.urlencode(params, safe=",")
    return f"{base}?{text}" if text else base


def reset_page(page_key: str, names: Sequence[str]) -> None:
    """Clears these settings' URL parameters (and the lesson and locks), widgets and page state."""
    for name in [*names, LESSON, LOCK]:
        if name in st.query_params:
            del st.query_params[name]
    for name in names:
        st.session_state.pop(widget_key(page_key, name), None)
    reset_page_state(page_key)
