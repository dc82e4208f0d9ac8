"""Page state: one typed object per page in ``st.session_state``.

A page declares what it keeps between reruns as a dataclass (its last result, the
session's runs, a lab object) and reads it with ``page_state(KEY, PageState)``; nothing is
kept in loose tuples or under ad-hoc keys.
"""

from __future__ import annotations

from typing import Callable, TypeVar

import streamlit as st

T = TypeVar("T")
STORE = "toolkit.pages"


def page_state(key: str, cls: Callable[[], T]) -> T:
    """The page's state object of type `cls`, created (``cls()``) on first use."""
    store = st.session_state.setdefault(STORE, {})
    state = store.get(key)
    # Compared by name: a class defined in a page script is a new object on every rerun.
    if state is None or type(state).__qualname__ != getattr(cls, "__qualname__", None):
        state = store[key] = cls()
    return state


def reset_page_state(key: str) -> None:
    """Forgets the page's state object (Reset to defaults)."""
    st.session_state.setdefault(STORE, {}).pop(key, None)
