"""Tables that show every name in full, legible on a projector (issue 14, item 5).

``st.dataframe`` sizes a column to its header and cuts longer cells with "…" (the
architecture "GoogLeNet (In…", a run's outcome). ``table`` gives each text column the width
of its longest entry; when that would not fit the page's main column, the columns of long
texts (sentences) share the room left and the rows get the height of their longest text, so
it wraps (Streamlit wraps text once a row is taller than 4 rem).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

PAGE_PX = 900  # the main column of a 1400 px page, sidebar open
CHAR_PX = 8.5  # average character width of the table's 14 px font
PADDING_PX = 24
NUMBER_PX = 90  # a numeric column
LONG_TEXT_PX = 240  # a text column wider than this may wrap
MIN_WRAPPED_PX = 160
LINE_PX = 20  # one wrapped line
WRAP_FILL = 0.85  # CHAR_PX is generous (nothing may be cut); wrapped lines hold ~15 % more
WRAPPING_ROW_PX = 70  # Streamlit wraps cells of rows taller than 64 px
MAX_HEIGHT_PX = 720


def table(data, **kwargs) -> None:
    """``st.dataframe(data, hide_index=True, width="stretch", **kwargs)`` with every text column
    wide enough for its longest entry, or wrapping when the table would not fit the page.
    A ``column_config`` in `kwargs` is kept; it wins over the widths chosen here."""
    frame = pd.DataFrame(data)
    config, row_height = column_config(frame, text_widths(frame))
    height = "auto" if row_height is None else min(row_height * len(frame) + 40, MAX_HEIGHT_PX)  # no inner scroll
    st.dataframe(frame, **{"hide_index": True, "width": "stretch", "row_height": row_height, "height": height,
                           **kwargs, "column_config": {**config, **kwargs.get("column_config", {})}})


def text_widths(frame: pd.DataFrame) -> dict[str, int]:
    """Column -> px that shows its longest text (header included), for text columns."""
    widths = {}
    for column in frame.columns:
        if pd.api.types.is_string_dtype(frame[column]) or pd.api.types.is_object_dtype(frame[column]):
            longest = max([len(str(column)), *(len(str(value)) for value in frame[column])])
            widths[column] = int(longest * CHAR_PX + PADDING_PX)
    return widths


def column_config(frame: pd.DataFrame, widths: dict[str, int]) -> tuple[dict, int | None]:
    """(column_config, row_height): text columns at their widths; when the table is wider than
    the page and some texts are longer than `LONG_TEXT_PX`, those columns share the room left
    and wrap, in rows tall enough for their longest text."""
    others = NUMBER_PX * (len(frame.columns) - len(widths))
    long = {column: px for column, px in widths.items() if px > LONG_TEXT_PX}
    if sum(widths.values()) + others <= PAGE_PX or not long:
        return {column: st.column_config.TextColumn(width=px) for column, px in widths.items()}, None
    room = PAGE_PX - others - sum(px for column, px in widths.items() if column not in long)
    wrapped = max(MIN_WRAPPED_PX, room // len(long))
    lines = max(math.ceil(WRAP_FILL * px / wrapped) for px in long.values())
    config = {column: st.column_config.TextColumn(width=wrapped if column in long else px)
              for column, px in widths.items()}
    return config, max(WRAPPING_ROW_PX, LINE_PX * lines + 12)
