"""Instructor: every lesson preset of every chapter as a link to share, and this server's load."""

import urllib.parse

import streamlit as st

from demos import ui
from demos.app import PAGES
from demos.ui import load
from demos.ui.lessons import lesson_query
from toolkit.viz.server import server_load

KEY = "instructor"
REFRESH_SECONDS = 2.0
ALL = "All chapters"

st.title("Instructor")
st.markdown(
    "For the teacher: a link to every **lesson** of every chapter, to put on a slide or in the course page "
    "(each opens its page with the lesson's settings and the claim of the notes it shows), and what **this "
    "server** is doing while the class trains: sessions, training slots, the queue and memory.")


def gigabytes(size: int | None) -> str:
    return "–" if size is None else f"{size / 1e9:.2f} GB"


@st.fragment(run_every=REFRESH_SECONDS)
def server_now() -> None:
    now = load.sample()
    sessions, slots, queued, memory, cpu = st.columns(5)
    sessions.metric("Sessions", "–" if now.sessions is None else now.sessions, border=True,
                    help="Browser tabs connected to this server (each replica behind a load balancer counts its own).")
    slots.metric("Training slots busy", f"{now.busy} / {now.capacity}", border=True,
                 help="Runs train a chunk of epochs at a time in one of these slots, first come first served.")
    queued.metric("Runs queued", now.waiting, border=True, help="Runs waiting for a slot: their students see "
                  "their place in the queue.")
    memory.metric("Memory", gigabytes(now.rss), border=True, help=f"Of {gigabytes(now.memory_limit)} this "
                  "server may use (its container's limit, else the machine's memory).")
    cpu.metric("CPU (cores)", "–" if now.cpu is None else f"{now.cpu:.1f} / {now.cores}", border=True,
               help="Cores the server process used over the last second, of those it may use.")
    samples = load.history()
    if len(samples) > 1:
        ago = [(s.time - now.time) / 60 for s in samples]
        counts = {"sessions": [s.sessions or 0 for s in samples], "runs training": [s.busy for s in samples],
                  "runs queued": [s.waiting for s in samples]}
        memory_gb = [None if s.rss is None else s.rss / 1e9 for s in samples]
        limit = now.memory_limit / 1e9 if now.memory_limit else None
        if limit and limit > 4 * max(m or 0 for m in memory_gb):
            limit = None  # a machine's whole memory would flatten the curve: the metric's help says it
        title = f"This server over the last {-ago[0]:.0f} min" if ago[0] <= -1 else "This server over the last minute"
        st.plotly_chart(server_load(ago, counts, memory_gb, limit, title=title), key=f"{KEY}.fig.load")
    runs = load.active_runs()
    if runs:
        ui.table(runs)
    else:
        st.caption("No run is training or waiting on this server now.")


st.header("This server now")
st.caption(f"Refreshed every {REFRESH_SECONDS:g} s; the curves keep the last {load.HISTORY_SECONDS // 60} minutes "
           "since the first Instructor page opened on this server.")
server_now()

st.header("Lessons")
sections = [section for section, entries in PAGES.items()
            if any(any(ui.page_lessons(entry[3]).values()) for entry in entries)]
left, right = st.columns([2, 3], vertical_alignment="bottom")
shown = left.selectbox("Chapter", [ALL, *sections], key=f"{KEY}.section")
lock = right.toggle("Lock each lesson's settings", key=f"{KEY}.lock",
                    help="Adds lock=… to every link: the controls the lesson sets are read-only for the "
                         "students, the others stay free. A lesson at the page's defaults sets none.")
base = (getattr(st.context, "url", None) or "").split("?")[0].rsplit("/", 1)[0]
for section in sections if shown == ALL else [shown]:
    st.subheader(section)
    for path, title, icon, url_path in PAGES[section]:
        page_lessons = [lesson for form in ui.page_lessons(url_path).values() for lesson in form]
        if not page_lessons:
            continue
        st.markdown(f"#### {title}")
        addresses = []
        for lesson in page_lessons:
            query = lesson_query(lesson, lock=lock)
            ui.page_link(path, lesson.title, icon, url_path, query_params=query)
            st.caption(lesson.explanation)
            addresses.append(f"{base}/{url_path}?{urllib.parse.urlencode(query, safe=',')}")
        st.code("\n".join(addresses), language=None)

st.header("Pages without lessons")
st.markdown("Their defaults show the claim of the notes each page illustrates. To share other settings, open "
            "the page, change them, and use its **Copy link** (add `lock=name,…` to fix controls).")
for section, entries in PAGES.items():
    plain = [entry for entry in entries if not any(ui.page_lessons(entry[3]).values())
             and entry[3] not in ("home", KEY)]
    if plain:
        st.markdown(f"**{section}**")
        with st.container(horizontal=True):
            for path, title, icon, url_path in plain:
                ui.page_link(path, title, icon, url_path)
