"""Errors on a page: one clear sentence for bad input, a short note and details for a bug."""

from __future__ import annotations

import traceback
from typing import Callable, TypeVar

import streamlit as st

T = TypeVar("T")


def is_user_error(error: BaseException) -> bool:
    """True for errors caused by input (bad values, missing offline data), not by a bug."""
    names = {cls.__name__ for cls in type(error).__mro__}
    return isinstance(error, ValueError) or "DatasetUnavailable" in names


def show_error(error: BaseException | str, *, doing: str | None = None) -> None:
    """Shows `error` in one clear sentence; the page keeps working.

    User errors (``ValueError``, an unavailable dataset, a plain string) show their message
    only. Unexpected exceptions show a short message and the traceback in a closed expander.
    """
    if isinstance(error, str):
        st.error(error)
        return
    message = str(error).strip() or type(error).__name__
    if is_user_error(error):
        st.error(message)
        return
    where = f" while {doing}" if doing else ""
    st.error(f"Something went wrong{where} ({type(error).__name__}: {first_line(message)}). "
             "Try other settings; the rest of the page still works.")
    with st.expander("Error details"):
        st.code("".join(traceback.format_exception(error)), language="text")


def config_or_stop(build: Callable[..., T], values: dict) -> T:
    """``build(**values)`` (a Config class or its factory); on bad values, one error and the page stops."""
    try:
        return build(**values)
    except ValueError as error:
        show_error(error)
        st.stop()


def config_or_none(build: Callable[..., T], values: dict) -> T | None:
    """``build(**values)``; on bad values, one error and None: on a page with tabs, the other tabs go on."""
    try:
        return build(**values)
    except ValueError as error:
        show_error(error)
        return None


def first_line(text: str, limit: int = 200) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
