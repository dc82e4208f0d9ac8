"""Loss surfaces: the optimizers of chapter 3 racing on 2-D surfaces, animated step by step."""

import streamlit as st

from demos import ui
from toolkit.optim import OPTIMIZERS, PRESETS, SURFACES, optimizer_choice, surface_grid, surface_lab
from toolkit.viz import loss_per_step, trajectory_contour
from toolkit.viz.theme import run_color

KEY = "optimization"
NAMES = tuple(OPTIMIZERS)
LR_DEFAULTS = {"SGD": 0.01, "Momentum": 0.01, "Nesterov": 0.01, "Adagrad": 0.5,
               "RMSProp": 0.05, "Adam": 0.05}
PARAMS = {spec.name: spec for spec in (
    ui.Param("surface", "choice", "saddle", choices=tuple(SURFACES), label="Surface",
             help="f(x, y): the loss as a function of two weights."),
    ui.Param("optimizers", "multi", ("SGD", "Momentum", "Adam"), choices=NAMES, label="Optimizers"),
    *(ui.Param(f"lr_{n.lower()}", float, LR_DEFAULTS[n], lo=1e-5, hi=10.0, step=0.001,
               label=f"{n}: learning rate η", help="η > 0, the step size.") for n in NAMES),
    ui.Param("momentum", float, 0.9, lo=0.0, hi=0.999, step=0.05, label="Momentum α",
             help="Momentum and Nesterov: share of the previous velocity kept, in [0, 1)."),
    ui.Param("rho", float, 0.9, lo=0.0, hi=0.999, step=0.05, label="RMSProp decay ρ"),
    ui.Param("beta1", float, 0.9, lo=0.0, hi=0.999, step=0.05, label="Adam β₁"),
    ui.Param("beta2", float, 0.999, lo=0.0, hi=0.9999, step=0.001, label="Adam β₂"),
    ui.Param("x0", float, 1.5, lo=-100.0, hi=100.0, step=0.1, label="start x"),
    ui.Param("y0", float, 0.01, lo=-100.0, hi=100.0, step=0.1, label="start y"),
    ui.Param("steps", int, 300, lo=1, hi=2000, step=10, label="Steps"),
    ui.Param("keras", bool, False, label="Keras built-ins", widget="toggle",
             help="Run keras.optimizers instead of the toolkit's from-scratch classes."),
)}


def apply_preset() -> None:
    """Copies the chosen preset into the widgets (runs before the page reruns)."""
    preset = PRESETS.get(st.session_state[f"{KEY}.preset"])
    if preset is None:
        return
    state = {"surface": preset.surface, "shown_surface": preset.surface, "steps": preset.steps,
             "optimizers": list(preset.optimizers), "x0": preset.start[0], "y0": preset.start[1]}
    for name, hp in preset.optimizers.items():
        state[f"lr_{name.lower()}"] = hp["learning_rate"]
        state.update({k.replace("_", ""): v for k, v in hp.items() if k != "learning_rate"})
    for name, value in state.items():
        st.session_state[f"{KEY}.{name}"] = value


def widget(name):
    return ui.param_widget(PARAMS[name], values[name], key=f"{KEY}.{name}")


def reset_start_on_new_surface(surface) -> None:
    """A newly picked surface starts from its own default start (before the start widgets exist)."""
    if st.session_state.get(f"{KEY}.shown_surface", surface) != surface:
        st.session_state[f"{KEY}.x0"], st.session_state[f"{KEY}.y0"] = SURFACES[surface].start
    st.session_state[f"{KEY}.shown_surface"] = surface


def start_from_click() -> None:
    """A click on the map (a faint grid point or a path point) becomes the start."""
    points = st.session_state[f"{KEY}.map"].selection.points
    if points:
        st.session_state[f"{KEY}.x0"] = round(float(points[0]["x"]), 3)
        st.session_state[f"{KEY}.y0"] = round(float(points[0]["y"]), 3)


st.title("Loss surfaces")
st.markdown(
    "Every optimizer of the notes, from the same start on a 2-D loss f(x, y): the same "
    "`toolkit.optim` classes that train networks move the point (x, y). Pick a **lesson** "
    "to load settings that show the saddle point, the local minimum, the ravine or divergence; "
    "press ▶ Play to watch the paths grow; **click the map** to start from there."
)
values, _ = ui.read_params(PARAMS.values())
controls, view = st.columns([1, 2.2], gap="large")
with controls:
    st.selectbox("Lesson", ["(your own settings)", *PRESETS], key=f"{KEY}.preset",
                 on_change=apply_preset)
    values["surface"] = widget("surface")
    reset_start_on_new_surface(values["surface"])
    values["optimizers"] = widget("optimizers")
    for name in values["optimizers"]:
        values[f"lr_{name.lower()}"] = widget(f"lr_{name.lower()}")
    with st.expander("Momentum, ρ, β", expanded=False):
        for name in ("momentum", "rho", "beta1", "beta2"):
            values[name] = widget(name)
    left, right = st.columns(2)
    with left:
        values["x0"] = widget("x0")
    with right:
        values["y0"] = widget("y0")
    values["steps"] = widget("steps")
    values["keras"] = widget("keras")
    ui.write_params(values, PARAMS.values())

surface = SURFACES[values["surface"]]
preset = PRESETS.get(st.session_state.get(f"{KEY}.preset"))
if preset is not None and preset.surface == surface.name:
    st.info(f"**{preset.title}.** {preset.lesson}")
choices = [optimizer_choice(n, values[f"lr_{n.lower()}"], momentum=values["momentum"],
                            rho=values["rho"], beta_1=values["beta1"], beta_2=values["beta2"],
                            builtin=values["keras"]) for n in values["optimizers"]]
lab = None
try:
    lab = surface_lab(surface, choices, start=(values["x0"], values["y0"]), steps=values["steps"])
except ValueError as error:
    ui.show_error(f"{error} Change the start point or the settings; the surface is shown alone.")

colors = {c.label: run_color(NAMES.index(c.name)) for c in choices}
with view:
    st.latex(f"f(x, y) = {surface.formula}")
    grid = lab.grid if lab else surface_grid(surface, 120)
    fig = trajectory_contour(*grid, lab.paths if lab else {}, colors=colors, minima=surface.minima,
                             local_minima=surface.local_minima, saddles=surface.saddles,
                             start=(values["x0"], values["y0"]), click_grid=25,
                             title=f"{surface.title}: paths from ({values['x0']:g}, {values['y0']:g})")
    st.plotly_chart(fig, key=f"{KEY}.map", on_select=start_from_click, selection_mode="points")
    st.caption(f"Domain {surface.domain_text()}. ★ global minimum, ☆ local minimum, ✕ saddle "
               "point, ○ start; a path that leaves the domain ends with an ✕ where it left.")

if lab is not None:
    message = lab.divergence_message()
    if message:
        (st.info if surface.minimum_value is None else st.warning)(message)
    curves, table = st.columns([1, 1], gap="large")
    curves.plotly_chart(loss_per_step(lab.paths, colors=colors), key=f"{KEY}.fig.loss")
    with table:
        st.dataframe(lab.table(), hide_index=True, width="stretch")
        st.caption("Outcome: where the path ended (within 2 % of the domain's diagonal of a "
                   "minimum or saddle), or the step at which it left the domain.")
