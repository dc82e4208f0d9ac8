"""Loss surfaces: the optimizers of chapter 3 descending 2-D surfaces, animated step by step."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.optim import (
    OPTIMIZER_NAMES, SURFACES, UPDATE_RULES, SurfaceConfig, run_surface_lab, surface_grid,
)
from toolkit.viz import loss_per_step, trajectory_contour
from toolkit.viz.theme import run_color

KEY = "optimization"
LESSONS = ui.page_lessons("optimization")[KEY]


@dataclasses.dataclass
class PageState:
    clicked: bool = False  # a click on the map picked a new start: descend from there


def start_from_click() -> None:
    """A click on the map (a faint grid point or a path point) becomes the start, and runs."""
    points = st.session_state[f"{KEY}.map"].selection.points
    if points:
        st.session_state[f"{KEY}.x0"] = round(float(points[0]["x"]), 3)
        st.session_state[f"{KEY}.y0"] = round(float(points[0]["y"]), 3)
        ui.page_state(KEY, PageState).clicked = True


def draw_map(surface, lab=None, start=None, colors=None) -> None:
    """The contours of `surface` with the lab's paths (or none yet), clickable."""
    grid = lab.grid if lab is not None else surface_grid(surface, 120)
    start = start if lab is None else next(iter(lab.paths.values())).points[0]
    st.latex(f"f(x, y) = {surface.formula}")
    title = f"paths from ({start[0]:.3g}, {start[1]:.3g})" if start is not None else "click to pick a start"
    fig = trajectory_contour(*grid, lab.paths if lab is not None else {}, colors=colors,
                             minima=surface.minima, local_minima=surface.local_minima,
                             saddles=surface.saddles, start=start, click_grid=25,
                             title=f"{surface.title}: {title}")
    st.plotly_chart(fig, key=f"{KEY}.map", on_select=start_from_click, selection_mode="points")
    st.caption(f"Domain {surface.domain_text()}. ★ global minimum, ☆ local minimum, ✕ saddle "
               "point, ○ start; a path that leaves the domain ends with an ✕ where it left. "
               "**Click the map** to descend from there.")


st.title("Loss surfaces")
st.markdown(
    "Every optimizer of the notes, from the same start on a 2-D loss f(x, y): the same "
    "`toolkit.optim` classes that train networks move the point (x, y), one `Run` per "
    "optimizer. Open a **lesson** for settings that show the saddle point, the local minimum, "
    "the ravine or divergence; press ▶ Play under the map to watch the paths grow."
)
links = st.container()
controls, rules = st.columns([2, 1], gap="medium")
with controls:
    form = ui.settings_form(KEY, ui.settings(SurfaceConfig), lessons=LESSONS, columns=3, lesson_list=False)
with links:
    ui.lesson_links(LESSONS, form.lesson)
with rules:
    st.caption("The update rule of each chosen optimizer, ĝ = ∇f(x, y):")
    for name in form.values["optimizers"] or OPTIMIZER_NAMES:
        st.latex(UPDATE_RULES[name])
state = ui.page_state(KEY, PageState)
try:
    config = SurfaceConfig(**form.values)
except ValueError as error:
    ui.show_error(error)
    draw_map(SURFACES[form.values["surface"]])  # still clickable: pick a start on it
    st.stop()
start, state.clicked = form.submitted or state.clicked, False
colors = {c.label: run_color(OPTIMIZER_NAMES.index(c.name)) for c in config.choices()}


def train(live):
    return run_surface_lab(config, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    runs = {name: run for name, run in frame.runs.items() if run.epochs_done}
    st.plotly_chart(loss_per_step({name: run.history["loss"] for name, run in runs.items()}, colors=colors,
                                  diverged={name: run.status == "diverged" for name, run in runs.items()},
                                  title=f"f along each path, step {frame.epoch}"), key=f"{KEY}.live")


job = ui.live_panel(KEY, start=start, train=train, draw=draw, metric="loss", unit="step", colors=colors)
lab = job.result if job is not None and not job.running and getattr(job.result, "paths", None) else None
draw_map(lab.surface if lab is not None else SURFACES[config.surface], lab, config.start, colors)
if lab is not None:
    message = lab.divergence_message()
    if message:
        (st.info if lab.surface.minimum_value is None else st.warning)(message)
    ui.table(lab.table())
    st.caption("Outcome: where the path ended (within 2 % of the domain's diagonal of a "
               "minimum or saddle), or the step at which it left the domain.")
