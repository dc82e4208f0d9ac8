"""Shared Streamlit helpers of the demo pages: forms, live training, run history, errors, URLs.

A page is a title, a short intro, widgets, one toolkit call and figures; everything a page
would otherwise repeat lives here. The pieces:

* ``Param`` / ``parse_param`` / ``read_params`` / ``write_params``: shareable URLs. A page
  declares its hyperparameters once; values are read from ``st.query_params``, validated,
  and written back after a form submit, so a link reproduces the page's settings.
* ``train_form``: those parameters as widgets inside ``st.form``. Widgets in a form do not
  rerun the script, so changing one while a model trains does not interrupt the run.
* ``training_panel`` / ``ProgressCallback``: a live progress bar, status line and learning
  curve, with a Stop button. How Stop works: any button click reruns the script, and
  Streamlit interrupts the running script at its next UI update (an exception raised inside
  the callback, which ``toolkit.train.fit`` lets through after marking the run stopped).
  The callback writes the run's numbers to ``st.session_state`` on every update, so the rerun
  finds the record still marked "running", settles it as "stopped" and shows its curve.
* ``LiveComparison``: for ``compare``-style runs, every run so far on one live chart.
* ``remember_run`` / ``run_history``: the last ``MAX_RUNS`` runs of a page, as a table.
* ``show_error``: one clear sentence for a user error; a short message and details otherwise.
* ``cached_dataset`` and ``sidebar``: cached data loading and the machine status.

``toolkit.train`` imports TensorFlow, so it is imported lazily: ``ProgressCallback`` is built
on first access (PEP 562 module ``__getattr__``) and the sidebar caches what it reads.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import streamlit as st

MAX_RUNS = 10  # runs kept per page in the history table
KEEP_MODELS = 3  # newest runs that keep their model (older ones keep only their numbers)
REFRESH_SECONDS = 0.25  # at most ~4 UI refreshes a second while training
ACTIVE = ("pending", "running")  # statuses of a run that has not finished


# ---------------------------------------------------------------- errors
def is_user_error(error: BaseException) -> bool:
    """True for errors caused by input (bad values, missing offline data), not by a bug."""
    names = {cls.__name__ for cls in type(error).__mro__}
    return isinstance(error, ValueError) or "DatasetUnavailable" in names


def show_error(error: BaseException | str, *, doing: str | None = None) -> None:
    """Shows `error` in one clear sentence; the page keeps working.

    User errors (``ValueError``, an unavailable dataset, a plain string) show their message
    only. Unexpected exceptions show a short message and the traceback in a closed expander.
    """
    if isinstance(error, str):
        st.error(error)
        return
    message = str(error).strip() or type(error).__name__
    if is_user_error(error):
        st.error(message)
        return
    where = f" while {doing}" if doing else ""
    st.error(f"Something went wrong{where} ({type(error).__name__}: {_first_line(message)}). "
             "Try other settings; the rest of the page still works.")
    with st.expander("Error details"):
        st.code("".join(traceback.format_exception(error)), language="text")


def _first_line(text: str, limit: int = 200) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


# ---------------------------------------------------------------- shareable URLs
KINDS = ("int", "float", "str", "choice", "bool", "multi")
_TYPE_KINDS = {int: "int", float: "float", str: "str", bool: "bool"}
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


@dataclasses.dataclass(frozen=True)
class Param:
    """One page setting that can be shared in the URL (``?lr=0.03&epochs=200``).

    Args:
        name: the query-parameter and widget name.
        kind: "int", "float", "str", "choice", "bool" (or the types int/float/str/bool), or
            "multi": a tuple of distinct `choices` (a multiselect; "a,b" in the URL).
        default: the value used when the URL has none (or a bad one).
        lo, hi: inclusive bounds of an int or float.
        choices: the allowed values of a "choice" or "multi" (compared by their text).
        label, help: widget label (defaults to `name`) and tooltip.
        step: widget step of a number; widget: "slider", "number", "select_slider",
            "radio", "selectbox", "checkbox" or "toggle" to override the default widget.
        max_length: longest accepted text for a "str".
    """

    name: str
    kind: Any
    default: Any
    lo: float | None = None
    hi: float | None = None
    choices: tuple = ()
    label: str | None = None
    help: str | None = None
    step: float | None = None
    widget: str | None = None
    max_length: int = 100

    def __post_init__(self):
        kind = _TYPE_KINDS.get(self.kind, self.kind)
        if kind not in KINDS:
            raise ValueError(f"`kind` must be one of {KINDS}, received kind={self.kind!r}.")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "choices", tuple(self.choices))
        if kind == "multi":
            object.__setattr__(self, "default", tuple(self.default))
        if kind in ("choice", "multi") and not self.choices:
            raise ValueError(f"Param `{self.name}` of kind '{kind}' needs `choices`.")
        if kind in ("int", "float") and (self.lo is None or self.hi is None or self.lo > self.hi):
            raise ValueError(f"Param `{self.name}` needs bounds lo <= hi, received lo={self.lo}, hi={self.hi}.")
        check_value(self, self.default)


def describe_expected(spec: Param) -> str:
    """What a valid value of `spec` looks like, e.g. "a number in [1e-5, 10]"."""
    if spec.kind == "int":
        return f"an integer in [{_number(spec.lo)}, {_number(spec.hi)}]"
    if spec.kind == "float":
        return f"a number in [{_number(spec.lo)}, {_number(spec.hi)}]"
    if spec.kind == "bool":
        return "true or false"
    if spec.kind == "choice":
        return "one of " + ", ".join(f"'{c}'" for c in spec.choices)
    if spec.kind == "multi":
        return "a comma-separated list of distinct values among " + ", ".join(f"'{c}'" for c in spec.choices)
    return f"a text of at most {spec.max_length} characters"


def check_value(spec: Param, value: Any) -> Any:
    """Returns `value` if it is valid for `spec` (Python value, not text), else raises ValueError."""
    ok = {
        "int": lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)
        and spec.lo <= v <= spec.hi,
        "float": lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
        and math.isfinite(v) and spec.lo <= v <= spec.hi,
        "bool": lambda v: isinstance(v, (bool, np.bool_)),
        "choice": lambda v: v in spec.choices,
        "multi": lambda v: isinstance(v, (tuple, list)) and len(set(v)) == len(v)
        and all(c in spec.choices for c in v),
        "str": lambda v: isinstance(v, str) and len(v) <= spec.max_length,
    }[spec.kind]
    if not ok(value):
        raise ValueError(f"`{spec.name}` must be {describe_expected(spec)}, received {value!r}")
    return value


def parse_param(spec: Param, raw: str) -> Any:
    """The value of `spec` written as `raw` in a URL; raises ValueError with one sentence.

    >>> parse_param(Param("lr", float, 0.03, lo=1e-5, hi=10), "0.1")
    0.1
    """
    text = str(raw).strip()
    error = ValueError(f"`{spec.name}` must be {describe_expected(spec)}, received {str(raw)[:40]!r}")
    if spec.kind == "int":
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            raise error
        value = int(text)
    elif spec.kind == "float":
        if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?", text):
            raise error
        value = float(text)
    elif spec.kind == "bool":
        if text.lower() not in _TRUE + _FALSE:
            raise error
        value = text.lower() in _TRUE
    elif spec.kind == "choice":
        by_text = {str(choice): choice for choice in spec.choices}
        if text not in by_text:
            raise error
        value = by_text[text]
    elif spec.kind == "multi":
        by_text = {str(choice): choice for choice in spec.choices}
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if any(part not in by_text for part in parts):
            raise error
        value = tuple(by_text[part] for part in parts)
    else:
        value = text
    try:
        return check_value(spec, value)
    except ValueError:
        raise error from None


def format_param(spec: Param, value: Any) -> str:
    """`value` as URL text that `parse_param` reads back to the same value."""
    if spec.kind == "bool":
        return "true" if value else "false"
    if spec.kind == "float":
        return _number(value)
    if spec.kind == "multi":
        return ",".join(str(v) for v in value)
    return str(value)


def _number(x: float) -> str:
    """Shortest readable text of a number: 0.03, 10, 1e-5."""
    text = f"{float(x):.6g}" if not float(x).is_integer() or abs(x) >= 1e6 else str(int(x))
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m[1] == "-" else "") + m[2], text)


def read_values(specs: Sequence[Param], query: Mapping[str, Any]) -> tuple[dict, list[str]]:
    """Pure part of `read_params`: values from `query` and one warning sentence per bad value."""
    values, errors = {}, []
    for spec in specs:
        raw = query.get(spec.name)
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else None
        if raw is None:
            values[spec.name] = spec.default
            continue
        try:
            values[spec.name] = parse_param(spec, raw)
        except ValueError as error:
            values[spec.name] = spec.default
            errors.append(f"URL parameter {error}; using {format_param(spec, spec.default)}.")
    return values, errors


def read_params(specs: Sequence[Param], *, warn: bool = True) -> tuple[dict, list[str]]:
    """Page settings from ``st.query_params``: (values, errors); one st.warning per bad value."""
    values, errors = read_values(specs, st.query_params)
    if warn:
        for message in errors:
            st.warning(message)
    return values, errors


def write_params(values: Mapping[str, Any], specs: Sequence[Param] = ()) -> None:
    """Writes `values` to the URL so it can be shared; values equal to their default are left out."""
    by_name = {spec.name: spec for spec in specs}
    for name, value in values.items():
        spec = by_name.get(name)
        if spec is not None and value == spec.default:
            if name in st.query_params:
                del st.query_params[name]
            continue
        text = format_param(spec, value) if spec is not None else str(value)
        if st.query_params.get(name) != text:
            st.query_params[name] = text


# ---------------------------------------------------------------- widgets and forms
def param_widget(spec: Param, value: Any, *, key: str) -> Any:
    """The widget of one `Param`, starting at `value`; returns the widget's current value."""
    label, common = spec.label or spec.name, {"key": key, "help": spec.help}
    widget = spec.widget
    if spec.kind == "bool":
        return (st.toggle if widget == "toggle" else st.checkbox)(label, value=bool(value), **common)
    if spec.kind == "choice":
        options = list(spec.choices)
        if widget == "radio":
            return st.radio(label, options, index=options.index(value), horizontal=True, **common)
        if widget == "select_slider":
            return st.select_slider(label, options, value=value, **common)
        return st.selectbox(label, options, index=options.index(value), **common)
    if spec.kind == "multi":
        return tuple(st.multiselect(label, list(spec.choices), default=list(value), **common))
    if spec.kind == "str":
        return st.text_input(label, value=value, max_chars=spec.max_length, **common)
    if spec.kind == "int":
        lo, hi, step = int(spec.lo), int(spec.hi), int(spec.step or 1)
        if widget == "number":
            return st.number_input(label, min_value=lo, max_value=hi, value=int(value), step=step, **common)
        return st.slider(label, lo, hi, int(value), step=step, **common)
    lo, hi = float(spec.lo), float(spec.hi)
    if widget == "slider":
        return st.slider(label, lo, hi, float(value), step=spec.step, **common)
    return st.number_input(label, min_value=lo, max_value=hi, value=float(value),
                           step=spec.step, format="%g", **common)


def train_form(page_key: str, specs: Sequence[Param], *, submit_label: str = "Train",
               columns: int = 3, url: bool = True) -> tuple[dict, bool]:
    """The hyperparameters `specs` in an ``st.form`` with one submit button.

    Returns (values, submitted). Changing a widget inside the form does not rerun the page
    (so it never interrupts a run); only the submit button does. With `url`, the widgets
    start from the URL's values and a submit writes the values back (a shareable link).
    """
    start, _ = read_params(specs) if url else ({s.name: s.default for s in specs}, [])
    values = {}
    with st.form(key=f"{page_key}.form"):
        cells = st.columns(max(1, min(columns, len(specs)))) if specs else []
        for index, spec in enumerate(specs):
            with cells[index % len(cells)]:
                values[spec.name] = param_widget(spec, start[spec.name], key=f"{page_key}.{spec.name}")
        submitted = st.form_submit_button(submit_label, type="primary", icon=":material/play_arrow:",
                                          key=f"{page_key}.submit")
    if submitted and url:
        write_params(values, specs)
    return values, submitted


# ---------------------------------------------------------------- run records and history
_record_ids = itertools.count(1)


@dataclasses.dataclass(eq=False)
class RunRecord:
    """The numbers of one run as a page keeps them (a snapshot of ``toolkit.train.Run``).

    `run` is the live Run object (with its model) while the record is among the newest
    `KEEP_MODELS` of its page, then None so old models can be freed.
    """

    name: str
    status: str = "pending"
    epochs_done: int = 0
    epochs: int = 0
    history: dict = dataclasses.field(default_factory=dict)
    wall_time: float = 0.0
    message: str = ""
    config: dict = dataclasses.field(default_factory=dict)
    run: Any = None
    queue_position: int | None = None
    stop_requested: bool = False
    id: int = dataclasses.field(default_factory=lambda: next(_record_ids))

    @classmethod
    def from_run(cls, run) -> RunRecord:
        record = cls(name=str(run.name))
        record.update(run)
        return record

    def update(self, run) -> None:
        """Copies the numbers of `run` into this record (history arrays are copied)."""
        self.run = run
        self.name = str(run.name)
        self.status = str(run.status)
        self.epochs_done = int(run.epochs_done)
        self.epochs = int(run.epochs)
        self.history = {k: np.array(v, dtype=float) for k, v in run.history.items()}
        self.wall_time = float(run.wall_time)
        self.message = str(getattr(run, "message", "") or "")
        self.config = dict(getattr(run, "config", {}) or {})
        self.queue_position = None

    @property
    def epochs_per_second(self) -> float:
        return self.epochs_done / self.wall_time if self.wall_time > 0 else 0.0

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def final(self, key: str) -> float:
        values = self.history.get(key)
        return float(values[-1]) if values is not None and len(values) else math.nan

    def row(self) -> dict:
        """One table row: name, status, epochs, final metrics, wall time, speed."""
        row = {"run": self.name, "status": self.status,
               "epochs": f"{self.epochs_done}/{self.epochs}"}
        row.update({key: float(f"{self.final(key):.4g}") for key in self.history})
        row["wall time (s)"] = round(self.wall_time, 2)
        row["epochs/s"] = round(self.epochs_per_second, 1)
        return row

    def settle_interrupted(self, reason: str | None = None) -> None:
        """Marks a run that never reported its end as stopped (see the module docstring)."""
        if not self.active:
            return
        if reason is None:
            reason = ("you pressed Stop" if self.stop_requested else
                      "the page was rerun (a button or a widget outside the form was used)")
        self.status = "stopped"
        self.queue_position = None
        self.message = (f"Stopped after epoch {self.epochs_done} of {self.epochs} because {reason}; "
                        "the curve shows the epochs finished before that.")
        if self.run is not None and getattr(self.run, "status", None) in ACTIVE:
            self.run.status, self.run.message = "stopped", self.message


class RunHistory:
    """The newest `max_runs` records of one page, newest last; older models are dropped."""

    def __init__(self, max_runs: int = MAX_RUNS, keep_models: int = KEEP_MODELS):
        if max_runs < 1 or keep_models < 0:
            raise ValueError(f"`max_runs` must be >= 1 and `keep_models` >= 0, "
                             f"received {max_runs} and {keep_models}.")
        self.max_runs, self.keep_models = max_runs, keep_models
        self.records: list[RunRecord] = []

    def add(self, record: RunRecord) -> None:
        """Adds `record` (or keeps its place if it is already there) and applies the bounds."""
        if all(r is not record for r in self.records):
            self.records.append(record)
        del self.records[: max(0, len(self.records) - self.max_runs)]
        for old in self.records[: max(0, len(self.records) - self.keep_models)]:
            old.run = None

    def rows(self) -> list[dict]:
        """Table rows, newest first."""
        return [record.row() for record in reversed(self.records)]

    def __len__(self) -> int:
        return len(self.records)


def _store(name: str) -> dict:
    return st.session_state.setdefault(f"toolkit.{name}", {})


def page_history(page_key: str) -> RunHistory:
    """The `RunHistory` of a page in this browser session."""
    return _store("history").setdefault(page_key, RunHistory())


def remember_run(page_key: str, run) -> RunRecord:
    """Records `run` (a toolkit Run or a RunRecord) as the page's latest run and in its history."""
    record = run if isinstance(run, RunRecord) else RunRecord.from_run(run)
    _store("latest")[page_key] = record
    page_history(page_key).add(record)
    return record


def last_run(page_key: str) -> RunRecord | None:
    """The page's latest run record; one left "running" by an interrupted script is settled.

    A page's script is single-threaded: when this is called, no run of the page is training,
    so a record still marked running was interrupted (Stop or another widget) mid-run.
    """
    record = _store("latest").get(page_key)
    if record is not None and record.active:
        record.settle_interrupted()
        page_history(page_key).add(record)
    return record


def run_history(page_key: str, *, title: str = "Runs in this session") -> list[dict]:
    """Shows the page's past runs as a table (newest first) and returns its rows."""
    last_run(page_key)
    rows = page_history(page_key).rows()
    if rows:
        st.subheader(title)
        st.dataframe(rows, hide_index=True, width="stretch")
    return rows


def _request_stop(page_key: str) -> None:
    record = _store("latest").get(page_key)
    if record is not None and record.active:
        record.stop_requested = True


# ---------------------------------------------------------------- live progress
def status_line(record: RunRecord) -> str:
    """One line about a run: epoch, metrics, speed; or its place in the queue."""
    if record.queue_position is not None and record.active:
        return (f"Waiting for a free training slot: position {record.queue_position} in the "
                "queue (other sessions are training).")
    parts = [f"epoch {record.epochs_done}/{record.epochs}"]
    parts += [f"{key} {record.final(key):.4g}" for key in list(record.history)[:4]]
    if record.wall_time > 0:
        parts.append(f"{record.epochs_per_second:.1f} epochs/s")
    return " · ".join(parts)


class _ProgressView:
    """The display half of `ProgressCallback`: placeholders and throttled refreshes."""

    def __init__(self, page_key: str, *, metric: str = "loss", min_interval: float = REFRESH_SECONDS):
        self.page_key, self.metric, self.min_interval = page_key, metric, min_interval
        self.record: RunRecord | None = None
        self._last_draw, self._draws = 0.0, 0
        box = st.container(border=True)
        self._stop_slot, self._status_slot = box.empty(), box.empty()
        self._bar_slot, self._chart_slot = box.empty(), box.empty()
        self._stop_slot.button("Stop", key=f"{page_key}.stop", icon=":material/stop_circle:",
                               on_click=_request_stop, args=(page_key,),
                               help="Stops training after the current chunk of epochs.")
        self._status_slot.caption("Preparing the run…")

    # toolkit.train.Callback hooks -------------------------------------------------
    def on_start(self, run) -> None:
        self.record = remember_run(self.page_key, run)
        self.record.status = "running"
        self._draw(force=True)

    def on_queue(self, position: int) -> None:
        if self.record is not None and self.record.active:
            self.record.queue_position = int(position)
        self._draw()

    def on_progress(self, run) -> None:
        if self.record is not None and self.record.active:  # a settled record stays settled
            self.record.update(run)
        self._draw()

    def on_end(self, run) -> None:
        if self.record is None:
            self.record = remember_run(self.page_key, run)
        self.record.update(run)
        self.close()
        self._draw(force=True)

    def close(self) -> None:
        """Removes the Stop button (the run is over)."""
        self._stop_slot.empty()

    # drawing ---------------------------------------------------------------------
    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.record is None or (not force and now - self._last_draw < self.min_interval):
            return
        self._last_draw, self._draws = now, self._draws + 1
        draw_record(self.record, self.metric, slots=(self._status_slot, self._bar_slot, self._chart_slot),
                    chart_key=f"{self.page_key}.live.{self._draws}")


def draw_record(record: RunRecord, metric: str = "loss", *, slots=None, chart_key: str | None = None) -> None:
    """Status line, progress bar and learning curve of a run (into `slots` if given)."""
    status_slot, bar_slot, chart_slot = slots or (st.empty(), st.empty(), st.empty())
    line = status_line(record)
    box = {"completed": "success", "stopped": "warning", "diverged": "error"}.get(record.status)
    if box:
        getattr(status_slot, box)(f"**{record.status.capitalize()}** · {line}. {record.message}".strip())
    else:
        status_slot.caption(line)
    fraction = record.epochs_done / record.epochs if record.epochs else 0.0
    bar_slot.progress(min(max(fraction, 0.0), 1.0), text=f"{record.epochs_done} of {record.epochs} epochs")
    if record.history:
        chart_slot.plotly_chart(_curve(record, metric), key=chart_key)


def _curve(record: RunRecord, metric: str):
    from toolkit.viz.curves import learning_curves

    available = metric if metric in record.history else next(iter(record.history))
    return learning_curves({record.name: record.history}, metric=available)


def _make_progress_callback():
    from toolkit.train import Callback

    class ProgressCallback(_ProgressView, Callback):
        """A ``toolkit.train`` callback that shows a run live and keeps it in session state.

        Create it where the progress should appear, then pass it to ``fit(callbacks=[...])``:
        a Stop button, status line (epoch, loss, epochs/s or queue position), progress bar
        and learning curve of `metric`, redrawn at most every `min_interval` seconds. The
        record is updated on every call, so a rerun shows the run even if it was interrupted.
        """

    return ProgressCallback


class LiveComparison:
    """A progress callable for ``toolkit.train.compare``: every run so far on one live chart.

    Pass it in ``callbacks`` next to the `ProgressCallback` (a plain callable is an
    ``on_progress`` hook); it redraws the overlaid learning curves of all runs of the
    comparison at most every `min_interval` seconds. `close` removes the chart once the
    page draws its final figures. `figure`, if given, draws something else from the same
    histories: a function ``{run name: history} -> plotly Figure`` (e.g. the gap per epoch).
    """

    def __init__(self, key: str, metric: str = "loss", *, min_interval: float = REFRESH_SECONDS,
                 figure: Callable[[dict], Any] | None = None):
        self.key, self.metric, self.min_interval, self.figure = key, metric, min_interval, figure
        self.histories: dict[str, dict] = {}
        self.slot = st.empty()
        self._last_draw, self._draws = 0.0, 0

    def __call__(self, run) -> None:
        self.histories[str(run.name)] = {k: np.array(v, dtype=float) for k, v in run.history.items()}
        now = time.monotonic()
        if now - self._last_draw < self.min_interval or not self.histories[str(run.name)]:
            return
        from toolkit.viz.curves import learning_curves

        self._last_draw, self._draws = now, self._draws + 1
        metric = self.metric if all(self.metric in h for h in self.histories.values()) else "loss"
        figure = self.figure(self.histories) if self.figure is not None else learning_curves(
            self.histories, metric=metric, title=f"Live: {metric} of every run so far")
        self.slot.plotly_chart(figure, key=f"{self.key}.comparison.{self._draws}")

    def close(self) -> None:
        self.slot.empty()


def __getattr__(name: str):
    if name == "ProgressCallback":  # built on first use: toolkit.train imports TensorFlow
        globals()[name] = _make_progress_callback()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def training_panel(page_key: str, start: bool, train: Callable[[Any], Any], *,
                   metric: str = "loss", bundle_data: tuple | None = None) -> RunRecord | None:
    """Runs `train(progress)` when `start` is true, else shows the page's last run.

    `train` receives a `ProgressCallback` to pass to ``toolkit.train.fit`` and returns the
    Run. Errors are shown with `show_error`. Returns the record of the run shown (its
    ``.run`` holds the model while it is recent), or None before the first run.
    `bundle_data` = (x, y, validation_data) is stored in the download bundle when the run's
    config names no toolkit dataset.
    """
    if start:
        progress = __getattr__("ProgressCallback")(page_key, metric=metric)
        try:
            train(progress)
        except Exception as error:  # a rerun (Stop) is not an Exception and passes through
            progress.close()
            show_error(error, doing="training")
            if progress.record is not None:
                progress.record.settle_interrupted("of an error")
            return None
        record = last_run(page_key)
    else:
        record = last_run(page_key)
        if record is None:
            return None
        with st.container(border=True):
            draw_record(record, metric, chart_key=f"{page_key}.last")
    if record is not None and record.run is not None and not record.active:
        download_bundle_button(record.run, *(bundle_data or ()), key=f"{page_key}.bundle")
    return record


# ---------------------------------------------------------------- downloads, data, sidebar
def download_bundle_button(run, x=None, y=None, validation_data=None, *, key: str | None = None) -> None:
    """A button that downloads ``toolkit.train.bundle_bytes(run)`` (built only when clicked)."""
    from toolkit.train import bundle_bytes

    if "dataset" not in getattr(run, "config", {}) and x is None:
        st.caption("This run's data is not a toolkit dataset, so it cannot be bundled.")
        return
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(run.name)).strip("_") or "run"
    st.download_button("Download run bundle (.zip)", data=lambda: bundle_bytes(run, x, y, validation_data),
                       file_name=f"{slug}.zip", mime="application/zip", on_click="ignore",
                       icon=":material/download:", key=key,
                       help="model.keras, config.json, history.csv and reproduce.py")


@st.cache_data(show_spinner="Loading the dataset…", max_entries=32)
def cached_dataset(name: str, **kwargs):
    """``toolkit.data.load(name, **kwargs)``, cached for every session of this server."""
    from toolkit.data import load

    return load(name, **kwargs)


@st.cache_data(show_spinner="Drawing the gallery…", max_entries=16)
def cached_preview(name: str):
    """``toolkit.data.preview(name)`` (a small fixed-seed sample), cached for every session."""
    from toolkit.data import preview

    return preview(name)


@st.cache_resource(show_spinner=False)
def _devices() -> list[dict]:
    from toolkit.train import devices

    return devices()


def _slots() -> dict:
    from toolkit.train import slots_status

    return slots_status()


def _cache_files() -> list[dict]:
    from toolkit.data import cache_status

    return cache_status()


def machine_lines() -> list[str]:
    """Sidebar lines: device, training slots, dataset cache. A failing part says so and stays short."""
    lines = []
    for label, read, describe in (
        ("Device", _devices, lambda ds: ", ".join(f"{d['kind']} ({d['description']})" for d in ds) or "none found"),
        ("Training slots", _slots, lambda s: f"{s['busy']} of {s['capacity']} busy, {s['waiting']} waiting"),
        ("Dataset cache", _cache_files, lambda fs: f"{len(fs)} file{'s' * (len(fs) != 1)}, "
                                                   f"{sum(f['bytes'] for f in fs) / 2**20:.1f} MB" if fs else "empty"),
    ):
        try:
            lines.append(f"**{label}:** {describe(read())}")
        except Exception as error:  # the sidebar must never break a page
            lines.append(f"**{label}:** unavailable ({type(error).__name__})")
    return lines


def sidebar() -> None:
    """The shared sidebar: which device trains, how busy the server is, what is cached."""
    with st.sidebar:
        st.markdown("#### This server")
        for line in machine_lines():
            st.caption(line)


# ---------------------------------------------------------------- chapter map
def section_chapters(section: str) -> list[int]:
    """Chapters a navigation section covers, read from its title: "1–2 Feed-forward" -> [1, 2]."""
    match = re.match(r"\s*(\d+)(?:\s*[-–]\s*(\d+))?\b", section)
    if not match:
        return []
    first, last = int(match[1]), int(match[2] or match[1])
    return list(range(first, last + 1))


def chapter_pages(pages: Mapping[str, Sequence[tuple]]) -> dict[int, list[tuple] | int]:
    """Chapter number -> the page entries (path, title, icon, url_path) that cover it.

    A section covering chapters N–M lists its pages under N; chapters N+1..M map to N.
    """
    found: dict[int, list[tuple] | int] = {}
    for section, entries in pages.items():
        first, *others = section_chapters(section) or [None]
        if first is None:
            continue
        found.setdefault(first, []).extend(entries)
        found.update({chapter: first for chapter in others})
    return found


def page_link(path: str, title: str, icon: str | None = None, url_path: str = "") -> None:
    """``st.page_link`` to a page of the app; a plain link when the page runs on its own (tests)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(path, label=title, icon=icon)
    except StreamlitAPIException:
        st.markdown(f"[{title}](/{url_path})")


# ---------------------------------------------------------------- router first
def _leave_pages_directory_mode() -> None:
    """Makes a session's first visit of a page URL go through the router (demos/app.py).

    Streamlit treats a `pages/` folder beside the entry script as a v1 "pages directory"
    until `st.navigation` first runs in the server process: a student opening /datasets
    first would get that page alone, without the router's navigation, layout and sidebar.
    Every page imports this module, so its first import inside such a run switches the
    process to `st.navigation` mode and reruns the session through the router.
    """
    try:  # Streamlit internals: if they move, pages still work, only a first visit looks plain
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return
    if getattr(PagesManager, "uses_pages_directory", None) and get_script_run_ctx(suppress_warning=True):
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_pages_directory_mode()
