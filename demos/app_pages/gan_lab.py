"""GAN lab (2-D): a generator and a discriminator on a plane, trained live (after GAN Lab)."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.generative.gan_lab import EXTENT, GanLab, GanLabConfig
from toolkit.viz import gan_lab_figure, step_curves

KEY = "gan-lab"
STEP = 10  # generator steps of one click on Step
BUTTONS = {"both": "Train", "step": "Step", "d": "Train D only", "g": "Train G only", "restart": "Reset"}
SPECS = {spec.name: spec for spec in ui.settings(GanLabConfig, "data", "noise", "noise_dim", "loss", "k", "clip",
                                                  "steps", "g_layers", "g_units", "g_opt", "g_lr", "d_layers",
                                                  "d_units", "d_opt", "d_lr")}


@dataclasses.dataclass
class PageState:
    lab: GanLab | None = None  # trained a few steps per click; new settings make a new one
    number: int = 0  # which lab of the session: the panel draws only frames of the current one
    on_panel: bool = False  # a run of this lab started: the live panel shows its picture
    job: object = None  # the panel's last job (a new lab hides a finished one)


def widget(name):
    values[name] = ui.param_widget(SPECS[name], values[name], key=f"{KEY}.{name}")


def draw_lab(snap, where):
    """The picture of one lab snapshot: points, D's map, G's arrows, modes covered, both losses."""
    st.plotly_chart(gan_lab_figure(snap.real, snap.fake, snap.grid_x, snap.grid_y, snap.d_values, arrows=snap.arrows,
                                   probability=snap.probability, anchors=snap.anchors, extent=EXTENT,
                                   title=f"After {snap.g_steps} G steps and {snap.d_steps} D steps"),
                    key=f"{KEY}.fig.{where}.map")
    st.metric("Modes covered", f"{snap.modes_covered} / {snap.modes}")
    history = snap.history
    if len(history["g_step"]):
        st.plotly_chart(step_curves({"D loss": history["d_loss"], "G loss": history["g_loss"]},
                                    steps=history["g_step"], x_title="generator step"), key=f"{KEY}.fig.{where}.losses")


st.title("GAN lab (2-D)")
st.markdown(
    "A generator G turns noise z into points; a discriminator D learns to tell them from the real "
    "points, and G learns to fool D. Both are small MLPs, trained with the notes' alternating "
    "algorithm (`toolkit.generative.GAN`): k steps of gradient **ascent** for D, then one step of "
    "**descent** for G. Watch the fake points chase the real ones, D's map, and the arrows: where "
    "G's loss pushes each fake point. On the 8 Gaussians, look for **mode collapse**."
)
st.latex(r"\min_G \max_D V(D, G) = \mathbb{E}_x \log D(x) + \mathbb{E}_z \log(1 - D(G(z))) \qquad "
         r"\text{arrows: } -\partial L_G / \partial x \text{ at } x = G(z)")
values = dict(ui.read_params(SPECS.values()).values)
controls, view = st.columns([1, 2.3], gap="large")
with controls:
    for name in ("data", "noise", "noise_dim", "loss", "k"):
        widget(name)
    if values["loss"] == "wgan":
        widget("clip")
    widget("steps")
    for who, title in (("g", "Generator G"), ("d", "Discriminator D")):
        with st.expander(title):
            for name in ("layers", "units", "opt", "lr"):
                widget(f"{who}_{name}")
    centres = None
    if values["data"] == "custom":
        table = st.data_editor({"x": [-1.0, 0.8, 0.3], "y": [0.5, 0.9, -1.2]}, num_rows="dynamic",
                               key=f"{KEY}.points", width="stretch")
        centres = tuple(zip(table["x"], table["y"]))
        st.caption("Your points, in [-1.8, 1.8]; each gets a Gaussian of real data around it.")
    ui.write_params(values, SPECS.values())
    ui.link_tools(KEY, list(SPECS.values()), values)

with view:
    pressed = {mode: column.button(label, key=f"{KEY}.{mode}", type="primary" if mode == "both" else "secondary")
               for column, (mode, label) in zip(st.columns(len(BUTTONS)), BUTTONS.items())}
    clicked = next((mode for mode, down in pressed.items() if down), None)
    try:
        config = GanLabConfig(**values, centres=centres)
    except ValueError as error:
        ui.show_error(error)
        st.stop()
    state = ui.page_state(KEY, PageState)
    if clicked == "restart" or state.lab is None or not state.lab.matches(config):
        state.lab, state.number, state.on_panel = GanLab(config), state.number + 1, False
    lab, number = state.lab, state.number
    mode = None if clicked in (None, "restart") else "both" if clicked == "step" else clicked
    steps = STEP if clicked == "step" else config.steps
    state.on_panel = state.on_panel or mode is not None

    def train(live):
        live.watch(lambda run: {"lab": lab.snapshot(), "number": number})  # training thread, panel's rate
        return lab.play(steps, mode, callbacks=live.callbacks, stop=live.stop)

    def draw(frame):
        if frame.extras.get("number") == state.number:
            draw_lab(frame.extras["lab"], "live")

    # GAN losses need not fall while G learns: no "did not learn" verdict (the metric is not in the history)
    if state.on_panel or (state.job is not None and state.job.running):  # else its end state is an old lab's
        state.job = job = ui.live_panel(KEY, start=mode is not None, train=train, draw=draw, metric="modes covered",
                                        unit="step")
    else:
        job = None
    if not state.on_panel or (job is not None and not job.running and not job.frame.histories()):
        draw_lab(lab.snapshot(), "still")  # no run of this lab drew it (or a diverged lab trained no step)
    if job is None or not job.running:
        verdict, message = lab.diagnosis()
        if verdict == "collapsed":
            st.warning(message)

st.caption("Green: real data. Purple: fake points G(z) for 500 fixed z. Background: D(x), the probability "
           "that x is real (orange = fake, blue = real; for LSGAN and WGAN the raw score). Lines from the "
           "fake points: −∂L_G/∂x, where the generator's loss pushes each one. Rings: the modes counted as "
           "covered when at least a quarter of their share of fakes is within 0.3 of them. Step trains "
           f"{STEP} generator steps; Train continues from where the last run stopped.")
