"""The one live training panel of the app.

Every training run on every page goes through ``live_panel``. The page gives two
functions:

* ``train(live)`` runs in a background thread (never calls Streamlit). It passes
  ``live.callbacks`` and ``live.stop`` to ``toolkit.train.fit`` / ``compare`` (or to a
  toolkit function that forwards them) and returns whatever the page shows afterwards.
  ``live.watch(fn)`` adds page-specific live state: ``fn(run) -> dict`` is computed in the
  training thread with the run's numbers, at the panel's refresh rate.
* ``draw(frame)`` (optional) draws the live figures from one ``Frame``.

How a run travels (docs/ARCHITECTURE.md): the click reruns the page, which starts a
``Job`` thread and returns at once. The trainer reports every compiled chunk to the job's
recorder, which is ``Throttle``-d to a few frames a second; each frame is one consistent
copy (``Run.snapshot``) of every run's numbers plus the page's watched state, swapped in
atomically. The panel is an ``st.fragment`` that re-runs itself every `refresh` seconds
(less often when a class trains at once: ``_share_pause``) while the job lives and draws the
newest frame, so training never waits for drawing and every figure of a frame shows the same
epoch. The previous figures stay on screen until the next frame replaces them. When the job
ends, the fragment reruns the whole page once so the page can show its results.

A run ends only by finishing, by Stop, by divergence, or when the student leaves (the
browser session is gone for `LEAVE_SECONDS`); reruns caused by other widgets leave it alone.
The panel states which, and says "did not learn" instead of "finished" when the loss did not fall.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import re
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import streamlit as st

from demos.ui.errors import show_error
from demos.ui.sidebar import slots_line
from demos.ui.tables import table

REFRESH_SECONDS = 0.3  # how often the panel redraws while a run is alive
LEAVE_SECONDS = 15.0  # a run whose browser session has been gone this long is stopped
DRAW_SHARE = 0.5  # at most this share of the server's Python time redraws live panels (``_share_pause``)
MAX_PAUSE = 5.0  # seconds a panel may wait beyond its refresh under load
BEAT_SECONDS = 0.25  # a waiting panel lets a click through this often
HISTORY = 10  # finished runs a page keeps in its "Runs in this session" table
STORE = "toolkit.jobs"
_JOBS: weakref.WeakSet = weakref.WeakSet()  # every job of this process (tests, sidebar)

# shown between the first optimizer step and the first epoch's end (read by benchmarks/pages.py)
FIRST_STEP = " · first step done, compiling the training loop…"

END_STATES = {  # run status -> (box, title)
    "completed": ("success", "Finished"),
    "did not learn": ("warning", "Did not learn"),
    "stopped": ("warning", "Stopped"),
    "diverged": ("error", "Diverged"),
}


@dataclasses.dataclass(frozen=True)
class Frame:
    """What the panel shows at one moment: every figure of a frame shows one epoch.

    Attributes:
        runs: run name -> ``Run.snapshot()`` (numbers only), in the order they started.
        extras: what the page's ``live.watch`` functions returned at this moment.
        queue_position: place in the training-slot queue while waiting, else None.
        seconds: time since the click.
        finishing: what the job computes after its last epoch (``LiveRun.finishing``), else "".
    """

    runs: dict = dataclasses.field(default_factory=dict)
    extras: dict = dataclasses.field(default_factory=dict)
    queue_position: int | None = None
    seconds: float = 0.0
    finishing: str = ""

    @property
    def current(self):
        """The run in progress (the last one started), or None before the first."""
        return next(reversed(self.runs.values()), None)

    @property
    def epoch(self) -> int:
        run = self.current
        return run.epochs_done if run is not None else 0

    def histories(self) -> dict:
        """Run name -> history, for the runs that finished at least one epoch."""
        return {name: run.history for name, run in self.runs.items() if run.epochs_done}


def outcome(run, metric: str = "loss") -> str:
    """The end state a student reads: completed, did not learn, stopped or diverged."""
    if run.status == "completed" and run.learned(metric if metric in run.history else "loss") is False:
        return "did not learn"
    return run.status


class LiveRun:
    """What ``train(live)`` receives: the callbacks and stop flag to hand to the trainer."""

    def __init__(self, job: Job):
        self._job = job
        self.callbacks = [job.recorder]
        self.stop = job.should_stop

    def watch(self, fn: Callable[[Any], dict]) -> None:
        """Adds page state to every frame: ``fn(run) -> dict`` runs in the training thread."""
        self._job.watchers.append(fn)

    def publish(self, **extras) -> None:
        """Shows `extras` now (e.g. set-up progress before the first epoch)."""
        self._job.publish(extras=extras)

    def finishing(self, what: str) -> None:
        """Says what `train` computes after the last epoch (e.g. "linear probes on 1,000 held-out crops"): the
        panel shows it under a full progress bar until `train` returns, so the seconds between the last epoch and
        the page's results are never silent. Call it after the last run; compute the results before returning."""
        self._job.publish(finishing=what)


class Job:
    """One click of Train: a background thread, its newest frame, its end state."""

    def __init__(self, key: str, train: Callable[[LiveRun], Any], *, metric: str, refresh: float,
                 unit: str = "epoch"):
        from demos.ui.server import guard_keras_reset
        from toolkit.train import Callback, Throttle

        guard_keras_reset()  # a page run without the router (tests) trains safely too
        self.key, self.metric, self.unit = key, metric, unit
        self.started = time.monotonic()
        self.stop_event = threading.Event()
        self._ended = threading.Event()
        self.watchers: list[Callable] = []
        self.frame = Frame()
        self.result: Any = None
        self.error: BaseException | None = None
        self.stop_reason = ""
        self._lock = threading.Lock()
        self._runs: dict = {}
        self._alive = _session_alive()
        job = self

        class Recorder(Callback):
            def on_start(self, run):  # the watchers draw the untrained model at once
                job._runs[str(run.name)] = run
                job.publish(watch=run)

            def on_progress(self, run):
                job._runs[str(run.name)] = run
                job.publish(watch=run)

            def on_first_step(self, run):  # numbers only: the watchers drew this model at on_start
                job._runs[str(run.name)] = run
                job.publish()

            def on_queue(self, position):
                job.publish(queue_position=position)

            def on_end(self, run):
                job._runs[str(run.name)] = run
                job.publish(watch=run)

        self.recorder = Throttle(Recorder(), seconds=refresh)
        self.thread = threading.Thread(target=self._main, args=(train,), name=f"train-{key}", daemon=True)
        _JOBS.add(self)
        self.thread.start()

    # -- the training thread ------------------------------------------------------------
    def _main(self, train) -> None:
        from toolkit.train.graph_memory import released_graphs

        try:
            with released_graphs():  # the run's traced graphs leave memory with its models
                self.result = train(LiveRun(self))
        except BaseException as error:  # shown by the panel; the server goes on
            self.error = error
        finally:
            self.publish()
            self._runs = {}  # the snapshots in the frame are all the panel needs
            self._ended.set()  # the panel shows the end state now, not after the collection
            gc.collect()  # this run's models, and the previous run's released on the click

    def publish(self, *, watch=None, queue_position=None, extras=None, finishing=None) -> None:
        """Swaps in a new frame: run snapshots, watched page state, queue position, the finishing step."""
        added = dict(extras or {})
        if watch is not None:
            for fn in self.watchers:
                added.update(fn(watch))
        runs = {name: run.snapshot() for name, run in list(self._runs.items())}
        with self._lock:
            self.frame = Frame(runs=runs, extras={**self.frame.extras, **added},
                               queue_position=queue_position, seconds=time.monotonic() - self.started,
                               finishing=self.frame.finishing if finishing is None else finishing)

    def should_stop(self) -> bool:
        if not self.stop_event.is_set() and not self._alive():
            self.stop_reason = "you left the page"
            self.stop_event.set()
        return self.stop_event.is_set()

    # -- the page thread ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return not self._ended.is_set()

    def request_stop(self, reason: str = "you pressed Stop") -> None:
        self.stop_reason = self.stop_reason or reason
        self.stop_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        self.thread.join(timeout)
        return not self.running


def _session_alive() -> Callable[[], bool]:
    """A check that the browser session that started a run is still connected.

    Reads Streamlit's runtime (nothing is patched). Outside a server (AppTest, scripts)
    sessions never leave. A session gone for `LEAVE_SECONDS` counts as left, so a page
    reload or a short network drop does not stop a run.
    """
    try:
        from streamlit import runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return lambda: True
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not runtime.exists():
        return lambda: True
    server, session_id, gone_since = runtime.get_instance(), ctx.session_id, [None]

    def alive() -> bool:
        if server.is_active_session(session_id):
            gone_since[0] = None
            return True
        gone_since[0] = gone_since[0] or time.monotonic()
        return time.monotonic() - gone_since[0] < LEAVE_SECONDS

    return alive


def all_jobs() -> list[Job]:
    """Every job of this process still referenced by some session."""
    return list(_JOBS)


@atexit.register
def stop_all(timeout: float = 30.0) -> None:
    """Stops every run (the server or a test process is exiting): a training thread still
    inside TensorFlow when the interpreter finalizes aborts the process."""
    for job in all_jobs():
        job.request_stop("the server stopped")
    wait_all(timeout)


def wait_all(timeout: float = 120.0) -> bool:
    """Waits until every job of this process has ended (tests); True if all ended in time."""
    deadline = time.monotonic() + timeout
    for job in all_jobs():
        if not job.wait(max(0.0, deadline - time.monotonic())):
            return False
    return True


# ---------------------------------------------------------------- the panel
@dataclasses.dataclass
class PanelState:
    """A page's jobs in this browser session: the current one and the finished runs' table."""

    job: Job | None = None
    history: list = dataclasses.field(default_factory=list)  # finished Run snapshots, newest last
    shown_end: bool = False
    draw_seconds: float = 0.0  # how long the panel's last drawing took


def panel_state_of(app_test, key: str) -> PanelState:
    """The panel state of page `key` in a ``streamlit.testing`` AppTest session (tests)."""
    return app_test.session_state[STORE][key]


def panel_state(key: str) -> PanelState:
    store = st.session_state.setdefault(STORE, {})
    if not isinstance(store.get(key), PanelState):
        store[key] = PanelState()
    return store[key]


def live_panel(key: str, *, start: bool, train: Callable[[LiveRun], Any],
               draw: Callable[[Frame], None] | None = None, metric: str = "loss",
               stop_label: str = "Stop", unit: str = "epoch", refresh: float = REFRESH_SECONDS,
               draw_early: bool = False, colors: dict | None = None) -> Job | None:
    """Starts `train` in the background when `start`, and shows the page's run live.

    Returns the page's job (running or finished; ``job.result`` is what `train` returned),
    or None before the first run. `metric` is the one the status line and "did not learn"
    read. `stop_label` names the Stop button ("Pause" on a page that can resume). `unit` is
    what one entry of a run's history is ("epoch", or "step" where a run records steps).
    `draw_early`: call `draw` before the first epoch too (a page whose figures show the
    untrained model, so they never vanish after a click). Each run's line starts with a swatch
    of its colour in the figures: `colors` (run name -> colour) where the page chose them, else
    ``toolkit.viz.theme.run_colors`` in the order the runs started, as the figures do.
    """
    state = panel_state(key)
    if start:
        if state.job is not None and state.job.running:
            st.warning("A run of this page is still training: press Stop first, or wait for it to end.")
        else:
            _release(state)
            state.job, state.shown_end = Job(key, train, metric=metric, unit=unit, refresh=refresh), False
    if state.job is None:
        _draw_history(state)
        return None
    _panel(key, state, draw, stop_label, refresh, draw_early, colors)
    _draw_history(state)
    return state.job


def finished(job: Job | None):
    """What the panel's ``train`` returned, once its run has ended (None while it trains or before)."""
    return job.result if job is not None and not job.running and job.result else None


def last_result(key: str):
    """What page `key`'s last finished run returned in this session (None before its first, or while one trains):
    read before ``live_panel`` so the next run can reuse a part of it (a trained CLIP, say)."""
    return finished(panel_state(key).job)


def curves(key: str, metric: str, what: str) -> Callable[[Frame], None]:
    """A panel's `draw`: every run's `metric` against the epoch, titled with `what` and the frame's epoch."""
    from toolkit.viz import learning_curves

    def draw(frame: Frame) -> None:
        st.plotly_chart(learning_curves(frame.histories(), metric, title=f"{what}, epoch {frame.epoch} "
                                        "(train dashed, held-out solid)"), key=f"{key}.live")
    return draw


def _release(state: PanelState) -> None:
    """Drops the previous job (its models, frames and compiled functions) before a new one.

    No collection here: a full ``gc.collect`` takes 0.3-1 s in a server holding TensorFlow,
    and a click must show progress within a second. The new job's thread collects the
    released job's cycles when it ends (``Job._main``).
    """
    state.job = None


def _panel(key, state, draw, stop_label, refresh, draw_early, colors) -> None:
    job = state.job
    # Read once for this page run: a job that ends between here and the drawing below must still
    # be drawn running, so that the panel's next refresh shows its end and reruns the page once
    # (which stops the browser's refresh timer). Drawn as ended here, the timer would never stop.
    running_now = job.running

    @st.fragment(run_every=refresh if running_now else None)
    def panel():
        refreshing = _in_fragment_rerun()
        beat = st.empty()  # drawn in every run, so the panel's elements keep their places
        if refreshing:
            _wait(_share_pause(state, refresh), beat)
        running = job.running if refreshing else running_now  # the frame below is drawn for this state
        frame = job.frame
        started = time.perf_counter()
        # The key names the phase as a CSS class (st-key-live-running-<key> / st-key-live-done-<key>),
        # which browser tests and benchmarks/pages.py read.
        phase = "running" if running else "done"
        with st.container(border=True, key=f"live-{phase}-{_css_name(key)}"):
            _status(job, frame, running, key, stop_label, colors)
            if draw is not None and (draw_early or frame.histories()):
                draw(frame)
            if job.error is not None and not running:  # below the figures, which keep their places
                show_error(job.error, doing="training")
        state.draw_seconds = time.perf_counter() - started
        if not running and not state.shown_end:
            state.shown_end = True
            _remember(state, frame)
            if refreshing:
                st.rerun(scope="app")  # the page now shows its results

    panel()


def _share_pause(state: PanelState, refresh: float) -> float:
    """Seconds this panel waits before redrawing, so that a busy server keeps its time for training.

    Drawing is Python and holds the interpreter's lock, so every panel of the process shares one
    core for it. Each live panel redraws at its page's `refresh` while all of them together draw
    at most `DRAW_SHARE` of the time; beyond that (a class training at once) each panel's period
    grows to live panels × its own drawing time / `DRAW_SHARE`, at most `refresh` + `MAX_PAUSE`.
    Measured with benchmarks/classroom.py: without it, 30 Playground panels spent 58 % of the
    server's samples drawing and 3 % training.
    """
    live = sum(1 for job in all_jobs() if job.running)
    period = live * state.draw_seconds / DRAW_SHARE
    return min(MAX_PAUSE, max(0.0, period - refresh))


def _wait(seconds: float, beat) -> None:
    """Sleeps `seconds`, touching `beat` (an ``st.empty``) every `BEAT_SECONDS`: each touch is a point where
    Streamlit hands a click (Stop, any widget) to the page at once instead of after the wait."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(BEAT_SECONDS, left))
        beat.empty()


def _css_name(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", key)


def _in_fragment_rerun() -> bool:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx(suppress_warning=True)
        return bool(ctx and ctx.fragment_ids_this_run)
    except ImportError:
        return False


def _remember(state: PanelState, frame: Frame) -> None:
    state.history.extend(frame.runs.values())
    del state.history[: max(0, len(state.history) - HISTORY)]


def _status(job: Job, frame: Frame, running: bool, key: str, stop_label: str, colors: dict | None) -> None:
    """Stop, progress bar, one line per run, slot use: all of one frame (a training error is shown below the
    figures, so that they keep the places they had while the run trained)."""
    from toolkit.viz.theme import run_colors  # plotly: imported when a panel first draws

    if running:
        top = st.columns([1, 5], vertical_alignment="center")
        top[0].button(stop_label, key=f"{key}.stop", icon=":material/stop_circle:",
                      on_click=job.request_stop, args=(f"you pressed {stop_label}",),
                      help="Stops within about a second; everything trained so far is kept.")
        top[1].caption(_waiting_line(frame) if frame.queue_position else _slots_caption())
    else:  # the Stop row's place stays, so the figures below replace the running panel's own: drawn one place
        st.empty()  # higher, those would stay on screen, faded, until the page's rerun after the run had ended
    run = frame.current
    if running and frame.finishing:
        run = None  # every run has ended: each shows its end state while the page's results are computed
        st.progress(1.0, text=f"Training done · now computing {frame.finishing}…")
    elif run is None:
        st.progress(0.0, text="Preparing the run (building the model, compiling the training loop)…")
    else:
        fraction = min(1.0, run.epochs_done / run.epochs) if run.epochs else 1.0
        st.progress(fraction, text=f"{run.name}: {job.unit} {run.epochs_done} of {run.epochs}"
                    + (FIRST_STEP if run.steps_done and not run.epochs_done else ""))
    for each, color in zip(frame.runs.values(), run_colors(frame.runs, colors).values()):
        _run_line(job, each, running and each is run, color)


def _waiting_line(frame: Frame) -> str:
    return (f"Waiting for a free training slot: number {frame.queue_position} in the queue "
            f"(other students are training). {_slots_caption()}")


def _slots_caption() -> str:
    from toolkit.train import slots_status

    return f"Training slots on this server: {slots_line(slots_status())}."


def _run_line(job: Job, run, active: bool, color: str) -> None:
    numbers = [f"{job.unit} {run.epochs_done}/{run.epochs}"]
    numbers += [f"{k} {run.final(k):.4g}" for k in list(run.history)[:4]]
    if run.wall_time > 0 and run.epochs_per_second >= 0.1:
        numbers.append(f"{run.epochs_per_second:.1f} {job.unit}s/s")
    elif run.epochs_done:  # a slow run: "0.0 epochs/s" would say nothing
        numbers.append(f"{run.wall_time / run.epochs_done:.1f} s/{job.unit}")
    swatch = f':color[━━]{{foreground="{color}"}}'  # the run's line in the figures
    line = f"{swatch} **{run.name}** · " + " · ".join(numbers)
    if active or run.status in ("pending", "running"):
        st.caption(line)
        return
    state = outcome(run, job.metric)
    box, title = END_STATES.get(state, ("info", state.capitalize()))
    getattr(st, box)(f"**{title}** · {line}. {_explain(job, run, state)}")


def _explain(job: Job, run, state: str) -> str:
    if state == "stopped":
        reason = job.stop_reason or "the run was stopped"
        return (f"Stopped after {job.unit} {run.epochs_done} of {run.epochs} because {reason}; "
                f"the curves show every {job.unit} finished before that.")
    if state == "did not learn":
        from toolkit.train.diagnosis import why_not_learned

        return why_not_learned(run, job.metric if job.metric in run.history else "loss")
    if state == "diverged":
        return run.message
    return f"{run.epochs_done} {job.unit}{'' if run.epochs_done == 1 else 's'} in {run.wall_time:.1f} s."


def _draw_history(state: PanelState) -> None:
    if len(state.history) < 2:
        return
    with st.expander(f"Runs in this session ({len(state.history)})"):
        table([run_row(run) for run in reversed(state.history)])


def run_row(run) -> dict:
    """One table row of a finished run: name, end state, epochs, final metrics, time."""
    row = {"run": run.name, "end": outcome(run), "epochs": f"{run.epochs_done}/{run.epochs}"}
    row.update({key: float(f"{run.final(key):.4g}") for key in run.history})
    row["seconds"] = round(run.wall_time, 2)
    return row
