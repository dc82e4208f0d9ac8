"""The shared sidebar: which device trains, how busy the server is, what is cached.

It is drawn before the page (so it never waits for a page), and reads TensorFlow's device
list once per server process.
"""

from __future__ import annotations

import streamlit as st


@st.cache_resource(show_spinner=False)
def _devices() -> list[dict]:
    from toolkit.train import devices

    return devices()


def _slots() -> dict:
    from toolkit.train import slots_status

    return slots_status()


def _cache_files() -> list[dict]:
    from toolkit.data import cache_status

    return cache_status()


def slots_line(status: dict) -> str:
    return f"{status['busy']} of {status['capacity']} busy, {status['waiting']} waiting"


def machine_lines() -> list[str]:
    """Sidebar lines: device, training slots, dataset cache. A failing part says so and stays short."""
    lines = []
    for label, read, describe in (
        ("Device", _devices, lambda ds: ", ".join(f"{d['kind']} ({d['description']})" for d in ds) or "none found"),
        ("Training slots", _slots, slots_line),
        ("Dataset cache", _cache_files, lambda fs: f"{len(fs)} file{'s' * (len(fs) != 1)}, "
                                                   f"{sum(f['bytes'] for f in fs) / 2**20:.1f} MB" if fs else "empty"),
    ):
        try:
            lines.append(f"**{label}:** {describe(read())}")
        except Exception as error:  # the sidebar must never break a page
            lines.append(f"**{label}:** unavailable ({type(error).__name__})")
    return lines


def sidebar() -> None:
    with st.sidebar:
        st.markdown("#### This server")
        for line in machine_lines():
            st.caption(line)
