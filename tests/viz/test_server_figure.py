"""The Instructor page's load figure (``toolkit.viz.server``): counts and memory against time."""

import numpy as np
import pytest

from toolkit.viz.server import server_load
from toolkit.viz.theme import run_color

MINUTES = [-2.0, -1.0, 0.0]


def test_counts_on_the_left_memory_and_its_limit_on_the_right_each_in_its_own_colour():
    fig = server_load(MINUTES, {"sessions": [1, 3, 5], "runs queued": [0, 2, 1]}, [0.8, None, 1.0], limit_gb=2.5)
    names = [trace.name for trace in fig.data]
    assert names == ["sessions", "runs queued", "memory", "memory limit"]
    assert [trace.xaxis for trace in fig.data] == ["x", "x", "x2", "x2"]
    assert [trace.line.color for trace in fig.data[:3]] == [run_color(0), run_color(1), run_color(2)]
    assert np.isnan(fig.data[2].y[1]) and fig.data[2].y[2] == 1.0  # an unknown reading is a gap
    assert list(fig.data[3].y) == [2.5, 2.5]
    assert fig.layout.xaxis.range == (-2.0, 0) and fig.layout.xaxis.title.text == "minutes ago"


def test_without_a_limit_no_limit_line_and_a_short_history_still_spans_a_minute():
    fig = server_load([-0.1, 0.0], {"sessions": [1, 1]}, [0.5, 0.5])
    assert [trace.name for trace in fig.data] == ["sessions", "memory"]
    assert fig.layout.xaxis.range == (-1.0, 0)


@pytest.mark.parametrize(("counts", "memory", "name"), [({"sessions": [1, 2]}, [1, 1, 1], "sessions"),
                                                          ({"sessions": [1, 2, 3]}, [1], "memory_gb")])
def test_series_of_another_length_than_the_times_are_refused(counts, memory, name):
    with pytest.raises(ValueError, match=name):
        server_load(MINUTES, counts, memory)
