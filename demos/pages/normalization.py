"""Normalization: covariate shift, batch norm at a high learning rate, its two modes, its axes."""

import streamlit as st

from demos import ui
from toolkit.optim import batchnorm_modes, normalization_race, saturation_intervals, shared_statistics
from toolkit.optim.norm_statistics import axes_table
from toolkit.viz import (
    learning_curves, mode_outputs, moving_statistics, normalization_cubes, preactivation_histograms,
)

KEY = "normalization"
SCALES = {"raw counts 0–16": 16.0, "scaled to [0, 1]": 1.0}
SHIFT = [
    ui.Param("activation", "choice", "sigmoid", choices=("sigmoid", "tanh", "relu"), label="Activation h"),
    ui.Param("inputs", "choice", "raw counts 0–16", choices=tuple(SCALES), label="Pixel values",
             help="Raw counts push the first layer's z far from 0, into the sigmoid's flat tails."),
    ui.Param("norms", "multi", ("none", "batch"), choices=("none", "batch", "layer"),
             label="Normalizations", help="none, BatchNorm, LayerNorm between z and h."),
    ui.Param("lr", float, 0.5, lo=1e-4, hi=10.0, step=0.05, label="Learning rate η (SGD)"),
    ui.Param("epochs", int, 10, lo=1, hi=100, label="Epochs"),
    ui.Param("depth", int, 3, lo=1, hi=6, label="Hidden layers"),
]
HIGH = [
    ui.Param("high_lr", float, 1.0, lo=1e-4, hi=10.0, step=0.1, label="Learning rate η (SGD)"),
    ui.Param("high_activation", "choice", "relu", choices=("sigmoid", "tanh", "relu"), label="Activation h"),
    ui.Param("high_epochs", int, 10, lo=1, hi=100, label="Epochs"),
]


def race(progress, key, **settings):
    live = ui.LiveComparison(key, metric="val_accuracy")
    result = normalization_race(ui.cached_dataset("digits", size=8), callbacks=[progress, live], **settings)
    live.close()
    st.session_state[f"{key}.result"] = result


def show_curves(key):
    result = st.session_state.get(f"{key}.result")
    if result is not None:
        histories = {label: run.history for label, run in result.runs.items()}
        left, right = st.columns(2)
        left.plotly_chart(learning_curves(histories, "loss", title="Loss (train dashed, test solid)"),
                          key=f"{key}.fig.loss")
        right.plotly_chart(learning_curves(histories, "accuracy", title="Accuracy"), key=f"{key}.fig.acc")
        st.caption("BatchNorm's test curves lag behind its training curves at first: at test time it "
                   "uses moving averages (momentum 0.99) that take a few hundred steps to settle "
                   "(see Training vs inference).")
    return result


st.title("Normalization")
st.markdown(
    "Batch normalization standardizes each layer's pre-activation, H′ = (H − μ) / σ, then lets "
    "the network rescale it, γH′ + β. Below: what it does to the pre-activations during training "
    "(the notes' covariate shift), how it lets a network train at a high learning rate, how it "
    "behaves differently in training and at test time, and which axes each norm averages over."
)
shift_tab, high_tab, modes_tab, axes_tab = st.tabs(
    ["Covariate shift", "High learning rate", "Training vs inference", "Which axes"])

with shift_tab:
    values, submitted = ui.train_form(KEY, SHIFT, columns=3)
    ui.training_panel(KEY, submitted, lambda p: race(
        p, KEY, normalizations=values["norms"], activation=values["activation"],
        hidden=(64,) * values["depth"], learning_rate=values["lr"], epochs=values["epochs"],
        input_scale=SCALES[values["inputs"]]))
    result = show_curves(KEY)
    if result is not None:
        st.plotly_chart(preactivation_histograms(
            result.preactivations, saturation=saturation_intervals(result.activation)), key=f"{KEY}.fig.hist")
        st.caption(f"Histograms of z = Wᵀa + b entering h = {result.activation}, on the same 256 training "
                   "images, from epoch 0 (light) to the last (dark). Shaded: where h′(z) is below a "
                   "tenth of its maximum, so the gradient through h nearly vanishes.")
        st.dataframe(result.saturation_summary(), hide_index=True, width="stretch")

with high_tab:
    st.markdown("Plain SGD at a large η, with and without BatchNorm after every hidden layer "
                "(three layers of 64 units, identical initial weights and batches).")
    high, high_submitted = ui.train_form(f"{KEY}_high", HIGH, columns=3)
    ui.training_panel(f"{KEY}_high", high_submitted, lambda p: race(
        p, f"{KEY}_high", activation=high["high_activation"], learning_rate=high["high_lr"],
        epochs=high["high_epochs"], normalizations=("none", "batch")))
    result = show_curves(f"{KEY}_high")
    if result is not None:
        st.dataframe(result.saturation_summary(), hide_index=True, width="stretch")
        st.caption("With ReLU, a few oversized steps can push almost every unit's z below 0, where "
                   "h′(z) = 0: those units are dead and the loss stays at chance. BatchNorm re-centres z "
                   "at every step, so about half the units stay active whatever η does to W.")

with modes_tab:
    st.markdown("A fresh BatchNorm layer sees batches of two features with means 3 and −1 and "
                "standard deviations 2 and 0.5. In **training** it standardizes with each batch's "
                "own μ, σ²; at **inference** it uses moving averages, m·old + (1 − m)·batch, which "
                "start at (0, 1) and need a number of steps to settle.")
    left, middle, right = st.columns(3)
    momentum = left.slider("Momentum m", 0.0, 0.999, 0.9, 0.01, key=f"{KEY}.momentum")
    batch = middle.select_slider("Batch size", [2, 4, 8, 16, 32, 64, 128], 32, key=f"{KEY}.batch")
    steps = right.slider("Training steps", 1, 500, 50, key=f"{KEY}.steps")
    try:
        modes = batchnorm_modes(batch_size=batch, steps=steps, momentum=momentum)
    except ValueError as error:
        ui.show_error(error)
    else:
        st.plotly_chart(moving_statistics(modes.moving_mean, modes.moving_variance, modes.batch_mean,
                                          modes.batch_variance, modes.mean, modes.std),
                        key=f"{KEY}.fig.moving")
        st.plotly_chart(mode_outputs(modes.probe, modes.training_output, modes.inference_before,
                                     modes.inference_after), key=f"{KEY}.fig.modes")

with axes_tab:
    st.markdown("An (N, C, H, W) batch drawn as a cube: samples N from the top layer down, channels "
                "C from front to back, H and W flattened into one axis across. Blue: the values "
                "standardized with the same μ and σ² as the chosen one (sample n, channel c).")
    left, middle, right = st.columns(3)
    groups = left.select_slider("Groups G (group norm)", [1, 2, 3, 6], 3, key=f"{KEY}.groups")
    sample = middle.slider("Sample n", 0, 5, 0, key=f"{KEY}.sample")
    channel = right.slider("Channel c", 0, 5, 0, key=f"{KEY}.channel")
    masks = {f"{kind.capitalize()} norm": shared_statistics(kind, groups=groups, sample=sample,
                                                           channel=channel)
             for kind in ("batch", "layer", "instance", "group")}
    st.plotly_chart(normalization_cubes(masks), key=f"{KEY}.fig.cubes")
    st.dataframe(axes_table(), hide_index=True, width="stretch")
