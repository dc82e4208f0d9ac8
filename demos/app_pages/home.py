"""Home: what the toolkit is, the chapter map of the course notes, and how to use it."""

import streamlit as st

from demos import ui
from demos.app import CHAPTERS, PAGES

st.title("Deep Learning Toolkit")
st.markdown(
    "A small Keras 3 library that follows the course notes chapter by chapter, and this app, "
    "where every idea of the notes can be trained and watched live. Each page is a thin layer "
    "over `toolkit`: the same functions work in a notebook, and every run can be downloaded "
    "with a script that reproduces it."
)

st.header("Start here")
for path, page_title, icon, url_path in PAGES["Start"]:
    if path != "app_pages/home.py":
        ui.page_link(path, page_title, icon, url_path)

st.header("Chapters")
linked = ui.chapter_pages(PAGES)
for number, title, topics in CHAPTERS:
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.markdown(f"**{number}. {title}**  \n:gray[{topics}]")
    with right:
        pages = linked.get(number, [])
        if isinstance(pages, int):
            st.caption(f"Taught together with chapter {pages}: its pages above")
            pages = []
        elif not pages:
            st.caption("Page coming")
        for path, page_title, icon, url_path in pages:
            ui.page_link(path, page_title, icon, url_path)

st.header("In a notebook")
st.code(
    """from toolkit.data import load
from toolkit.train import fit, export_bundle
from toolkit.viz import learning_curves
import keras

ds = load("spiral", noise=10)                      # a Dataset: x_train, y_train, x_test, y_test
model = keras.Sequential([keras.Input(ds.input_shape),
                          keras.layers.Dense(16, activation="tanh"),
                          keras.layers.Dense(ds.num_classes, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
run = fit(model, ds.x_train, ds.y_train, epochs=200, validation_data=(ds.x_test, ds.y_test),
          config={"dataset": ds.spec})             # the run records how to rebuild its data
learning_curves({"spiral": run.history}).show()
export_bundle(run, "spiral.zip")                   # model.keras, config.json, history.csv, reproduce.py""",
    language="python",
)

st.header("Commands")
st.code("make demo   # this app on http://localhost:8501\nmake test   # the test suite", language="bash")
