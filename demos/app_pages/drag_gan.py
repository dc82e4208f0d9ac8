"""DragGAN: train the glyph DCGAN, then drag a point of one of its glyphs to a target, frame by frame."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.generative import drag
from toolkit.generative import glyph_gan as gg
from toolkit.generative.metrics import glyph_judge
from toolkit.viz import image_grid
from toolkit.viz.drag import drag_figure
from toolkit.viz.gan import adversarial_losses, step_curves

KEY = "drag_gan"
TRAIN_KEY, DRAG_KEY = f"{KEY}.train", f"{KEY}.drag"
PICK = f"{DRAG_KEY}.fig.pick"
TRAIN_SPECS = ui.settings(drag.DragGeneratorConfig, "epochs", "n", "batch", "g_lr", "d_lr", "seed")
SAMPLE_SPEC, *DRAG_SPECS = ui.settings(drag.DragConfig)


@dataclasses.dataclass
class PageState:
    picked: tuple = ()  # the last click already used
    next_pick: str = "handle"  # what the next click on the sample sets


def draw_training(frame):
    extras = frame.extras
    if "grid" in extras:
        st.plotly_chart(image_grid(extras["grid"], title=f"The same 40 latent vectors · epoch {extras['epoch']}",
                                   compact=True), key=f"{TRAIN_KEY}.fig.grid")
    if frame.histories():
        st.plotly_chart(adversarial_losses(frame.histories()), key=f"{TRAIN_KEY}.fig.losses")


def draw_drag(frame):
    extras = frame.extras
    if "frame" not in extras:
        return
    left, right = st.columns(2)
    left.plotly_chart(drag_figure(extras["first"], extras["handles"][0], extras["target"], title="Before: p₀ and t"),
                      key=f"{DRAG_KEY}.fig.before")
    right.plotly_chart(drag_figure(extras["frame"], extras["handles"][-1], extras["target"], path=extras["handles"],
                                   title=f"Step {extras['step']}: the handle p and its path"),
                       key=f"{DRAG_KEY}.fig.now")
    if frame.histories():
        distance = next(iter(frame.histories().values()))["distance"]
        st.plotly_chart(step_curves({"‖t − p‖": distance}, y_title="pixels", title="Distance from the handle "
                                    "to the target (stops below 1 pixel)"), key=f"{DRAG_KEY}.fig.distance")


def use_click(state):
    """A click on the sample sets the handle, the next one the target (written into the form's inputs)."""
    points = (st.session_state.get(PICK) or {}).get("selection", {}).get("points", [])
    if not points or (points[0].get("x"), points[0].get("y")) == state.picked:
        return
    state.picked = (points[0]["x"], points[0]["y"])
    st.session_state[f"{DRAG_KEY}.{state.next_pick}_x"] = int(points[0]["x"])
    st.session_state[f"{DRAG_KEY}.{state.next_pick}_y"] = int(points[0]["y"])
    state.next_pick = "target" if state.next_pick == "handle" else "handle"


st.title("DragGAN")
st.markdown(
    "**Drag-GAN** (Pan et al., 2023) edits a generated image by drag and drop: you put a **handle** point p on the "
    "image and a **target** t, and the generator's latent is optimized until the content under p has moved to t. "
    "No other network is trained: each step (1) pulls the generator's features one pixel from p towards t "
    "(*motion supervision*), then (2) finds p again by matching its original feature (*point tracking*). Here the "
    "generator is the glyph DCGAN, trained in step 1 in about a minute.")
for formula in drag.DRAG_LATEX.values():
    st.latex(formula)
state = ui.page_state(KEY, PageState)

st.header("1 · Train the generator")
train_form = ui.settings_form(TRAIN_KEY, TRAIN_SPECS, columns=3)
train_config = ui.config_or_stop(drag.DragGeneratorConfig, train_form.values)


def train(live):
    live.watch(gg.live_samples)
    return gg.run_glyph_gan(train_config, callbacks=live.callbacks, stop=live.stop,
                            on_setup=lambda text: live.publish(setup=text))


trained = ui.finished(ui.live_panel(TRAIN_KEY, start=train_form.submitted, train=train, draw=draw_training,
                                    metric="g_loss", draw_early=True))

st.header("2 · Drag")
if trained is None or trained.run.status == "diverged":
    st.info("Train the generator in step 1 first: its glyphs are dragged here.", icon=":material/arrow_upward:")
    st.stop()
gan = trained.run.model
use_click(state)
picker, notes = st.columns([3, 2], gap="large")
with notes:
    sample = ui.param_widget(SAMPLE_SPEC, ui.read_params([SAMPLE_SPEC]).values["sample"], key=f"{DRAG_KEY}.sample")
    st.markdown(f"Click a pixel of the glyph: the next click sets the **{state.next_pick}** "
                f"({'red circle' if state.next_pick == 'handle' else 'blue cross'}). Or type the points below, then "
                "press **Drag** and watch the glyph move, step by step.")
drag_form = ui.settings_form(DRAG_KEY, DRAG_SPECS, submit_label="Drag", columns=4, outside=[(SAMPLE_SPEC, sample)])
config = ui.config_or_stop(drag.DragConfig, {**drag_form.values, "sample": sample})
with picker:
    image = gan.generate_numpy(drag.sample_latent(gan.latent_dim, config.sample, gan.noise))[0]
    st.plotly_chart(drag_figure(image, config.handle, config.target, clickable=True,
                                title=f"Sample {config.sample}: click the handle p, then the target t"),
                    key=PICK, on_select="rerun", selection_mode="points")

def run(live):
    live.watch(drag.live_drag)
    return drag.run_drag(gan, config, callbacks=live.callbacks, stop=live.stop)


result = ui.finished(ui.live_panel(DRAG_KEY, start=drag_form.submitted, train=run, draw=draw_drag, metric="distance",
                                   unit="step", draw_early=True))
if result is not None:
    read = drag.judged(result, glyph_judge())
    (st.success if result.reached else st.warning)(
        f"The handle {'reached' if result.reached else 'ended'} {result.distances[-1]:.1f} pixels from the target "
        f"(it started {result.distances[0]:.1f} away) after {len(result.distances) - 1} steps. The glyph "
        f"classifier reads the glyph as **{read['before'][0]}** ({read['before'][1]:.0%}) before and as "
        f"**{read['after'][0]}** ({read['after'][1]:.0%}) after.")
    frames, steps = drag.filmstrip(result)
    st.plotly_chart(image_grid(frames, cols=5, title=f"The glyph at steps {', '.join(map(str, steps))}"),
                    key=f"{DRAG_KEY}.fig.strip")
    st.caption("Try the latent z instead of the map h: with only 16 numbers every step re-draws the whole glyph, "
               "and the handle rarely gets there. Try λ = 0: the target is reached, but the glyph is often torn "
               "into another character.")
