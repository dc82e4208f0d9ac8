"""Choosing φ: a linear model on no φ, an engineered φ, a generic (RBF kernel) φ and a learned φ."""

import streamlit as st

from demos import ui
from toolkit.ffnn import phi as lab
from toolkit.viz import decision_boundary, learning_curves

KEY = "phi"
LESSONS = ui.page_lessons("phi")[KEY]

st.title("Choosing φ")
st.markdown(
    "A linear model draws straight boundaries; a feed-forward network first maps x to a representation φ(x) "
    "and applies the linear model to it. The notes name three ways to choose φ: a **generic** one (the "
    "infinite-dimensional feature map of the RBF kernel, here approximated by D random features), an "
    "**engineered** one (hand-made features: Playground's seven), or a φ **learned** from the data (hidden "
    "layers trained with the linear model). Below, the same sigmoid unit is trained on each, from the same seed "
    "on the same batches.")
st.latex(lab.FORMULA_MODEL)
form = ui.settings_form(KEY, ui.settings(lab.PhiConfig), columns=4, lessons=LESSONS)
config = ui.config_or_stop(lab.PhiConfig, form.values)
data = ui.cached_dataset(**lab.phi_data_spec(config)) if form.submitted else None


def train(live):
    return lab.run_phi(config, data, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    histories = frame.histories()
    left, right = st.columns(2)
    left.plotly_chart(learning_curves(histories, "loss", title=f"Loss, epoch {frame.epoch} (train dashed, test solid)"),
                      key=f"{KEY}.live.loss")
    right.plotly_chart(learning_curves(histories, "accuracy", title=f"Accuracy, epoch {frame.epoch} (train dashed, "
                                       "test solid)"), key=f"{KEY}.live.accuracy")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss")
result = ui.finished(job)
if result is not None:
    st.subheader("What each φ let the linear model do")
    ui.table(result.table())
    st.caption("Size of φ(x): the inputs of the linear model; trained parameters include the learned φ's layers "
               "(the generic φ's W and b are drawn once and never trained).")
    shown = result.data
    cells = st.columns(2)
    for index, label in enumerate(result.runs):
        cells[index % 2].plotly_chart(decision_boundary(
            result.boundary(label), shown.x_train, shown.y_train, shown.x_test, shown.y_test, extent=lab.EXTENT,
            classes=shown.classes, title=f"{label}: p(class 1) over the plane"), key=f"{KEY}.fig.boundary.{index}")
