"""The chapter map: which navigation section covers which chapter of the notes."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence

import streamlit as st


def section_chapters(section: str) -> list[int]:
    """Chapters a navigation section covers, read from its title: "1–2 Feed-forward" -> [1, 2]."""
    match = re.match(r"\s*(\d+)(?:\s*[-–]\s*(\d+))?\b", section)
    if not match:
        return []
    first, last = int(match[1]), int(match[2] or match[1])
    return list(range(first, last + 1))


def chapter_pages(pages: Mapping[str, Sequence[tuple]]) -> dict[int, list[tuple] | int]:
    """Chapter number -> the page entries (path, title, icon, url_path) that cover it.

    A section covering chapters N–M lists its pages under N; chapters N+1..M map to N.
    """
    found: dict[int, list[tuple] | int] = {}
    for section, entries in pages.items():
        first, *others = section_chapters(section) or [None]
        if first is None:
            continue
        found.setdefault(first, []).extend(entries)
        found.update({chapter: first for chapter in others})
    return found


def page_link(path: str, title: str, icon: str | None = None, url_path: str = "",
              query_params: Mapping[str, str] | None = None) -> None:
    """``st.page_link`` to a page of the app (with `query_params`, e.g. a lesson); a plain link
    when the page runs on its own (tests)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(path, label=title, icon=icon, query_params=dict(query_params or {}))
    except StreamlitAPIException:
        query = "?" + urllib.parse.urlencode(query_params, safe=",") if query_params else ""
        st.markdown(f"[{title}](/{url_path}{query})")
