"""Optimizer race: the update rules of chapter 3 train one network from identical weights."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.optim import RACE_DATASETS, RaceConfig, race_learning_rates, race_messages, race_table, run_race
from toolkit.viz import learning_curves, learning_rate_histogram
from toolkit.viz.theme import run_color

KEY = "race"


@dataclasses.dataclass
class PageState:
    config: RaceConfig | None = None  # the config of the run on screen


st.title("Optimizer race")
st.markdown(
    "SGD, momentum, Nesterov, Adagrad, RMSProp and Adam train the same one-hidden-layer "
    "network from **identical initial weights and identical batches** "
    "(`toolkit.optim.run_race`, built on `toolkit.train.compare`), so the curves differ "
    "only by the update rule. Afterwards, the adaptive methods show the spread of their "
    "per-parameter learning rates η / √(δ + r)."
)
form = ui.settings_form(KEY, ui.settings(RaceConfig), columns=3)
state = ui.page_state(KEY, PageState)
config = ui.config_or_stop(RaceConfig, form.values)
if form.submitted:
    state.config = config
    data = ui.cached_dataset(config.dataset, **RACE_DATASETS[config.dataset])


def train(live):
    return run_race(config, data, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    st.plotly_chart(learning_curves(frame.histories(), "val_accuracy",
                                    title=f"Test accuracy, epoch {frame.epoch}"), key=f"{KEY}.live")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss")
runs = job.result if job is not None and not job.running and job.result else {}
if runs:
    colors = {label: run_color(index) for index, label in enumerate(runs)}  # as in the curves
    st.subheader("Results")
    ui.table(race_table(runs, state.config.choices()))
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
