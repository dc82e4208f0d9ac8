"""Contrastive captioners (CoCa): one image encoder, a contrastive loss and a captioning loss; SimVLM as a lesson."""

import streamlit as st

from demos import ui
from toolkit.multimodal import coca
from toolkit.multimodal import coca_lab as lab
from toolkit.viz import learning_curves
from toolkit.viz.gan import image_columns

KEY = "coca"
LESSONS = ui.page_lessons("coca")[KEY]

st.title("Contrastive captioners (CoCa)")
st.markdown(
    "*CoCa enhances CLIP by adding a generative branch allowing model to captioning images [...] jointly trained "
    "using a contrastive loss and a captioning loss. [...] Model not only creates a global representation of the "
    "text, but also predicts word by word the text associated with the image.* Here one small image encoder reads "
    "32×32 shape crops; attentional pooling gives it one token for the contrastive embedding and q tokens for a "
    "multimodal decoder that writes the caption word by word, cross-attending to them. The text's own decoder is "
    "causal and never sees the image; its last token embeds the whole caption, as in CLIP. Set λ_con = 0 and the "
    "model is a captioner alone, SimVLM's prefix language model: *generating text sequentially, using the "
    "preceding tokens and visual context to predict each subsequent word.*")
left, right = st.columns(2)
left.latex(coca.LATEX["unimodal"])
right.latex(coca.LATEX["multimodal"])
st.latex(coca.LATEX["loss"])
form = ui.settings_form(KEY, ui.settings(lab.CocaConfig), columns=4, lessons=LESSONS)
config = ui.config_or_stop(lab.CocaConfig, form.values)


def train(live):
    live.watch(lab.CocaMonitor())
    result = lab.run_coca(config, callbacks=live.callbacks, stop=live.stop)
    if result.run.epochs_done:
        live.finishing(f"the captions and the zero-shot accuracy on {lab.HELD_OUT:,} held-out crops")
        result.evaluate()
    return result


def draw(frame):
    left, right = st.columns(2)
    histories = frame.histories()
    if histories:
        for loss, name in (("caption", "L_cap (captioning)"), ("contrastive", "L_con (contrastive)")):
            left.plotly_chart(learning_curves(histories, loss, title=f"{name}, epoch {frame.epoch}"),
                              key=f"{KEY}.live.{loss}")
    extras = frame.extras
    if "captions" in extras:
        right.plotly_chart(image_columns({"held-out crop": extras["images"]}, max_rows=lab.WATCHED, compact=True,
                                         title=f"Captions written at epoch {extras['epoch']}"),
                           key=f"{KEY}.live.crops")
        right.dataframe([{"crop": i + 1, "CoCa writes": said, "its caption": truth}
                         for i, (said, truth) in enumerate(zip(extras["captions"], extras["truth"]))],
                        hide_index=True, key=f"{KEY}.live.captions")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss", draw_early=True)
result = ui.finished(job)
if result is not None and result.run.epochs_done:
    st.subheader("Captions and zero-shot, on held-out crops")
    ui.table(result.caption_table())
    st.latex(r"\hat y_{con} = \arg\max_c\ \hat u(x) \cdot \hat v(\text{``a } c\text{''}),\qquad "
             r"\hat y_{cap} = \arg\max_c\ \log p(\text{``a } c\text{''} \mid x)")
    ui.table(result.zero_shot_table())
    st.caption(f"On {lab.HELD_OUT:,} held-out crops. Captions are decoded greedily; a training caption names the "
               "size and the colour each with probability ½, so the model may leave them out too. Zero-shot: the "
               "crop goes to the shape whose prompt \"a {shape}\" is nearest (CLIP's way, from the contrastive "
               "embeddings) or most likely as its caption (a captioner's way). Chance is 1/6. The lessons switch "
               "one loss off: each branch does only what its loss taught it, and alone the contrastive loss waits "
               "much longer to start falling.")
