"""Full-page screenshots of the demo app, and the app/browser plumbing the browser tests share.

    PYTHONPATH=. .venv/bin/python -m tests.demos.screenshot home datasets --out /tmp/shots
    PYTHONPATH=. .venv/bin/python -m tests.demos.screenshot optimization --click Train --out /tmp/shots
    PYTHONPATH=. .venv/bin/python -m tests.demos.screenshot "autoencoders?c_epochs=1" \
        --tab "Compare generative models" --click Compare --out /tmp/shots

Starts ``streamlit run demos/app.py`` headless on a free port, opens each page (its url_path
in ``demos.app.PAGES``; no argument means every page) in Debian's chromium, waits until the
script has finished running, optionally opens tabs and clicks buttons by their labels (--tab
and --click repeat, in the given order) and waits again, then saves ``DIR/<url_path>.png``.
A url_path may carry URL parameters ("page?name=value") to start the page from small
settings. Never runs ``playwright install``: the browser is /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """``streamlit run demos/app.py`` in a subprocess, for the duration of a ``with`` block."""

    def __init__(self, port: int | None = None, env: dict | None = None, startup_s: float = 120):
        self.port = port or free_port()
        self.env = {**os.environ, **(env or {})}
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), self.env.get("PYTHONPATH")]))
        self.env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        self.startup_s = startup_s
        self.log = tempfile.NamedTemporaryFile("w+", prefix="streamlit-", suffix=".log", delete=False)
        self.process: subprocess.Popen | None = None

    def url(self, url_path: str = "") -> str:
        """The page's address; the router's default page (Home) lives at the root."""
        from demos.app import PAGES

        default = next(iter(PAGES.values()))[0][3]
        return f"http://127.0.0.1:{self.port}/{'' if url_path == default else url_path}"

    def __enter__(self) -> AppServer:
        command = [sys.executable, "-m", "streamlit", "run", "demos/app.py", "--server.headless", "true",
                   "--server.port", str(self.port), "--server.address", "127.0.0.1"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.process.returncode}:\n{self.output()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url("_stcore/health"), timeout=2) as reply:
                    if reply.status == 200:
                        return self
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise TimeoutError(f"streamlit did not answer /_stcore/health in {self.startup_s} s:\n{self.output()}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def output(self) -> str:
        """What the server printed so far (for failure messages)."""
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-5000:]


def launch_browser(playwright):
    """Headless Debian chromium with networking extras switched off."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def wait_until_idle(page, timeout_s: float = 120, settle_s: float = 1.0) -> None:
    """Waits until the app's script has run and stayed finished for `settle_s` seconds."""
    deadline = time.monotonic() + timeout_s
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"the app was still running after {timeout_s} s")
        page.wait_for_selector(IDLE, state="attached", timeout=remaining * 1000)
        page.wait_for_timeout(settle_s * 1000)
        if page.locator(IDLE).count() and page.locator(f'[data-testid="stMain"] h1, {EXCEPTION}').count():
            return


def page_problems(page) -> list[str]:
    """What a student must never see, as text: exceptions, error boxes, a visible "Page not
    found", a figure with nothing drawn in it, and "nan" in a table or a text."""
    problems = [f"exception: {text.strip()[:500]}" for text in page.locator(EXCEPTION).all_inner_texts()]
    problems += [f"error box: {text.strip()[:300]}" for text in page.locator(ERROR_BOX).all_inner_texts()]
    not_found = page.get_by_text("Page not found")
    if not_found.count() and not_found.first.is_visible():
        problems.append("Streamlit says: Page not found")
    problems += [f"empty figure: {title!r}" for title in page.evaluate(_EMPTY_FIGURES_JS)]
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text() if main.count() else ""
    problems += [f"'nan' shown: …{text[max(0, m.start() - 60):m.end() + 20]!r}…"
                 for m in re.finditer(r"(?<![\w.])nan(?![\w])", text)]
    return problems


# An error box is st.error; the live panel's "Diverged" end state is one on purpose.
ERROR_BOX = ('[data-testid="stAlertContentError"]:not(:has-text("Diverged"))')

# A plotly chart whose every trace is empty (no x, y, z, values or image source).
_EMPTY_FIGURES_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(el => el.data && !el.data.some(t => ['x', 'y', 'z', 'values', 'source', 'a', 'r', 'lat']
        .some(k => t[k] !== undefined && t[k] !== null && (t[k].length === undefined || t[k].length > 0))))
    .map(el => (el.layout && el.layout.title && el.layout.title.text) || '(untitled)')"""


def expand_to_content(page, width: int, max_height: int = 8000) -> None:
    """Grows the viewport to the app's content height: Streamlit scrolls inside its main
    container, so a plain full-page screenshot would stop at the first screen."""
    height = page.evaluate("""() => Math.max(...['stMain', 'stMainBlockContainer', 'stSidebarContent']
        .map(id => document.querySelector(`[data-testid="${id}"]`))
        .filter(Boolean).map(el => el.scrollHeight))""")
    page.set_viewport_size({"width": width, "height": int(min(max(height + 40, 600), max_height))})
    page.wait_for_timeout(1500)  # plotly charts re-layout to the new size


LIVE_RUNNING, LIVE_DONE = '[class*="st-key-live-running-"]', '[class*="st-key-live-done-"]'


def click_button(page, label: str, timeout_s: float = 300) -> None:
    """Clicks the first button labelled `label` and waits for the rerun to finish.

    A click that starts a run shows the live panel (``demos.ui.live``); then this also
    waits until every live panel on the page shows its end state.
    """
    page.get_by_role("button", name=label, exact=True).first.click()
    page.wait_for_timeout(500)
    wait_until_idle(page, timeout_s)
    if page.locator(LIVE_RUNNING).count():
        page.wait_for_selector(LIVE_RUNNING, state="detached", timeout=timeout_s * 1000)
        wait_until_idle(page, timeout_s)


# One read of every live panel on the page: its phase, the progress-bar text, the epoch (or
# step) numbers in the progress bar and in its figures' titles, and how many figures it has.
# Elements Streamlit marks stale (faded while a rerun replaces them) are left out: they are the frame before.
_PANELS_JS = """() => {
  const fresh = (root, selector) => [...root.querySelectorAll(selector)].filter(e => !e.closest('[data-stale="true"]'));
  return fresh(document, '[class*="st-key-live-"]').map(panel => ({
    phase: [...panel.classList].some(c => c.startsWith('st-key-live-done-')) ? 'done' : 'running',
    progress: fresh(panel, '[data-testid="stProgress"]').map(e => e.innerText).join(' '),
    titles: fresh(panel, '.js-plotly-plot .gtitle').map(e => e.textContent),
    figures: fresh(panel, '[data-testid="stPlotlyChart"]').length,
    states: fresh(panel, '[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentWarning"],'
                         + '[data-testid="stAlertContentError"]').map(e => e.innerText.split(' · ')[0]),
    ended: fresh(panel, '[data-testid^="stAlertContent"]').map(e => e.innerText).join(' '),
  }));
}"""
_COUNT = re.compile(r"\b(?:epoch|step|update)s? (\d+)", re.IGNORECASE)
_DONE_COUNT = re.compile(r"\b(?:epoch|step|update) (\d+)/\d+")  # a run's end line: "epoch 1/1"


def panel_epochs(panel: dict) -> tuple[int | None, list[int]]:
    """(the epoch in the panel's progress bar, the epochs named in its figure titles)."""
    bar = _COUNT.findall(panel["progress"])
    return (int(bar[-1]) if bar else None), [int(n) for title in panel["titles"] for n in _COUNT.findall(title)]


def reveal_button(page, label: str, timeout_s: float = 10):
    """The first visible button labelled `label`, opening tabs one by one until one shows.

    Looks again for up to `timeout_s`: a page that reruns (a fragment's final rerun, a
    first visit's second pass) hides its elements for a moment.
    """
    buttons = page.get_by_role("button", name=label, exact=True)
    deadline = time.monotonic() + timeout_s
    while True:
        tabs = page.get_by_role("tab")
        for index in range(tabs.count() + 1):
            visible = [b for b in buttons.all() if b.is_visible()]
            if visible:
                return visible[0]
            if index < tabs.count():
                tabs.nth(index).click()
                page.wait_for_timeout(300)
        if time.monotonic() > deadline:
            raise LookupError(f"no visible button {label!r}, in any tab")
        page.wait_for_timeout(500)


def _note(seen: dict, panel: dict, now: float, epoch, titled, stable: bool, final: bool = False) -> None:
    from demos.ui.live import FIRST_STEP

    # A one-epoch run can end between two reads: once it has ended, its end line's "epoch 1/1" counts
    # as the progress seen (only then: an earlier run's panel may still show its end line after the click).
    ended = final and any(int(n) > 0 for n in _DONE_COUNT.findall(panel.get("ended", "")))
    if (epoch or ended or FIRST_STEP.strip(" ·…") in panel["progress"]) and seen["first_progress"] is None:
        seen["first_progress"] = now
    if panel["figures"] and seen["first_figure"] is None:
        seen["first_figure"] = now
    seen["last_epoch"] = max(seen["last_epoch"], epoch or 0)
    if stable and epoch is not None and any(t != epoch for t in titled):
        seen["mismatches"].append((epoch, titled))


def watch_training(page, label: str = "Train", timeout_s: float = 300, poll_s: float = 0.2,
                   stop_at_figure: bool = False) -> dict:
    """Clicks `label` and follows the live panel until it shows its end state.

    Returns seconds from the click to the first progress (a run's first optimizer step), to the first
    figure in the panel and to the end state, the last epoch seen, the end states, and every
    read in which the progress bar and a figure title named different epochs. With `stop_at_figure`,
    the panel's Stop (or Pause) button is pressed once the first live figure shows (``stopped``: when).
    """
    reveal_button(page, label).click()
    started, seen = time.monotonic(), {"first_progress": None, "first_figure": None, "done": None,
                                       "last_epoch": 0, "mismatches": [], "states": [], "stopped": None}
    running, previous = False, {}
    while time.monotonic() - started < timeout_s:
        panels = page.evaluate(_PANELS_JS)
        now = time.monotonic() - started
        for index, panel in enumerate(panels):
            epoch, titled = panel_epochs(panel)
            # Plotly redraws a little after the progress bar: a mismatch counts only when the
            # same progress and titles stayed on screen for three reads in a row.
            history = previous.setdefault(index, [])
            history.append((epoch, titled))
            stable = len(history) >= 3 and len(set(map(repr, history[-3:]))) == 1
            _note(seen, panel, now, epoch, titled, stable)
        running = running or any(p["phase"] == "running" for p in panels)
        if stop_at_figure and seen["first_figure"] is not None and seen["stopped"] is None:
            stop = page.locator(f"{LIVE_RUNNING} button").filter(has_text=re.compile(r"(Stop|Pause)$"))
            if stop.count():
                stop.first.click()
                seen["stopped"] = now
        # An old panel of an earlier run may still show "done" right after the click, and a
        # panel that just ended is redrawn once by the page's rerun: done means end states shown.
        states = [state for p in panels for state in p["states"]]
        if panels and all(p["phase"] == "done" for p in panels) and states and (running or now > 3):
            seen["done"], seen["states"] = now, states
            last = None
            for _ in range(10):  # the last frame's figures, once the page's final rerun has drawn them and
                page.wait_for_timeout(500)  # two reads agree (stale elements leave during the rerun)
                panels = page.evaluate(_PANELS_JS)
                reading = [(p["progress"], p["titles"]) for p in panels]
                if any(p["figures"] for p in panels) and reading == last:
                    break
                last = reading
            for panel in panels:
                _note(seen, panel, time.monotonic() - started, *panel_epochs(panel), stable=True, final=True)
            return seen
        time.sleep(poll_s)
    return seen


def screenshot_pages(url_paths: list[str], out: Path, click: str | None = None,
                     width: int = 1400, height: int = 900, steps: list[tuple[str, str]] = ()) -> list[Path]:
    """Saves one full-page PNG per url_path into `out`; returns their paths.

    `steps` are ("tab", label) / ("click", label) actions done in order before `click`.
    """
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with AppServer() as server, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        for url_path in url_paths:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(server.url(url_path), wait_until="domcontentloaded")
            wait_until_idle(page)
            for action, label in [*steps, *([("click", click)] if click else [])]:
                if action == "tab":
                    page.get_by_role("tab", name=label).first.click()
                    page.wait_for_timeout(500)
                else:
                    click_button(page, label)
            for problem in page_problems(page):
                print(f"{url_path}: {problem}", file=sys.stderr)
            expand_to_content(page, width)
            path = out / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', url_path) or 'home'}.png"
            page.screenshot(path=str(path), full_page=True)
            saved.append(path)
            print(path)
            page.close()
        browser.close()
    return saved


def all_url_paths() -> list[str]:
    from demos.app import PAGES

    return [entry[3] for entries in PAGES.values() for entry in entries]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="url paths of pages (default: every page)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--click", action="append", dest="steps", type=lambda label: ("click", label), metavar="LABEL",
                        default=[], help="label of a button to click before the screenshot (repeatable)")
    parser.add_argument("--tab", action="append", dest="steps", type=lambda label: ("tab", label), metavar="LABEL",
                        help="label of a tab to open (repeatable; --tab and --click run in the given order)")
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args(argv)
    screenshot_pages(args.pages or all_url_paths(), args.out, width=args.width, steps=args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
