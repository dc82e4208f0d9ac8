"""What the server is doing now, for the teacher: sessions, training slots, runs, memory, CPU.

``sample()`` reads this process (one Streamlit server; behind a load balancer each replica
reports its own) and keeps the last ``HISTORY_SECONDS`` of samples process-wide, at most one
per ``SAMPLE_SECONDS`` however many Instructor pages are open. Every reading that fails
(another operating system, a Streamlit without the session manager) is None, never an error.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import threading
import time

SAMPLE_SECONDS = 1.0
HISTORY_SECONDS = 600
_HISTORY: collections.deque = collections.deque(maxlen=int(HISTORY_SECONDS / SAMPLE_SECONDS))
_LOCK = threading.Lock()
_UNLIMITED = 2**60  # cgroup v1 writes a huge number for "no limit"


@dataclasses.dataclass(frozen=True)
class Sample:
    """One reading of the server.

    Attributes:
        time: seconds since the epoch.
        sessions: browser sessions connected to this server.
        capacity, busy, waiting: training slots, those in use, runs queued for one.
        runs: runs training or queued.
        rss: bytes of memory the server process holds.
        memory_limit: bytes it may use (its container's limit, else the machine's memory).
        cpu: cores the process used since the previous sample.
        cores: cores it may use.
    """

    time: float
    sessions: int | None
    capacity: int
    busy: int
    waiting: int
    runs: int
    rss: int | None
    memory_limit: int | None
    cpu: float | None
    cores: int


def sample() -> Sample:
    """Reads the server now; appends to the history unless the last sample is fresher than
    ``SAMPLE_SECONDS``."""
    from demos.ui.live import all_jobs
    from toolkit.train import slots_status

    slots = slots_status()
    now, cpu_seconds = time.time(), _cpu_seconds()
    with _LOCK:
        last = _HISTORY[-1] if _HISTORY else None
        if last is not None and now - last[0].time < SAMPLE_SECONDS:
            return last[0]
        cpu = None if last is None else max(0.0, cpu_seconds - last[1]) / max(now - last[0].time, 1e-6)
        reading = Sample(time=now, sessions=_sessions(), capacity=slots["capacity"], busy=slots["busy"],
                         waiting=slots["waiting"], runs=sum(1 for job in all_jobs() if job.running),
                         rss=_rss(), memory_limit=_memory_limit(), cpu=cpu, cores=len(os.sched_getaffinity(0))
                         if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
        _HISTORY.append((reading, cpu_seconds))
        return reading


def history() -> list[Sample]:
    """The samples of the last ``HISTORY_SECONDS``, oldest first."""
    with _LOCK:
        return [reading for reading, _ in _HISTORY]


def active_runs() -> list[dict]:
    """One row per run training or queued on this server: its page, state, epoch, time."""
    from demos.ui.live import all_jobs

    rows = []
    for job in all_jobs():
        if not job.running:
            continue
        frame, run = job.frame, job.frame.current
        rows.append({
            "page": job.key,
            "state": f"waiting for a slot (#{frame.queue_position})" if frame.queue_position else "training",
            "run": run.name if run is not None else "starting",
            "progress": f"{run.epochs_done} / {run.epochs} {job.unit}s" if run is not None else "–",
            "seconds": round(time.monotonic() - job.started),
        })
    return rows


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _sessions() -> int | None:
    try:
        from streamlit.runtime import Runtime

        return Runtime.instance()._session_mgr.num_active_sessions()  # no public count in Streamlit 1.67
    except Exception:
        return None


def _rss() -> int | None:
    try:
        with open("/proc/self/statm") as file:
            return int(file.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _memory_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as file:
                text = file.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < _UNLIMITED:
            return int(text)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):
        return None
