"""Cached datasets and run downloads, shared by every session of the server."""

from __future__ import annotations

import re

import streamlit as st


@st.cache_data(show_spinner="Loading the dataset…", max_entries=32)
def cached_dataset(name: str, **kwargs):
    """``toolkit.data.load(name, **kwargs)``, cached for every session of this server."""
    from toolkit.data import load

    return load(name, **kwargs)


@st.cache_data(show_spinner="Drawing the gallery…", max_entries=16)
def cached_preview(name: str):
    """``toolkit.data.preview(name)`` (a small fixed-seed sample), cached for every session."""
    from toolkit.data import preview

    return preview(name)


def download_bundle_button(run, x=None, y=None, validation_data=None, *, key: str | None = None) -> None:
    """A button that downloads ``toolkit.train.bundle_bytes(run)`` (built only when clicked)."""
    from toolkit.train import bundle_bytes

    if run is None or getattr(run, "model", None) is None:
        return
    if "dataset" not in getattr(run, "config", {}) and x is None:
        st.caption("This run trained on data made on this page, so it has no download bundle.")
        return
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(run.name)).strip("_") or "run"
    st.download_button("Download run bundle (.zip)", data=lambda: bundle_bytes(run, x, y, validation_data),
                       file_name=f"{slug}.zip", mime="application/zip", on_click="ignore",
                       icon=":material/download:", key=key,
                       help="model.keras, config.json, history.csv and reproduce.py")
