"""Patch dropping (FLIP): CLIP's ViT reads a random half of each scene's patches while it trains."""

import numpy as np
import streamlit as st

from demos import ui
from toolkit.data import shapes
from toolkit.multimodal import flip, lab
from toolkit.multimodal.masked import LATEX
from toolkit.train import EpochClock
from toolkit.viz import learning_curves, loss_vs_time
from toolkit.viz.gan import image_columns

KEY = "flip"
SPECS = ui.settings(flip.FlipConfig, "flip_ratio", "flip_epochs", "clip_epochs", "clip_scenes", "clip_batch",
                    "clip_lr", "clip_seed")
LESSONS = ui.page_lessons("flip")[KEY]

st.title("Patch dropping (FLIP)")
st.markdown(
    "The notes: *FLIP [...] try to scale CLIP training via randomly masking out image patches with a high masking "
    "ratio. This allow encoder to process only non-masked patches.* The image encoder here is the *CLIP* page's "
    "ViT (64 patches of 8×8 pixels, 2 blocks). FLIP adds each patch's position first, then keeps a random "
    "(1 − r) of them per scene and step, so the encoder's work shrinks with them; at evaluation it reads every "
    "patch. Train runs the ViT CLIP (r = 0) and then FLIP on the same scenes, captions, batches and seed, and "
    "compares their time and their retrieval: a trade of seconds against what each scene shows.")
st.latex(LATEX["mask_ratio"])
st.latex(r"f(x) = \mathrm{ViT}\big([x_{class};\ x_p^i E + E_{pos}^i : i \in V]\big)_{class},\quad "
         r"\text{cost} \propto |V|^2 \text{ (attention)} + |V| \text{ (MLPs)}")
form = ui.settings_form(KEY, SPECS, columns=4, lessons=LESSONS)
config = ui.config_or_stop(flip.FlipConfig, form.values)
data = ui.cached_dataset(**lab.clip_data_spec(config)) if form.submitted else None
with st.expander(f"What FLIP's encoder reads at r = {config.flip_ratio:g}", expanded=ui.last_result(KEY) is None):
    scenes = shapes.scenes(4, seed=3, min_objects=1, max_objects=2).images
    read = flip.visible_count(64, config.flip_ratio)
    dropped = flip.dropped_view(scenes, config.flip_ratio)
    st.plotly_chart(image_columns({f"scene {i + 1}": np.stack([scene, seen]) for i, (scene, seen) in
                                   enumerate(zip(scenes, dropped))},
                                  title=f"Top: the scene, all 64 patches (the ViT CLIP; evaluation). Bottom: one "
                                        f"training step of FLIP, {read} patches read, a new random subset every step"),
                    key=f"{KEY}.examples")


def train(live):
    clock = EpochClock()
    live.watch(lambda run: {"seconds": {name: list(times) for name, times in clock.seconds.items()}})
    # the clock first: each frame then carries the times of every epoch its curves show
    result = flip.run_flip_page(config, data, callbacks=[clock, *live.callbacks], stop=live.stop)
    if result.run.epochs_done:
        live.finishing(f"the recalls on {len(result.clip.captions)} held-out scenes and the zero-shot accuracy on "
                       f"{lab.PROBE_SCENES} single shapes, every patch read")
        result.evaluate()
    return result


def draw(frame):
    histories = frame.histories()
    left, right = st.columns(2)
    left.plotly_chart(learning_curves(histories, "loss", title=f"Contrastive loss, epoch {frame.epoch} (train "
                                      "dashed, held-out solid)"), key=f"{KEY}.live.loss")
    seconds = frame.extras.get("seconds", {})
    if all(name in seconds for name in histories):
        right.plotly_chart(loss_vs_time(histories, seconds, metric="accuracy",
                                        title=f"In-batch matching against training time, epoch {frame.epoch}"),
                           key=f"{KEY}.live.time")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss", refresh=1.0)
result = ui.finished(job)
if result is not None and result.run.epochs_done:
    st.subheader("On held-out scenes")
    ui.table(result.table())
    speed_up = result.speed_up()
    st.caption((f"FLIP's epochs ran {speed_up:.2f}× as fast as the ViT CLIP's here. " if speed_up else "")
               + f"R@k: the own caption (scene) among the k most similar of all {len(result.clip.captions)} held-out "
               f"ones, every patch read. Zero-shot: {lab.PROBE_SCENES} single shapes, prompt '{lab.HAND_PROMPT}' "
               "(chance 0.17). `benchmarks/flip.py` prints both for several r.")
