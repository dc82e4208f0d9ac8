"""Every page of the app renders, survives a widget change and trains, in Streamlit's AppTest.

Pages come from ``demos.app.PAGES``: a page added to the router is covered automatically. A page whose own
test file trains its smallest run through ``conftest.train_smallest_run`` (with the same checks and more) is
not trained a second time here.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.demos.conftest import (
    DEMOS, SMALLEST_RUN, assert_no_exception, change_first_widget, page_params, train_smallest_run,
)

TIMEOUT = 120


def trained_by_their_own_tests() -> dict[str, str]:
    """url_path -> the page test file that calls ``train_smallest_run("<url_path>")``."""
    calls = re.compile(r'train_smallest_run\(\s*"(\w+)"')
    return {url_path: file.name for file in sorted((DEMOS.parent / "tests" / "demos").glob("test_*.py"))
            if file.name != "test_pages_apptest.py" for url_path in calls.findall(file.read_text())}


TRAINED_ELSEWHERE = trained_by_their_own_tests()


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("path", "title", "url_path"), page_params())
def test_page_renders_and_survives_a_widget_change(path, title, url_path):
    at = AppTest.from_file(str(DEMOS / path), default_timeout=TIMEOUT).run()
    assert_no_exception(at, f"{path} (first render)")
    assert not [e.value for e in at.error], f"{path} opens with an error"
    assert len(at.title) >= 1, f"{path} has no st.title"
    changed = change_first_widget(at)
    if changed:
        at.run()
        assert_no_exception(at, f"{path} after changing {changed}")


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("path", "title", "url_path"), page_params())
def test_page_trains_when_it_has_a_train_button(path, title, url_path):
    if url_path in TRAINED_ELSEWHERE:
        pytest.skip(f"{path}'s smallest run is trained in {TRAINED_ELSEWHERE[url_path]}")
    if url_path not in SMALLEST_RUN:
        at = AppTest.from_file(str(DEMOS / path), default_timeout=TIMEOUT).run()
        assert not [b for b in at.button if b.label == "Train"], f"{path} has a Train button but no SMALLEST_RUN"
        pytest.skip(f"{path} has no Train button")
    train_smallest_run(url_path, timeout=TIMEOUT)


@pytest.mark.timeout(600)
def test_router_renders_the_sidebar_and_switches_to_every_page():
    at = AppTest.from_file(str(DEMOS / "app.py"), default_timeout=TIMEOUT).run()
    assert_no_exception(at, "demos/app.py")
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    for part in ("Device", "Training slots", "Dataset cache"):
        assert part in sidebar, f"the sidebar does not show {part!r}: {sidebar!r}"
    for param in page_params():
        path = param.values[0]
        at.switch_page(path).run()
        assert_no_exception(at, f"demos/app.py switched to {path}")
        assert len(at.title) >= 1, f"{path} rendered no title through the router"


def test_pages_table_is_well_formed():
    from demos.app import CHAPTERS, PAGES

    url_paths = [entry[3] for entries in PAGES.values() for entry in entries]
    assert len(url_paths) == len(set(url_paths)), "two pages share a url_path"
    for entries in PAGES.values():
        for path, title, icon, url_path in entries:
            assert (DEMOS / path).is_file(), f"PAGES names a missing file {path}"
            assert title and url_path and icon.startswith(":material/")
    assert [number for number, *_ in CHAPTERS] == list(range(1, 12))
