"""Fine-grained alignment: FILIP compares every patch with every word instead of one vector per side."""

import streamlit as st

from demos import ui
from toolkit.data import shapes
from toolkit.multimodal import filip, lab
from toolkit.multimodal.fine_grained import LATEX
from toolkit.viz import learning_curves
from toolkit.viz.captioning import attention_grid
from toolkit.viz.multimodal import similarity_matrix, zero_shot_curve

KEY = "filip"
SPECS = ui.settings(filip.FilipConfig, "clip_scenes", "clip_objects", "clip_short", "clip_embed", "clip_temperature",
                    "clip_epochs", "clip_batch", "clip_lr", "clip_seed", "compare_clip")

st.title("Fine-grained alignment (FILIP)")
st.markdown(
    "The notes on the objective: *fine-grained alignment: TOKEN WISE SIMILARITY (sim. between each token in text "
    "and each patch in the image), POOLING and AGGREGATION (max pooling to aggregate similarities).* The *CLIP* page "
    "pools each side into one vector before comparing. Here (FILIP, Yao et al. 2022) the image keeps one vector per "
    "cell of the CNN's last 4×4 map and the caption one per word; each patch looks for its best word and each word "
    "for its best patch, and the averages are the two similarities the symmetric loss uses. Same scenes, captions, "
    "batches and seed as the CLIP page. Measured on 2 cores: after 25 epochs (about 2.5 minutes) FILIP puts the own "
    "caption first for 0.48 of the 500 held-out scenes (0.80 among its first five); CLIP after its 30 epochs (about "
    "1.7 minutes) 0.41 (0.74). Pooling first throws away *which* patch matched *which* word.")
st.latex(LATEX["token_wise"])
st.latex(r"\mathcal{L} = \tfrac12\big[\mathrm{CE}(e^s\,\mathrm{sim}_{I \to T}, I) + "
         r"\mathrm{CE}(e^s\,\mathrm{sim}_{T \to I}^\top, I)\big]")
form = ui.settings_form(KEY, SPECS, columns=4)
config = ui.config_or_stop(filip.FilipConfig, form.values)
data = ui.cached_dataset(**lab.clip_data_spec(config)) if form.submitted else None


def train(live):
    monitor = filip.FilipMonitor()
    live.watch(monitor)
    result = filip.run_filip_page(config, data, callbacks=live.callbacks, stop=live.stop, monitor=monitor)
    if result.run.epochs_done:
        held_out = len((result.filip or result.clip).captions)
        live.finishing(f"the recalls on {held_out} held-out scenes and the zero-shot accuracy on {lab.PROBE_SCENES} "
                       "single shapes")
        result.evaluate()
    return result


def draw(frame):
    left, right = st.columns(2)
    if frame.histories():
        left.plotly_chart(learning_curves(frame.histories(), "loss", title=f"Token-wise contrastive loss, epoch "
                                          f"{frame.epoch} (train dashed, held-out solid)"), key=f"{KEY}.live.loss")
    extras = frame.extras
    if "zero_shot" not in extras:
        return
    right.plotly_chart(zero_shot_curve(extras["zero_shot"], chance=1 / len(shapes.SHAPES),
                                       title=f"Zero-shot accuracy, prompt '{lab.HAND_PROMPT}' (sim I→T), epoch "
                                             f"{frame.epoch}"), key=f"{KEY}.live.zero_shot")
    st.plotly_chart(attention_grid(extras["images"][0], extras["words"], extras["maps"], cols=8,
                                   title=f"Each word's patches for held-out pair 1, epoch {frame.epoch} (bright: "
                                         "the softmax over the 16 patches of e^s u_p·v_t)"), key=f"{KEY}.live.words")
    st.plotly_chart(similarity_matrix(extras["similarity"], extras["images"], extras["captions"],
                                      title=f"e^s · sim I→T of 8 held-out pairs, epoch {frame.epoch}"),
                    key=f"{KEY}.live.similarity")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss", refresh=1.0,
                    draw_early=True)  # the untrained model's maps and matrix from the first step
result = ui.finished(job)
if result is not None and result.run.epochs_done:
    st.subheader("On held-out scenes")
    ui.table(result.table())
    st.caption(f"R@k: the own caption (scene) among the k most similar of all {lab.clip_data_spec(config)['n'] // 10} "
               "held-out ones; FILIP ranks captions by sim I→T and scenes by sim T→I, CLIP both by u·v. Zero-shot: "
               f"{lab.PROBE_SCENES} single shapes. Tick *Also train CLIP* to train CLIP on the same batches first "
               "(`benchmarks/filip.py` prints both at each page's defaults).")
if result is not None and result.filip is not None and result.filip.run.epochs_done:
    trained = result.filip
    caption = st.text_input("A caption for held-out scene 1 (see where each word finds its patch)",
                            trained.captions[0], max_chars=lab.QUERY_LENGTH, key=f"{KEY}.caption")
    words, maps = filip.word_patch_maps(trained.model, trained.test.images[0], caption or trained.captions[0])
    if words:
        st.plotly_chart(attention_grid(trained.test.images[0], words, maps, cols=8,
                                       title="Each word's best patches in held-out scene 1"), key=f"{KEY}.fig.words")
