"""GAN lab (2-D): a generator and a discriminator on a plane, trained live (after GAN Lab)."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.generative.gan_lab import DISTRIBUTION_LABELS, EXTENT, OPTIMIZERS, GanLab, GanLabConfig
from toolkit.generative.gan_losses import LOSS_LABELS
from toolkit.viz import gan_lab_figure, step_curves

KEY = "gan-lab"
PARAMS = {spec.name: spec for spec in (
    ui.Param("data", "choice", "gaussians8", choices=tuple(DISTRIBUTION_LABELS), label="Real data",
             help="P_data. 'my points' puts a small Gaussian around each point of the table below."),
    ui.Param("noise", "choice", "gaussian", choices=("gaussian", "uniform"), label="Noise p_z"),
    ui.Param("noise_dim", int, 2, lo=1, hi=2, label="Noise dimensions", widget="number"),
    ui.Param("loss", "choice", "non_saturating", choices=tuple(LOSS_LABELS), label="Loss"),
    ui.Param("k", int, 1, lo=1, hi=10, label="k: D steps per G step", widget="number"),
    ui.Param("clip", float, 0.01, lo=0.0, hi=10.0, step=0.01, label="WGAN weight clip c (0 = off)"),
    ui.Param("steps", int, 500, lo=1, hi=5000, step=50, label="Generator steps per Train", widget="number"),
    *(spec for who, name in (("g", "G"), ("d", "D")) for spec in (
        ui.Param(f"{who}_layers", int, 2, lo=1, hi=6, label=f"{name}: hidden layers", widget="number"),
        ui.Param(f"{who}_units", int, 32, lo=1, hi=128, label=f"{name}: neurons per layer", widget="number"),
        ui.Param(f"{who}_opt", "choice", "adam", choices=OPTIMIZERS, label=f"{name}: optimizer"),
        ui.Param(f"{who}_lr", float, 0.002, lo=1e-5, hi=1.0, step=0.0005, label=f"{name}: learning rate"))),
)}


def widget(name):
    return ui.param_widget(PARAMS[name], values[name], key=f"{KEY}.{name}")


def lab_config(values, centres) -> GanLabConfig:
    return GanLabConfig(data=values["data"], noise=values["noise"], noise_dim=values["noise_dim"],
                        loss=values["loss"], d_steps=values["k"], clip_value=values["clip"],
                        g_layers=values["g_layers"], g_units=values["g_units"], g_optimizer=values["g_opt"],
                        g_lr=values["g_lr"], d_layers=values["d_layers"], d_units=values["d_units"],
                        d_optimizer=values["d_opt"], d_lr=values["d_lr"], centres=centres)


def current_lab(config):
    """The session's lab for these settings; new settings start a new lab."""
    key = repr(dataclasses.astuple(config))
    if st.session_state.get(f"{KEY}.config") != key or f"{KEY}.lab" not in st.session_state:
        st.session_state[f"{KEY}.lab"], st.session_state[f"{KEY}.config"] = GanLab(config), key
    return st.session_state[f"{KEY}.lab"]


def draw(snapshot, frame):
    fig = gan_lab_figure(snapshot.real, snapshot.fake, snapshot.grid_x, snapshot.grid_y, snapshot.d_values,
                         arrows=snapshot.arrows, probability=snapshot.probability, anchors=snapshot.anchors,
                         extent=EXTENT, title=f"After {snapshot.g_steps} G steps and {snapshot.d_steps} D steps")
    picture.plotly_chart(fig, key=f"{KEY}.map.{frame}")
    covered.metric("Modes covered", f"{snapshot.modes_covered} / {snapshot.modes}")
    history = snapshot.history
    if len(history["g_step"]):
        curves.plotly_chart(step_curves({"D loss": history["d_loss"], "G loss": history["g_loss"]},
                                        steps=history["g_step"], x_title="generator step"),
                            key=f"{KEY}.losses.{frame}")


st.title("GAN lab (2-D)")
st.markdown(
    "A generator G turns noise z into points; a discriminator D learns to tell them from the real "
    "points, and G learns to fool D. Both are small MLPs, trained with the notes' alternating "
    "algorithm (`toolkit.generative.GAN`): k steps of gradient **ascent** for D, then one step of "
    "**descent** for G. Watch the fake points chase the real ones, D's map, and the arrows: where "
    "G's loss pushes each fake point. On the 8 Gaussians, look for **mode collapse**."
)
values, _ = ui.read_params(PARAMS.values())
controls, view = st.columns([1, 2.3], gap="large")
with controls:
    for name in ("data", "noise", "noise_dim", "loss", "k"):
        values[name] = widget(name)
    if values["loss"] == "wgan":
        values["clip"] = widget("clip")
    values["steps"] = widget("steps")
    for who, title in (("g", "Generator G"), ("d", "Discriminator D")):
        with st.expander(title):
            for name in ("layers", "units", "opt", "lr"):
                values[f"{who}_{name}"] = widget(f"{who}_{name}")
    centres = None
    if values["data"] == "custom":
        table = st.data_editor({"x": [-1.0, 0.8, 0.3], "y": [0.5, 0.9, -1.2]}, num_rows="dynamic",
                               key=f"{KEY}.points", width="stretch")
        centres = tuple(zip(table["x"], table["y"]))
        st.caption("Your points, in [-1.8, 1.8]; each gets a Gaussian of real data around it.")
    ui.write_params(values, PARAMS.values())

with view:
    buttons = st.columns(5)
    clicked = {mode: buttons[i].button(label, key=f"{KEY}.{mode}", type="primary" if i == 0 else "secondary")
               for i, (mode, label) in enumerate((("both", "Train"), ("step", "Step"), ("d", "Train D only"),
                                                  ("g", "Train G only"), ("reset", "Reset")))}
    status, picture = st.empty(), st.empty()
    covered, steps_rate = (column.empty() for column in st.columns(2))
    curves = st.empty()
    try:
        if clicked["reset"]:
            st.session_state.pop(f"{KEY}.lab", None)
        lab = current_lab(lab_config(values, centres))
        mode = next((m for m in ("both", "step", "d", "g") if clicked[m]), None)
        snapshot = lab.snapshot()
        if mode:
            steps = 1 if mode == "step" else values["steps"]
            frames = lab.play(steps, "both" if mode == "step" else mode, frame_steps=25)
            for frame, snapshot in enumerate(frames):
                status.caption(f"Training… {snapshot.g_steps} G steps, {snapshot.d_steps} D steps")
                draw(snapshot, frame)
        draw(snapshot, "final")
        if mode and mode != "step":
            steps_rate.metric("Steps per second, drawing included", f"{lab.steps_per_second:.0f}")
        verdict, message = lab.diagnosis(snapshot)
        if verdict == "ok":
            status.caption(f"{snapshot.g_steps} G steps and {snapshot.d_steps} D steps so far.")
        else:
            (status.error if verdict == "diverged" else status.warning)(message)
    except ValueError as error:
        ui.show_error(error)

st.caption("Green: real data. Purple: fake points G(z) for 500 fixed z. Background: D(x), the probability "
           "that x is real (orange = fake, blue = real; for LSGAN and WGAN the raw score). Lines from the "
           "fake points: −∂L_G/∂x, where the generator's loss pushes each one. Rings: the modes counted as "
           "covered when at least a quarter of their share of fakes is within 0.3 of them.")
