"""A class of simulated students on one server: page load, click -> progress, click -> done.

    PYTHONPATH=. .venv/bin/python benchmarks/classroom.py                      # N = 1, 10, 30 on the Playground
    PYTHONPATH=. .venv/bin/python benchmarks/classroom.py -n 1 5 --page "playground?epochs=100"
    PYTHONPATH=. .venv/bin/python benchmarks/classroom.py -n 30 --replicas 2           # 2 servers behind nginx
    PYTHONPATH=. .venv/bin/python benchmarks/classroom.py --url http://127.0.0.1:8080   # a running server

Each student is a websocket client that speaks Streamlit's own protocol (the protobuf
``BackMsg`` / ``ForwardMsg`` that Streamlit ships), as the browser does, without rendering
anything: the harness costs the server no CPU for drawing, and its own CPU time is printed.
A student opens the page (``rerun_script`` with the page name and the query string, which
sets the page's widgets as a shared lesson link does), waits until every student has loaded
it, clicks Train (the button's ``trigger_value``), answers the live panel's ``auto_rerun``
requests at their interval as the browser's timer does, and reads what the panel shows:
the first progress (a run's first optimizer step), queue positions ("number k in the
queue"), and the end state with its epochs ("**Finished** · ... epoch 300/300").

Without ``--url`` it starts ``streamlit run demos/app.py`` on loopback (``--replicas`` of them,
behind Debian's nginx with ``deploy/nginx.conf`` when more than one: each student carries its own
``route`` cookie, as a browser does after its first page), opens the page once on each to warm it
(the cold load is printed), and samples the servers' RSS, CPU and threads from ``/proc``; with
``--url`` (loopback only) it reads the servers whose ``--pid`` are given, or prints no server columns. Bounded: at most ``MAX_STUDENTS`` students, ``--timeout`` seconds
per class. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MAX_STUDENTS = 200
MAX_REPLICAS = 8
NGINX = "/usr/sbin/nginx"
READ_SECONDS = 2.0  # a student reads the page before clicking, as in benchmarks/pages.py
LINGER = 2.0  # seconds a student stays after the end, to see that the panel stopped refreshing
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TRAIN_LABELS = ("Train", "Compare", "Race")
END_LINE = re.compile(r"^\*\*(Finished|Did not learn|Stopped|Diverged)\*\* · .*?\*\*(.+?)\*\* · (\w+) (\d+)/(\d+)")
PROGRESS = re.compile(r"(\w+) (\d+) of (\d+)")
QUEUE = re.compile(r"number (\d+) in the queue")
SLOTS = re.compile(r"Training slots:\*\* (\d+) of (\d+) busy")  # the sidebar's line


@dataclasses.dataclass
class Seen:
    """What one student saw, in seconds from their page request or their click."""

    load: float | None = None
    first_progress: float | None = None
    done: float | None = None
    runs: dict = dataclasses.field(default_factory=dict)  # run name -> (end state, done, requested)
    queue_positions: list = dataclasses.field(default_factory=list)
    slots: int | None = None  # the server's training slots, from its sidebar
    refreshing_after_end: bool = False  # the panel's refresh timer still ran 2 s after the end
    errors: list = dataclasses.field(default_factory=list)


class Student:
    """One browser tab, as the server sees it: a websocket session of the app."""

    def __init__(self, url: str, page: str, read_seconds: float = 0.0):
        path, _, query = page.partition("?")
        base = urllib.parse.urlsplit(url)
        self.stream = f"ws://{base.netloc}/_stcore/stream"
        self.page_name, self.query, self.read_seconds = path, query, read_seconds
        self.page_hash = ""
        self.buttons: dict[str, str] = {}  # label -> widget id
        self.timers: dict[str, asyncio.Task] = {}  # fragment id -> its auto-rerun task
        self.seen = Seen()
        self.clicked: float | None = None
        self.fragment_run = False  # whether the script run in progress reruns a fragment only
        self.page_ran = False  # whether a run of the whole page finished since the panel began refreshing
        self.phase = "connecting"  # what the student was doing, for the error messages
        self.recent: collections.deque = collections.deque(maxlen=30)  # the last messages, for errors

    # -- what the browser sends ------------------------------------------------------------
    async def rerun(self, ws, *, trigger: str | None = None, fragment: str = "") -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.query_string, state.page_name, state.page_script_hash = self.query, self.page_name, self.page_hash
        if fragment:
            state.fragment_id, state.is_auto_rerun = fragment, True
        if trigger:
            state.widget_states.widgets.add(id=trigger, trigger_value=True)
        await ws.send(message.SerializeToString())

    async def auto_rerun(self, ws, fragment: str, interval: float) -> None:
        while True:  # the browser's setInterval: cancelled by stop_auto_rerun or the next full run
            await asyncio.sleep(interval)
            await self.rerun(ws, fragment=fragment)

    # -- what the server sends -------------------------------------------------------------
    def read(self, ws, data: bytes, now: float) -> str | None:
        """Handles one ForwardMsg; returns its type."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = ForwardMsg()
        message.ParseFromString(data)
        kind = message.WhichOneof("type")
        if kind == "navigation":  # st.navigation names the page that ran: later reruns ask for it
            self.page_hash = message.navigation.page_script_hash
        elif kind == "script_finished":
            self.page_ran = self.page_ran or (not self.fragment_run and self.clicked is not None)
            self.recent.append(f"{now - (self.clicked or now):.1f} {'fragment' if self.fragment_run else 'page'} "
                               f"finished ({message.script_finished}), {len(self.seen.runs)} end states seen")
        elif kind == "new_session":
            self.recent.append(f"{now - (self.clicked or now):.1f} start {list(message.metadata.run.fragment_ids)}")
            self.fragment_run = bool(message.metadata.run.fragment_ids)
            if not self.fragment_run:  # a full run: the browser drops its timers
                self.cancel_timers()
        elif kind == "auto_rerun":
            fragment = message.auto_rerun.fragment_id
            if fragment not in self.timers:
                self.page_ran = False  # the page must run in full again after the panel stops refreshing
                self.timers[fragment] = asyncio.create_task(self.auto_rerun(ws, fragment, message.auto_rerun.interval))
        elif kind == "stop_auto_rerun":
            self.cancel_timers(message.stop_auto_rerun.fragment_ids)
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self.element(message.delta.new_element, now)
        return kind

    def element(self, element, now: float) -> None:
        kind = element.WhichOneof("type")
        if kind == "button" and element.button.label in TRAIN_LABELS:
            self.buttons.setdefault(element.button.label, element.button.id)
        elif kind == "markdown" and (slots := SLOTS.search(element.markdown.body)):
            self.seen.slots = int(slots[2])
        elif kind == "exception":
            self.seen.errors.append(f"{element.exception.type}: {element.exception.message}"[:200])
        elif self.clicked is None:
            return
        elif kind == "progress":
            match = PROGRESS.search(element.progress.text)
            started = match and (int(match[2]) > 0 or "first step" in element.progress.text)
            if started and self.seen.first_progress is None:
                self.seen.first_progress = now - self.clicked
        elif kind == "markdown" and (queued := QUEUE.search(element.markdown.body)):
            self.seen.queue_positions.append(int(queued[1]))
        elif kind == "alert" and (line := END_LINE.search(element.alert.body)):
            state, name, _, done, requested = line.groups()
            self.seen.runs[name] = (state, int(done), int(requested))

    def cancel_timers(self, fragments=None) -> None:
        for fragment in list(fragments if fragments is not None else self.timers):
            task = self.timers.pop(fragment, None)
            if task is not None:
                task.cancel()

    # -- one lesson --------------------------------------------------------------------------
    async def attend(self, loaded: asyncio.Barrier, timeout: float) -> Seen:
        from websockets.asyncio.client import connect

        try:
            # No client pings: a browser answers the server's pings but sends none of its own.
            # The `route` cookie a browser got with the page: a balancer keeps the student on one replica.
            async with connect(self.stream, subprotocols=["streamlit"], max_size=None, open_timeout=timeout,
                               ping_interval=None, additional_headers={"Cookie": f"route={uuid.uuid4().hex}"}) as ws:
                await asyncio.wait_for(self.lesson(ws, loaded), timeout)
        except Exception as error:  # a lost connection, a timeout, a page without Train: the row's errors
            self.seen.errors.append(f"{type(error).__name__} while {self.phase}: {error}"[:200])
            if os.environ.get("CLASSROOM_DEBUG"):
                print(f"  last messages: {list(self.recent)}", flush=True)
            with_barrier_broken(loaded)
        finally:
            self.cancel_timers()
        return self.seen

    async def lesson(self, ws, loaded: asyncio.Barrier) -> None:
        started, self.phase = time.monotonic(), "loading the page"
        await self.rerun(ws)
        await self.until(ws, lambda kind: kind == "script_finished")
        self.seen.load, self.phase = time.monotonic() - started, "waiting for the class to load"
        await loaded.wait()  # the class has the page: each student reads it, then clicks
        await asyncio.sleep(self.read_seconds)
        label = next((name for name in TRAIN_LABELS if name in self.buttons), None)
        if label is None:
            raise LookupError(f"no {' / '.join(TRAIN_LABELS)} button on {self.page_name!r}")
        self.clicked, self.phase = time.monotonic(), "training"
        await self.rerun(ws, trigger=self.buttons[label])
        # Done: the panel showed the end state, the page ran in full since the click (it draws the results)
        # and no refresh timer is left. Streamlit merges queued deltas of one path into one message, so under
        # load the page run's end state may arrive before or after its script_finished: both are counted.
        await self.until(ws, lambda kind: kind == "script_finished" and self.page_ran and self.seen.runs
                         and not self.timers)
        self.seen.done = time.monotonic() - self.clicked
        with contextlib.suppress(asyncio.TimeoutError):  # a finished panel must stop refreshing
            await asyncio.wait_for(self.until(ws, lambda kind: False), LINGER)
        self.seen.refreshing_after_end = bool(self.timers)

    async def until(self, ws, condition) -> None:
        while True:
            data = await ws.recv()
            if condition(self.read(ws, data, time.monotonic())):
                return


def with_barrier_broken(barrier: asyncio.Barrier) -> None:
    """A student who failed before the click must not keep the class waiting for them."""
    if not barrier.broken:
        asyncio.get_running_loop().create_task(barrier.abort())


async def lesson(url: str, page: str, students: int, timeout: float, read_seconds: float = 0.0) -> list[Seen]:
    loaded = asyncio.Barrier(students)
    class_ = [Student(url, page, read_seconds) for _ in range(students)]
    watcher = asyncio.create_task(report_phases(class_))
    try:
        return await asyncio.gather(*(student.attend(loaded, timeout) for student in class_))
    finally:
        watcher.cancel()


async def report_phases(class_: list[Student], every: float = 15.0) -> None:
    """Prints, every `every` seconds, how many students are in each phase (a long class is not silent)."""
    started = time.monotonic()
    while True:
        await asyncio.sleep(every)
        phases = collections.Counter("done" if s.seen.done is not None else s.phase for s in class_)
        print(f"  {time.monotonic() - started:.0f} s: " + ", ".join(f"{n} {phase}" for phase, n in phases.items()),
              flush=True)


# ---------------------------------------------------------------- the server, from /proc
class ServerProbe:
    """Samples the servers' resident memory, CPU time and threads (summed) every `every` seconds."""

    def __init__(self, pids: list[int], every: float = 0.25):
        self.pids, self.every = list(pids), every
        self.samples: list[tuple[float, float, float, int]] = []  # (time, RSS MB, CPU s, threads)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def read(self) -> tuple[float, float, float, int] | None:
        each = [sample for pid in self.pids if (sample := self.read_one(pid)) is not None]
        if not each or len(each) < len(self.pids):
            return None
        return time.monotonic(), *(sum(values) for values in zip(*each))

    @staticmethod
    def read_one(pid: int) -> tuple[float, float, int] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        rss = int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024
        threads = int(re.search(r"Threads:\s+(\d+)", status)[1])
        return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), threads

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            if (sample := self.read()) is not None:
                self.samples.append(sample)

    def __enter__(self) -> ServerProbe:
        if (sample := self.read()) is not None:
            self.samples.append(sample)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if (sample := self.read()) is not None:
            self.samples.append(sample)

    def summary(self) -> dict:
        if len(self.samples) < 2:
            return {}
        (t0, rss0, cpu0, _), (t1, rss1, cpu1, _) = self.samples[0], self.samples[-1]
        return {"rss_start": rss0, "rss_peak": max(s[1] for s in self.samples), "rss_end": rss1,
                "cpu_cores": (cpu1 - cpu0) / max(t1 - t0, 1e-9), "threads": max(s[3] for s in self.samples)}


# ---------------------------------------------------------------- one row per class size
def spread(values: list[float]) -> str:
    """p50 / p95 / max of `values`, in seconds."""
    if not values:
        return "–"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):.1f} / {p95:.1f} / {ordered[-1]:.1f}"


def row(students: int, seen: list[Seen], server: dict, wall: float) -> dict:
    runs = [run for each in seen for run in each.runs.values()]
    complete = sum(1 for state, done, requested in runs if done == requested)
    epochs = sorted({f"{done}/{requested}" for _, done, requested in runs}) or ["–"]
    queue = [position for each in seen for position in each.queue_positions]
    return {
        "students": students, "load": spread([s.load for s in seen if s.load is not None]),
        "first_progress": spread([s.first_progress for s in seen if s.first_progress is not None]),
        "done": spread([s.done for s in seen if s.done is not None]),
        "runs_complete": f"{complete} of {students}", "epochs": ", ".join(epochs[:3]) + (" …" if len(epochs) > 3 else ""),
        "states": ", ".join(sorted({state for state, _, _ in runs})) or "–",
        "errors": sum(len(s.errors) for s in seen) + sum(1 for s in seen if s.done is None and not s.errors),
        "refreshing": sum(s.refreshing_after_end for s in seen), "queue_max": max(queue, default=0), "wall": wall, "slots": max((s.slots or 0 for s in seen), default=0),
        **server,
    }


def print_table(rows: list[dict], page: str) -> None:
    slots = max(r["slots"] for r in rows)
    print(f"\n{page}, {os.cpu_count()} CPU cores, {slots} training slots per server; "
          "times are p50 / p95 / max in seconds\n")
    print("| students | page load | click → first progress | click → done | runs with all epochs | epochs | "
          "end states | errors | panels still refreshing 2 s after the end | largest queue position | server RSS start → peak → end (MB) | server CPU (cores) | "
          "server threads |")
    print("|---:|---|---|---|---|---|---|---:|---:|---:|---|---:|---:|")
    for r in rows:
        rss = f"{r['rss_start']:.0f} → {r['rss_peak']:.0f} → {r['rss_end']:.0f}" if "rss_start" in r else "–"
        cpu = f"{r['cpu_cores']:.2f}" if "cpu_cores" in r else "–"
        print(f"| {r['students']} | {r['load']} | {r['first_progress']} | {r['done']} | {r['runs_complete']} | "
              f"{r['epochs']} | {r['states']} | {r['errors']} | {r['refreshing']} | {r['queue_max']} | {rss} | {cpu} | "
              f"{r.get('threads', '–')} |")


def check_loopback(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"--url must be a loopback address ({', '.join(LOOPBACK)}), received {host!r}: "
                         "the harness loads one server on this machine, never someone else's")
    return url.rstrip("/")


def run_classes(url: str, page: str, sizes: list[int], timeout: float, pids: list[int],
                pause: float, read_seconds: float) -> list[dict]:
    rows = []
    for students in sizes:
        started = time.monotonic()
        with ServerProbe(pids) as probe:
            seen = asyncio.run(lesson(url, page, students, timeout, read_seconds))
        rows.append(row(students, seen, probe.summary(), time.monotonic() - started))
        never = sum(1 for s in seen if s.done is None)
        print(f"N={students}: {rows[-1]['wall']:.0f} s, {rows[-1]['runs_complete']} runs with all epochs, "
              f"{never} never saw their run end", flush=True)
        for error in sorted({e for s in seen for e in s.errors})[:5]:
            print(f"  N={students}: {error}", flush=True)
        time.sleep(pause)  # the runs of this class leave the server (LEAVE_SECONDS is not waited for)
    return rows


def serve_and_run(args) -> list[dict]:
    """Starts `args.replicas` app servers on loopback (behind nginx when more than one), warms each, runs the classes."""
    from tests.demos.screenshot import AppServer

    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(AppServer()) for _ in range(args.replicas)]
        for server in servers:
            started = time.monotonic()
            cold = asyncio.run(lesson(f"http://127.0.0.1:{server.port}", args.page.split("?")[0], 1, args.timeout))[0]
            print(f"cold first page load (imports TensorFlow): {cold.load or float('nan'):.1f} s, "
                  f"then {time.monotonic() - started:.1f} s for its first run")
        url = f"http://127.0.0.1:{servers[0].port}"
        if len(servers) > 1:
            url = stack.enter_context(Balancer([server.port for server in servers]))
            print(f"nginx ({NGINX}) at {url} in front of {len(servers)} replicas, cookie affinity")
        rows = run_classes(url, args.page, args.students, args.timeout, [s.process.pid for s in servers],
                           args.pause, args.read)
        tracebacks = sum(Path(s.log.name).read_text(errors="replace").count("Traceback") for s in servers)
        print(f"server logs: {tracebacks} tracebacks")
    return rows


class Balancer:
    """Debian's nginx on loopback with deploy/nginx.conf, its upstream servers replaced by `ports`."""

    def __init__(self, ports: list[int]):
        from tests.demos.screenshot import free_port

        self.ports, self.port = ports, free_port()
        self.folder = Path(tempfile.gettempdir()) / f"toolkit-nginx-{self.port}"  # made by __enter__
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        text = (Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf").read_text()
        upstream = "".join(f"        server 127.0.0.1:{port};\n" for port in self.ports)
        text = re.sub(r"( *server app-\d+:8501;.*\n)+", upstream, text)
        text = text.replace("listen 8080;", f"listen 127.0.0.1:{self.port};")
        return text.replace("/tmp/toolkit-nginx", str(self.folder / "nginx"))

    def __enter__(self) -> str:
        if not Path(NGINX).exists():
            raise SystemExit(f"--replicas needs nginx at {NGINX} (apt-get install -y nginx)")
        self.folder.mkdir(exist_ok=True)
        conf = self.folder / "nginx.conf"
        conf.write_text(self.config())
        self.process = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.STDOUT,
                                        stdout=(self.folder / "nginx.log").open("w"))
        for _ in range(50):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return f"http://127.0.0.1:{self.port}"
            time.sleep(0.1)
        raise RuntimeError(f"nginx did not listen: {(self.folder / 'nginx.log').read_text()[-2000:]}")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--students", type=int, nargs="+", default=[1, 10, 30],
                        help=f"class sizes, one class after the other (at most {MAX_STUDENTS})")
    parser.add_argument("--page", default="playground", help="url path and query, e.g. 'playground?epochs=100'")
    parser.add_argument("--url", help="a running app on loopback (default: start one here)")
    parser.add_argument("--pid", type=int, nargs="*", default=[],
                        help="with --url: the servers' process ids, for RSS and CPU")
    parser.add_argument("--replicas", type=int, default=1,
                        help="without --url: app servers to start, behind nginx (deploy/nginx.conf) when more than one")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a class may take")
    parser.add_argument("--pause", type=float, default=3, help="seconds between classes")
    parser.add_argument("--read", type=float, default=READ_SECONDS,
                        help="seconds a student reads the page before clicking (as benchmarks/pages.py)")
    args = parser.parse_args(argv)
    if not all(1 <= n <= MAX_STUDENTS for n in args.students):
        parser.error(f"class sizes must be 1 to {MAX_STUDENTS}, received {args.students}")
    if not 1 <= args.replicas <= MAX_REPLICAS:
        parser.error(f"--replicas must be 1 to {MAX_REPLICAS}, received {args.replicas}")
    print(f"harness: websocket clients speaking Streamlit's protocol in one asyncio loop (pid {os.getpid()})")
    if args.url:
        rows = run_classes(check_loopback(args.url), args.page, args.students, args.timeout, args.pid, args.pause,
                           args.read)
    else:
        rows = serve_and_run(args)
    print_table(rows, args.page)
    harness = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\nharness CPU: {harness.ru_utime + harness.ru_stime:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
