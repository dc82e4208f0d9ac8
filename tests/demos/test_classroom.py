"""The classroom load harness (benchmarks/classroom.py) drives a real server through Streamlit's protocol.

Two simulated students open the Playground with a short run set by the query string, click
Train together and follow the live panel to its end state, as a browser would (answering the
panel's auto-rerun requests). Timings are not asserted; what each student saw is.
"""

from __future__ import annotations

import asyncio

import pytest

from benchmarks import classroom
from tests.demos.screenshot import AppServer

pytestmark = pytest.mark.xdist_group(__name__)


@pytest.mark.timeout(300)
def test_two_students_each_train_every_epoch_and_see_progress_then_the_end_state():
    with AppServer() as server:
        seen = asyncio.run(classroom.lesson(server.url(), "playground?epochs=20&points=200", 2, timeout=240))
        log = server.output()
    assert "Traceback" not in log
    for student in seen:
        assert student.errors == []
        assert student.load is not None and student.first_progress is not None
        assert student.done is not None and student.done >= student.first_progress
        assert student.runs == {"playground": ("Finished", 20, 20)}  # the query string set the epochs
        assert student.slots and student.slots >= 1  # read from the server's sidebar
        assert not student.refreshing_after_end  # the finished panel stopped its refresh timer
    row = classroom.row(2, seen, {}, wall=1.0)
    assert row["runs_complete"] == "2 of 2" and row["errors"] == 0 and row["epochs"] == "20/20"


def test_a_page_without_a_train_button_is_an_error_of_its_row_not_a_hang():
    student = classroom.Student("http://127.0.0.1:1", "datasets")
    seen = asyncio.run(_attend_alone(student))
    assert seen.done is None and len(seen.errors) == 1  # nothing listens on port 1


async def _attend_alone(student):
    return await student.attend(asyncio.Barrier(1), timeout=5)


@pytest.mark.parametrize("url", ["http://example.com:8501", "http://10.0.0.7", "http://[2001:db8::1]:80"])
def test_the_harness_loads_only_a_server_on_this_machine(url):
    with pytest.raises(SystemExit, match="loopback"):
        classroom.check_loopback(url)
    assert classroom.check_loopback("http://127.0.0.1:8501/") == "http://127.0.0.1:8501"


@pytest.mark.parametrize("sizes", [["0"], [str(classroom.MAX_STUDENTS + 1)]])
def test_class_sizes_are_bounded(sizes, capsys):
    with pytest.raises(SystemExit):
        classroom.main(["-n", *sizes, "--url", "http://127.0.0.1:1"])
    assert f"1 to {classroom.MAX_STUDENTS}" in capsys.readouterr().err


def test_spread_is_the_median_the_95th_percentile_and_the_maximum():
    assert classroom.spread(list(map(float, range(1, 21)))) == "10.5 / 19.0 / 20.0"
    assert classroom.spread([]) == "–"


def test_the_end_line_reads_what_the_live_panel_writes():
    line = ('**Stopped** · :color[━━]{foreground="#1f77b4"} **Adam** · epoch 12/300 · loss 0.3 · 80 epochs/s. '
            "Stopped after epoch 12 of 300 because you pressed Stop")
    assert classroom.END_LINE.search(line).groups() == ("Stopped", "Adam", "epoch", "12", "300")
