"""Optimizer race: the update rules of chapter 3 train one network from identical weights."""

import streamlit as st

from demos import ui
from toolkit.optim import (
    OPTIMIZERS, optimizer_choice, optimizer_race, race_learning_rates, race_messages, race_table,
)
from toolkit.viz import learning_curves, learning_rate_histogram
from toolkit.viz.theme import run_color

KEY = "race"
NAMES = tuple(OPTIMIZERS)
LR_DEFAULTS = {"SGD": 0.05, "Momentum": 0.05, "Nesterov": 0.05, "Adagrad": 0.05,
               "RMSProp": 0.001, "Adam": 0.001}
DATASETS = {"digits": {"size": 8}, "glyphs": {"n": 3000, "size": 16}}
PARAMS = [
    ui.Param("optimizers", "multi", ("SGD", "Momentum", "RMSProp", "Adam"), choices=NAMES,
             label="Optimizers"),
    ui.Param("dataset", "choice", "digits", choices=tuple(DATASETS), label="Dataset",
             help="digits: 1,797 scanned 8x8 digits; glyphs: 3,000 generated 16x16 characters."),
    ui.Param("epochs", int, 15, lo=1, hi=200, widget="number", label="Epochs"),
    *(ui.Param(f"lr_{n.lower()}", float, LR_DEFAULTS[n], lo=1e-5, hi=10.0, step=0.001,
               label=f"{n}: η") for n in NAMES),
    ui.Param("momentum", float, 0.9, lo=0.0, hi=0.999, step=0.05, label="Momentum, Nesterov: α"),
    ui.Param("rho", float, 0.9, lo=0.0, hi=0.999, step=0.05, label="RMSProp: ρ"),
    ui.Param("beta1", float, 0.9, lo=0.0, hi=0.999, step=0.05, label="Adam: β₁"),
    ui.Param("beta2", float, 0.999, lo=0.0, hi=0.9999, step=0.001, label="Adam: β₂"),
    ui.Param("batch", int, 32, lo=1, hi=512, widget="number", label="Batch size"),
    ui.Param("width", int, 64, lo=4, hi=256, step=4, widget="number", label="Hidden units"),
    ui.Param("keras", bool, False, label="Keras built-ins", widget="toggle",
             help="Train with keras.optimizers instead of the toolkit's from-scratch classes."),
]

st.title("Optimizer race")
st.markdown(
    "SGD, momentum, Nesterov, Adagrad, RMSProp and Adam train the same one-hidden-layer "
    "network from **identical initial weights and identical batches** "
    "(`toolkit.optim.optimizer_race`, built on `toolkit.train.compare`), so the curves differ "
    "only by the update rule. Afterwards, the adaptive methods show the spread of their "
    "per-parameter learning rates η / √(δ + r)."
)
values, submitted = ui.train_form(KEY, PARAMS, submit_label="Train", columns=3)
choices = [optimizer_choice(n, values[f"lr_{n.lower()}"], momentum=values["momentum"],
                            rho=values["rho"], beta_1=values["beta1"], beta_2=values["beta2"],
                            builtin=values["keras"]) for n in values["optimizers"]]


def train(progress):
    data = ui.cached_dataset(values["dataset"], **DATASETS[values["dataset"]])
    live = ui.LiveComparison(KEY, metric="val_accuracy")
    runs = optimizer_race(choices, data, epochs=values["epochs"], batch_size=values["batch"],
                          hidden=(values["width"],), callbacks=[progress, live])
    live.close()
    st.session_state[f"{KEY}.result"] = (runs, choices)


record = ui.training_panel(KEY, submitted, train, metric="loss")
runs, raced = st.session_state.get(f"{KEY}.result", ({}, []))
if runs:
    colors = {label: run_color(index) for index, label in enumerate(runs)}  # as in the curves
    st.subheader("Results")
    st.dataframe(race_table(runs, raced), hide_index=True, width="stretch")
    for message in race_messages(runs):
        st.warning(message)
    histories = {label: run.history for label, run in runs.items()}
    st.plotly_chart(learning_curves(histories, "loss", title="Loss (train dashed, test solid)"),
                    key=f"{KEY}.fig.loss")
    st.plotly_chart(learning_curves(histories, "accuracy", title="Accuracy (train dashed, test solid)"),
                    key=f"{KEY}.fig.accuracy")
    st.caption("Wall time includes compiling each run's training loop (about a second).")
    rates = race_learning_rates(runs)
    if rates:
        st.plotly_chart(learning_rate_histogram(rates, colors=colors), key=f"{KEY}.fig.rates")
        st.caption("Each parameter's step size after the race. Adagrad's only shrinks, RMSProp "
                   "and Adam forget old gradients. Parameters whose gradient was always 0 (pixels "
                   "that are blank in every image) keep r = 0 and the largest step, η/√δ or η/δ.")
    else:
        st.caption("Pick Adagrad, RMSProp or Adam (from scratch) to see per-parameter learning rates.")
    label = st.selectbox("Download the bundle of", list(runs), key=f"{KEY}.bundle_run")
    ui.download_bundle_button(runs[label], key=f"{KEY}.bundle.{label}")
