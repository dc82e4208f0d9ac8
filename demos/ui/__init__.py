"""Shared Streamlit layer of the demo pages, one job per module.

* ``errors``: one clear sentence for bad input (``show_error``).
* ``params``: settings in the URL, lesson presets (``?lesson=``) and locks (``?lock=``);
  settings come from the toolkit's Config classes (``settings(RaceConfig)``).
* ``forms``: widgets from settings, ``settings_form``, Copy link and Reset to defaults.
* ``state``: one typed state object per page (``page_state``).
* ``live``: the one live training panel (``live_panel``): a background thread per run, a
  fragment that draws its newest frame, Stop, queue position, the end state.
* ``data``: datasets cached for the whole server, run bundle downloads.
* ``tables``: tables that show every name in full (``table``).
* ``lessons``: every page's lesson presets (``page_lessons``), read by the pages and the
  Instructor page.
* ``sidebar`` and ``chapters``: the server status and the chapter map.

A page imports this package as ``from demos import ui`` and calls the names below.
"""

from demos.ui.chapters import chapter_pages, page_link, section_chapters
from demos.ui.data import cached_dataset, cached_preview, download_bundle_button
from demos.ui.errors import config_or_none, config_or_stop, is_user_error, show_error
from demos.ui.forms import Form, lesson_links, link_tools, param_widget, settings_form, tab_form
from demos.ui.lessons import page_lessons
from demos.ui.live import Frame, LiveRun, curves, finished, last_result, live_panel, outcome
from demos.ui.params import Lesson, Param, format_param, parse_param, read_params, settings, write_params
from demos.ui.sidebar import sidebar
from demos.ui.state import page_state
from demos.ui.tables import table

__all__ = [
    "Form", "Frame", "Lesson", "LiveRun", "Param", "cached_dataset", "cached_preview", "chapter_pages",
    "config_or_none", "config_or_stop", "curves", "download_bundle_button", "finished", "last_result", "format_param",
    "is_user_error", "lesson_links", "link_tools", "live_panel",
    "outcome", "page_lessons", "page_link", "page_state", "param_widget", "parse_param", "read_params", "section_chapters",
    "settings", "settings_form", "show_error", "sidebar", "table", "tab_form", "write_params",
]
