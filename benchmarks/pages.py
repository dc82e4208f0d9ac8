"""What a student sees: every page of the app driven in headless Chromium, at its defaults.

    PYTHONPATH=. .venv/bin/python benchmarks/pages.py            # every page
    PYTHONPATH=. .venv/bin/python benchmarks/pages.py race playground

Starts ``streamlit run demos/app.py`` on this machine, opens each page of ``demos.app.PAGES``
in Debian's chromium (one browser, one page at a time), measures the page load, then clicks
its Train button (if it has one) at the page's defaults and follows the live panel
(``tests.demos.screenshot.watch_training``), 2 s after the page loaded: click -> first
progress (the first optimizer step shown), click -> first figure in the panel, click -> end
state, and epochs per second from the click to the last epoch. The browser runs on the same cores as the server, as in a laptop demo.
Targets (issue 12): first progress <= 1 s, first figure <= 3 s, done <= 60 s; Playground
>= 100 epochs/s. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.demos.screenshot import (AppServer, launch_browser, reveal_button, wait_until_idle,  # noqa: E402
                                    watch_training)

TRAIN_LABELS = ("Train", "Compare", "Race")
READ_SECONDS = 2  # a student reads the page before clicking (pages may prepare meanwhile)


def measure(page, server, url_path: str) -> dict:
    started = time.monotonic()
    page.goto(server.url(url_path), wait_until="domcontentloaded")
    wait_until_idle(page, timeout_s=180)
    row = {"page": url_path, "load": time.monotonic() - started}
    page.wait_for_timeout(READ_SECONDS * 1000)
    label = next((name for name in TRAIN_LABELS if has_button(page, name)), None)
    if label is None:
        return row
    seen = watch_training(page, label, timeout_s=600)
    row.update(button=label, **{k: seen[k] for k in ("first_progress", "first_figure", "done", "last_epoch")},
               states=", ".join(dict.fromkeys(seen["states"])), mismatches=len(seen["mismatches"]),
               mismatched=seen["mismatches"][:3])
    if seen["done"] and seen["last_epoch"]:
        row["epochs_per_s"] = seen["last_epoch"] / seen["done"]
    return row


def has_button(page, label: str) -> bool:
    """Whether the page has a button `label`, in any of its tabs (``reveal_button`` opens them)."""
    try:
        reveal_button(page, label, timeout_s=0)
    except LookupError:
        return False
    return True


def cell(value, digits=1) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    from demos.app import PAGES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", help="url paths (default: every page)")
    args = parser.parse_args(argv)
    url_paths = args.pages or [entry[3] for entries in PAGES.values() for entry in entries]
    rows = []
    with AppServer() as server, sync_playwright() as playwright:
        browser = launch_browser(playwright)
        for url_path in url_paths:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            try:
                rows.append(measure(page, server, url_path))
            except Exception as error:  # one page failing must not hide the others
                rows.append({"page": url_path, "states": f"error: {type(error).__name__}: {error}"[:80]})
            finally:
                page.close()
            print(rows[-1], file=sys.stderr, flush=True)
        browser.close()
    print(f"\nPages at their defaults in headless Chromium, {os.cpu_count()} CPU cores "
          "(seconds from the click; first load includes importing TensorFlow):\n")
    print("| page | load s | click → first progress s | → first figure s | → done s | last epoch | epochs/s "
          "| end states | epoch mismatches |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for row in rows:
        print(f"| {row['page']} | {cell(row.get('load'))} | {cell(row.get('first_progress'))} | "
              f"{cell(row.get('first_figure'))} | {cell(row.get('done'))} | {cell(row.get('last_epoch'))} | "
              f"{cell(row.get('epochs_per_s'), 0)} | {row.get('states', '')} | {cell(row.get('mismatches'))} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
