"""Every page of the running app loads in headless Chromium without an exception.

Starts ``streamlit run demos/app.py`` on a free port, opens http://127.0.0.1:PORT/<url_path>
for every page of ``demos.app.PAGES``, waits until the script has finished, and fails on
what a student must never see (``screenshot.page_problems``: an exception, an error box, a
visible "Page not found", an empty figure, "nan" in a table). Uses Debian's /usr/bin/chromium.
A page that trains is opened once, with its smallest run's settings in the address, checked
as it opens and then trained; the others are only opened (each page load costs seconds).

With ``SCREENSHOT_DIR=docs/screenshots`` set, every page is also saved at 1400 px, at its
defaults (``<url_path>.png``) and after its smallest run (``<url_path>-trained.png``): the
screenshots to look at before a page's issue is resolved.
"""

from __future__ import annotations

import os
import urllib.parse

import pytest

from tests.demos.conftest import SMALLEST_RUN, page_params
from tests.demos.screenshot import (CHROMIUM, LIVE_DONE, AppServer, expand_to_content, launch_browser,
                                    page_problems, wait_until_idle, watch_training)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),  # one app server and one Chromium for the whole file
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is not installed (apt-get install chromium)"),
]


def save_screenshot(page, name: str) -> None:
    """Saves the whole page as SCREENSHOT_DIR/<name>.png when SCREENSHOT_DIR is set."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        expand_to_content(page, 1400)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def app_server():
    with AppServer() as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


def open_cleanly(app_server, page, url_path: str, query: str = "") -> None:
    """Opens the page (with `query`, URL parameters) and fails on any problem a student would see, a missing
    title or a missing shared sidebar (the page was not rendered through the router, demos/app.py)."""
    page.goto(app_server.url(url_path) + (f"?{query}" if query else ""), wait_until="domcontentloaded")
    wait_until_idle(page, timeout_s=180)
    problems = page_problems(page)
    assert not problems, f"{url_path}: {problems}\nserver log:\n{app_server.output()}"
    assert page.locator('[data-testid="stMain"] h1').count() >= 1, f"{url_path} shows no title"
    sidebar = page.locator('[data-testid="stSidebarUserContent"]')
    assert sidebar.count() and "This server" in sidebar.inner_text(), \
        f"{url_path} was not rendered through the router (demos/app.py): no shared sidebar"


def training_params() -> list:
    """The pages that train, each with its smallest run (``SMALLEST_RUN``)."""
    return [param for param in page_params() if param.values[2] in SMALLEST_RUN]


def other_params() -> list:
    """The pages that do not train: opened at their defaults only."""
    return [param for param in page_params() if param.values[2] not in SMALLEST_RUN]


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("path", "title", "url_path"), other_params())
def test_page_loads_in_the_browser_without_errors(app_server, browser, path, title, url_path):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        open_cleanly(app_server, page, url_path)
        save_screenshot(page, url_path or "home")
    finally:
        page.close()


@pytest.mark.timeout(300)
def test_an_unknown_page_is_reported(app_server, browser):
    """The check for "Page not found" works: an unknown url_path triggers it."""
    page = browser.new_page()
    try:
        page.goto(app_server.url("no-such-page"), wait_until="domcontentloaded")
        wait_until_idle(page, timeout_s=180)
        assert "Streamlit says: Page not found" in page_problems(page)
    finally:
        page.close()


@pytest.mark.timeout(300)
def test_two_deep_links_at_once_are_the_first_visits_of_a_fresh_server(browser):
    """A shared lesson link is often the first request a classroom server gets, from many
    students at once: both pages load through the router, with no import race."""
    last_pages = [param.values[2] for param in page_params()[-2:]]
    with AppServer() as server:
        pages = [browser.new_page(viewport={"width": 1400, "height": 900}) for _ in last_pages]
        try:
            for page, url_path in zip(pages, last_pages):
                page.goto(server.url(url_path), wait_until="commit")
            for page, url_path in zip(pages, last_pages):
                wait_until_idle(page, timeout_s=180)
                problems = page_problems(page)
                assert not problems, f"{url_path}: {problems}\nserver log:\n{server.output()}"
                assert page.locator('[data-testid="stMain"] h1').count() >= 1
                assert page.locator('[data-testid="stSidebarNav"]').count() == 1
            assert "ImportError" not in server.output() and "Traceback" not in server.output()
        finally:
            for page in pages:
                page.close()


# The pages whose smallest run takes longest in the browser (15-30 s on 2 cores) press Stop at their first
# live figure, so Stop is tested in a real browser (AppTest runs every page's smallest run to its end:
# test_pages_apptest.py). Stop is honoured between compiled chunks: a one-epoch run may still finish.
STOP_AT_FIGURE = {"flip", "text_to_image", "progressive_gan", "masked_images", "generative_comparison", "transformers",
                  "text_gan", "filip", "gan_variants", "imagebind", "diffusion", "clip", "sequence", "style_gan"}


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("path", "title", "url_path"), training_params())
def test_train_shows_live_progress_and_figures_of_one_epoch(app_server, browser, path, title, url_path):
    """The page opens cleanly with its smallest run's settings, and clicking Train shows progress and a live
    figure in the panel, then an end state (Stopped, on the pages that press Stop at their first figure,
    unless the run ended first). With SCREENSHOT_DIR set, the page is first saved at its defaults.

    That every figure of a frame shows one epoch is checked in AppTest (test_live_panel.py);
    here a title may name another epoch on purpose ("at epoch 0" for the initial weights), so
    benchmarks/pages.py only reports the titles that differ from the progress bar.

    How fast (issue 12's targets: progress within 1-2 s, a figure within 3-5 s) is measured by
    benchmarks/pages.py and never asserted here: these machines are noisy.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        if os.environ.get("SCREENSHOT_DIR"):
            open_cleanly(app_server, page, url_path)
            save_screenshot(page, url_path)
            page.set_viewport_size({"width": 1400, "height": 900})
        open_cleanly(app_server, page, url_path, "&".join(f"{k}={v}" for k, v in SMALLEST_RUN[url_path].items()))
        stop = url_path in STOP_AT_FIGURE
        seen = watch_training(page, "Train", timeout_s=420, stop_at_figure=stop)
        assert seen["done"] is not None, f"{url_path}: the run did not end: {seen}"
        assert seen["first_progress"] is not None, f"{url_path}: no progress was shown: {seen}"
        assert seen["first_figure"] is not None, f"{url_path}: no live figure was shown: {seen}"
        ends = ("Finished", "Did not learn", *(("Stopped",) if seen["stopped"] is not None else ()))
        assert seen["states"] and all(state in ends for state in seen["states"]), seen
        if "Stopped" in seen["states"]:
            assert "because you pressed Stop" in page.locator(LIVE_DONE).first.inner_text(), seen
        assert not page_problems(page), page_problems(page)
        save_screenshot(page, f"{url_path}-trained")
    finally:
        page.close()


# Where the pixel (x, y) of the DragGAN page's clickable sample is on the screen (scrolled into view first).
PIXEL_ON_SCREEN_JS = """([x, y]) => {
  const plot = document.querySelector('.st-key-drag_gan-drag-fig-pick .js-plotly-plot');
  plot.scrollIntoView({block: "center"});
  const xaxis = plot._fullLayout.xaxis, yaxis = plot._fullLayout.yaxis, box = plot.getBoundingClientRect();
  return [box.left + xaxis._offset + xaxis.l2p(x), box.top + yaxis._offset + yaxis.l2p(y)];
}"""


@pytest.mark.timeout(300)
def test_two_clicks_on_the_drag_sample_set_the_handle_then_the_target(app_server, browser):
    """DragGAN's plotly click, in a real browser: the first click on the sample sets the handle p, the next
    the target t, written into the form's number inputs (AppTest can only simulate the selection)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        query = "&".join(f"{name}={value}" for name, value in SMALLEST_RUN["drag_gan"].items())
        page.goto(app_server.url(f"drag_gan?{query}"), wait_until="domcontentloaded")
        wait_until_idle(page, timeout_s=180)
        assert "Finished" in watch_training(page, "Train", timeout_s=240)["states"]
        wait_until_idle(page, timeout_s=60)
        for point, fields in (((10, 8), ("Handle p: x", "Handle p: y")), ((14, 4), ("Target t: x", "Target t: y"))):
            page.mouse.click(*page.evaluate(PIXEL_ON_SCREEN_JS, list(point)))
            page.wait_for_timeout(500)
            wait_until_idle(page, timeout_s=60)
            values = [page.get_by_label(field, exact=False).first.input_value() for field in fields]
            assert values == [str(point[0]), str(point[1])], (fields, values)
        assert not page_problems(page)
    finally:
        page.close()


@pytest.mark.timeout(300)
def test_a_locked_lesson_link_of_the_instructor_page_opens_the_lesson_read_only(app_server, browser):
    """The teacher's Instructor page in a real browser: with "Lock each lesson's settings" on, the
    link of the Saddle point lesson opens Loss surfaces with the lesson, its explanation, its
    settings in the address and its controls disabled; the server's load is shown live."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(app_server.url("instructor"), wait_until="domcontentloaded")
        wait_until_idle(page, timeout_s=180)
        page.get_by_text("Training slots busy").first.wait_for(timeout=60_000)
        page.get_by_text("Lock each lesson's settings").click()
        wait_until_idle(page, timeout_s=60)
        page.get_by_role("link", name="Saddle point").first.click()
        page.wait_for_url("**/optimization?lesson=saddle&lock=*", timeout=60_000)
        wait_until_idle(page, timeout_s=180)
        assert "Lesson: Saddle point." in page.locator('[data-testid="stAlertContentInfo"]').first.inner_text()
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
        assert query["lock"][0].startswith("lr_adam,lr_momentum,lr_sgd,")
        assert page.get_by_label("start x 🔒", exact=True).first.is_disabled()
        assert not page_problems(page), page_problems(page)
    finally:
        page.close()
