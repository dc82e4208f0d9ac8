"""Masked image modeling: an MAE learns features by painting back hidden patches; linear probes read them."""

import streamlit as st

from demos import ui
from toolkit.multimodal import mae_lab as lab
from toolkit.multimodal import masked
from toolkit.viz import learning_curves
from toolkit.viz.gan import image_columns

KEY = "masked-images"
LESSONS = ui.page_lessons("masked_images")[KEY]

st.title("Masked image modeling (MAE)")
st.markdown(
    "The notes name four ways to train an image encoder: with labels, image-only (DINO), **masked image modeling** "
    "and contrastive image–text training (the *CLIP* page). *Some parts of the image are masked and the model's task "
    "is to predict the missing parts. Force encoder to understand visual context.* Here a small vision transformer "
    "reads the **visible** patches of a 32×32 shape crop only; a light decoder puts a learned mask token where each "
    "hidden patch was and paints every patch back; only the hidden patches count in the loss (He et al., 2022). "
    "No label is ever shown. Afterwards the decoder is dropped, and a **linear probe** (a logistic regression on the "
    "frozen features) measures what the encoder learned about shape, colour and size.")
left, right = st.columns(2)
left.latex(masked.LATEX["encoder"])
right.latex(masked.LATEX["decoder"])
st.latex(masked.LATEX["loss"])
form = ui.settings_form(KEY, ui.settings(lab.MaeConfig), columns=4, lessons=LESSONS)
config = ui.config_or_stop(lab.MaeConfig, form.values)


def train(live):
    live.watch(lab.MaeMonitor())
    return lab.run_mae(config, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    left, right = st.columns(2)
    histories = {name: history for name, history in frame.histories().items() if name == "MAE"}
    if histories:
        left.plotly_chart(learning_curves(histories, "loss", title=f"Eq. 5 on the hidden patches, epoch {frame.epoch}"),
                          key=f"{KEY}.live.loss")
    extras = frame.extras
    if "reconstruction" in extras:
        columns = {"crop": extras["original"], "what the encoder sees": extras["masked"],
                   "visible + painted back": extras["reconstruction"]}
        right.plotly_chart(image_columns(columns, max_rows=4, compact=True,
                                         title=f"Held-out crops, epoch {extras['epoch']}"), key=f"{KEY}.live.crops")
    if "supervised" in frame.histories():
        st.caption("MAE done; now the same encoder trains on the shape labels for the supervised row of the probe "
                   f"table (epoch {frame.epoch}).")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss", draw_early=True)
result = ui.finished(job)
if result is not None and result.run.epochs_done:
    st.subheader("Painting back: the MAE against a guess without context")
    ui.table(result.table())
    st.caption(f"On {lab.HELD_OUT:,} held-out crops, a fresh random mask each. The no-context baseline paints every "
               "hidden patch in the mean colour of the visible pixels: the best a model can do that does not use "
               "where the visible patches are and what they show.")
    st.subheader("Linear probes: what the frozen features know")
    st.latex(r"\hat y = \arg\max_c\,(W\,\mathrm{standardize}(\bar h(x)) + b)_c,\qquad "
             r"\bar h(x) = \tfrac{1}{N}\textstyle\sum_i h^i(x)\ \text{(every patch visible)}")
    ui.table(result.probes)
    st.caption(f"A logistic regression per attribute on the encoder's mean token, fitted on the {config.n} training "
               f"crops' labels (or {lab.FEW_SHOTS} per shape) and scored on the held-out crops. Chance: 1/6 for the "
               "shape, 1/6 for the colour, 1/3 for the size. Colour is in every pixel, so even an untrained encoder "
               "gives it away; the shape needs the outline, which the MAE had to learn to paint the hidden patches. "
               "Trained with the shape labels instead (the switch above), the same encoder reads the shape far "
               "better and forgets some of the colour: labels teach what they name.")
