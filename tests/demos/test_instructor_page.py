"""The Instructor page (``demos/app_pages/instructor.py``): every lesson of every page as a link,
with and without locks, each opening its page cleanly; the server's live load
(``demos.ui.load``), and the lesson registry the pages read (``demos.ui.lessons``)."""

from __future__ import annotations

import time
import urllib.parse

import pytest

from demos.app import PAGES
from demos.ui import lessons as registry
from demos.ui import load
from demos.ui.forms import widget_key
from demos.ui.live import wait_all
from tests.demos.conftest import DEMOS, assert_no_exception, open_page, page_script

URL_PATHS = [entry[3] for entries in PAGES.values() for entry in entries]


def _addresses(at) -> list[dict]:
    """The query of every lesson address the page lists (its code blocks)."""
    lines = [line for block in at.code for line in block.value.splitlines() if "lesson=" in line]
    return [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(line).query)) for line in lines]


def test_the_registry_covers_every_page_with_lessons_and_only_pages_of_the_app():
    assert set(registry.SOURCES) <= set(URL_PATHS)
    for url_path in URL_PATHS:
        text = (DEMOS / next(e[0] for es in PAGES.values() for e in es if e[3] == url_path)).read_text()
        assert (f'page_lessons("{url_path}")' in text) == (url_path in registry.SOURCES), url_path
    every = registry.every_lesson(URL_PATHS)
    assert len(every) >= 40
    names = [(url_path, lesson.name) for url_path, _key, lesson in every]
    assert len(names) == len(set(names)), "two lessons of one page share a name"


def test_the_page_links_every_lesson_and_the_lock_toggle_locks_the_lessons_settings():
    at = open_page("instructor")
    assert_no_exception(at, "Instructor page")
    every = registry.every_lesson(URL_PATHS)
    addresses = _addresses(at)
    assert [(q["lesson"]) for q in addresses] == [lesson.name for _u, _k, lesson in every]
    assert not any("lock" in q for q in addresses)
    at.toggle(key="instructor.lock").set_value(True).run()
    locked = _addresses(at)
    for query, (_url_path, _key, lesson) in zip(locked, every, strict=True):
        assert set(query.get("lock", "").split(",")) - {""} == set(lesson.values), lesson.name
    at.selectbox(key="instructor.section").set_value("3 Optimization").run()
    assert [q["lesson"] for q in _addresses(at)] == [lesson.name for lesson in
                                                     registry.page_lessons("optimization")["optimization"]]


def test_the_load_shows_this_servers_slots_and_memory():
    from toolkit.train import slots_status

    at = open_page("instructor")
    metrics = {metric.label: metric.value for metric in at.metric}
    status = slots_status()
    assert metrics["Training slots busy"] == f"{status['busy']} / {status['capacity']}"
    assert metrics["Runs queued"] == str(status["waiting"])
    assert metrics["Memory"].endswith("GB") and float(metrics["Memory"].split()[0]) > 0.05
    assert "No run is training or waiting on this server now." in [c.value for c in at.caption]


def test_sample_reads_the_process_at_most_once_a_second_and_keeps_its_history():
    first = load.sample()
    assert load.sample() is first  # a second Instructor page within the second reuses the reading
    assert first.rss and first.rss > 10 * 2**20 and first.cores >= 1 and first.capacity >= 1
    assert load.history()[-1] is first
    assert first.memory_limit is None or first.memory_limit > first.rss


@pytest.mark.timeout(600)
def test_a_run_in_progress_is_listed_with_its_page_and_epochs():
    from demos.ui.live import stop_all

    student = open_page("playground", epochs="5000", points="100")
    next(b for b in student.button if b.label == "Train").click().run()
    try:
        deadline = time.monotonic() + 120
        while not any(row["progress"] != "–" for row in load.active_runs()) and time.monotonic() < deadline:
            time.sleep(0.2)  # the first epoch
        at = open_page("instructor")
        table = next(frame.value for frame in at.dataframe if "page" in frame.value.columns)
        row = table[table["page"] == "playground"].iloc[0]
        assert row["state"] in ("training", "waiting for a slot (#1)") and row["progress"].endswith("/ 5000 epochs")
        assert int(load.sample().runs) >= 1
    finally:
        stop_all()
        assert wait_all(120)


LOCKED = [(url_path, key, lesson) for url_path in registry.SOURCES
          for key, lesson in [max(((k, lesson) for k, form in registry.page_lessons(url_path).items()
                                   for lesson in form), key=lambda pair: len(pair[1].values))]]


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("url_path", "key", "lesson"), LOCKED, ids=[row[0] for row in LOCKED])
def test_a_locked_lesson_link_opens_its_page_with_the_lessons_controls_read_only(url_path, key, lesson):
    at = open_page(page_script(url_path), **registry.lesson_query(lesson, lock=True))
    assert_no_exception(at, f"{url_path}?lesson={lesson.name} locked")
    assert not [w.value for w in at.warning if "URL parameter" in str(w.value)]
    widgets = {widget.key: widget for kind in ("number_input", "slider", "selectbox", "multiselect", "checkbox",
                                               "toggle", "radio", "select_slider", "text_input")
               for widget in at.get(kind) if getattr(widget, "key", None)}
    for name in lesson.values:
        widget = widgets.get(widget_key(key, name))
        assert widget is not None and widget.disabled, f"{url_path}: `{name}` of lesson {lesson.name} is not locked"
    markdown = " ".join(str(m.value) for m in at.markdown)
    for other in registry.page_lessons(url_path)[key]:  # the form lists every lesson of its own as a link
        assert f"(?lesson={other.name})" in markdown, f"{url_path} does not link its lesson {other.name}"
