"""Image encoders trained without labels: an MAE paints back hidden patches, a BEiT names their visual tokens, a DINO
student matches its teacher's clusters; linear probes read what their encoders learned."""

import streamlit as st

from demos import ui
from toolkit.multimodal import mae_lab as lab
from toolkit.multimodal import beit, dino, masked
from toolkit.viz import learning_curves
from toolkit.viz.gan import image_columns

KEY = "masked-images"
LESSONS = ui.page_lessons("masked_images")[KEY]

st.title("Masked image modeling (MAE, BEiT) and DINO")
st.markdown(
    "The notes name four ways to train an image encoder: with labels, image-only (DINO), **masked image modeling** "
    "and contrastive image–text training (the *CLIP* page). *Some parts of the image are masked and the model's task "
    "is to predict the missing parts. Force encoder to understand visual context.* Here a small vision transformer "
    "reads the **visible** patches of a 32×32 shape crop only; a light decoder puts a learned mask token where each "
    "hidden patch was and paints every patch back; only the hidden patches count in the loss (He et al., 2022). "
    "**BEiT** (Bao et al., 2022) asks for less than pixels: *before pre-train, learn an image tokenizer where an image "
    "is tokenized into discrete visual tokens*; it replaces some patches by a mask embedding and predicts their "
    "tokens, as BERT predicts masked words. **DINO** (Caron et al., 2021) masks nothing: *a teacher-student framework "
    "with cross-entropy loss*; the student reads small and large random crops and matches the teacher's soft cluster "
    "assignment of other crops of the same image; the teacher is an average of the student's past weights, centred "
    "and sharpened so that it neither puts every image in one cluster nor spreads each over all. No label is ever "
    "shown. Afterwards the decoder (or token head, or projection head) is dropped, and a **linear probe** (a "
    "logistic regression on the frozen features) measures what the encoder learned about shape, colour and size.")
left, right = st.columns(2)
left.markdown("**MAE**: the encoder reads the visible patches only")
left.latex(masked.LATEX["encoder"])
left.latex(masked.LATEX["decoder"])
right.markdown("**BEiT**: the tokenizer's visual tokens are the targets")
right.latex(beit.LATEX["tokens"])
right.latex(r"p(z_i \mid x^{M}) = \mathrm{softmax}(W_c\,\mathrm{Enc}(h^0)_i)")
st.markdown("**DINO**: two global views and L = 4 local ones of each crop; the teacher reads the global views only")
st.latex(r",\qquad ".join(dino.LATEX[name] for name in ("views", "student", "cross_entropy")))
form = ui.settings_form(KEY, ui.settings(lab.MaeConfig), columns=4, lessons=LESSONS)
config = ui.config_or_stop(lab.MaeConfig, form.values)


def train(live):
    live.watch(lab.MaeMonitor())
    result = lab.run_mae(config, callbacks=live.callbacks, stop=live.stop)
    if result.trained:
        live.finishing(f"the linear probes on {lab.HELD_OUT:,} held-out crops")
        result.evaluate()
    return result


LOSSES = {"MAE": "Eq. 5 on the hidden patches (squared error)", "BEiT": "−log p(z_i) on the masked tokens",
          "DINO": "H(P_t, P_s) over the views"}


def draw(frame):
    left, right = st.columns(2)
    name = next((name for name in reversed(frame.histories()) if name in LOSSES), None)  # the latest method
    if name is not None:
        run = frame.runs[name]
        when = f"epoch {frame.epoch}" if run is frame.current else f"done after {run.epochs_done} epochs"
        left.plotly_chart(learning_curves({name: run.history}, "loss", title=f"{name}: {LOSSES[name]}, {when}"),
                          key=f"{KEY}.live.loss")
    extras = frame.extras
    dino_now = frame.current is not None and frame.current.name == "DINO"  # its untrained clusters come at once
    if (name == "DINO" or dino_now) and extras.get("clusters"):
        title = (f"DINO: held-out crops in the teacher's biggest clusters (#cluster: crops), "
                 f"epoch {extras['clusters_epoch']}")
        right.plotly_chart(image_columns(extras["clusters"], max_rows=4, compact=True, title=title),
                           key=f"{KEY}.live.clusters")
    elif "reconstruction" in extras:
        columns = {"crop": extras["original"], "encoder's input": extras["masked"]}
        if "tokenizer" in extras:
            columns.update({"its tokens": extras["tokenizer"], "guessed": extras["reconstruction"]})
        else:
            columns["visible + painted back"] = extras["reconstruction"]
        right.plotly_chart(image_columns(columns, max_rows=4, compact=True,
                                         title=f"{extras['method']}, held-out crops, epoch {extras['epoch']}"),
                           key=f"{KEY}.live.crops")
    if frame.current is not None and frame.current.name == "supervised":
        st.caption("Now the same encoder trains on the shape labels for the supervised row of the probe table "
                   f"(epoch {frame.epoch}).")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss", draw_early=True)
result = ui.finished(job)
if result is not None and result.trained and result.table():
    st.subheader("Putting back the hidden patches, against a guess without context")
    ui.table(result.table())
    st.caption(f"On {lab.HELD_OUT:,} held-out crops, a fresh random mask each. Without context, the MAE's guess paints "
               "every hidden patch in the mean colour of the visible pixels, and BEiT's names the image's most common "
               "visible token (mostly the background): the best a model can do that does not use where the visible "
               "patches are and what they show.")
if result is not None and result.cluster_rows:
    st.subheader("DINO's clusters: a collapse, or neither")
    st.latex(dino.LATEX["clusters"])
    ui.table(result.cluster_rows)
    st.caption(f"The teacher's assignments P_t of the {lab.HELD_OUT:,} held-out crops, read whole. Without centring "
               "(m = 1) one cluster takes every crop (clusters used near 1); without sharpening (τ_t = τ_s) each "
               "crop is spread over all K (H(P_t) near log K). Shape purity: the share of crops whose cluster's most "
               "common shape is their own (no label formed the clusters; near 1/6 for a few clusters blind to the "
               "shape). At this size the clusters follow the shape only a little; the probes below read the "
               "features themselves.")
if result is not None and result.trained:
    st.subheader("Linear probes: what the frozen features know")
    st.latex(r"\hat y = \arg\max_c\,(W\,\mathrm{standardize}(\bar h(x)) + b)_c,\qquad "
             r"\bar h(x) = \tfrac{1}{N}\textstyle\sum_i h^i(x)\ \text{(every patch visible)}")
    ui.table(result.probes)
    st.caption(f"A logistic regression per attribute on each encoder's mean token (MAE and BEiT share its "
               f"architecture; DINO's has positions for any view size), fitted on the {config.n} training crops' "
               f"labels (or {lab.FEW_SHOTS} per shape) and scored on the held-out crops. Chance: 1/6 for the shape, "
               "1/6 for the colour, 1/3 for the size. Colour is in every pixel, so even an untrained encoder gives it "
               "away; the shape needs the outline, which the MAE and BEiT had to learn to put the hidden patches back, "
               "and DINO to give crops of one shape one cluster however they are cropped and coloured. Trained with "
               "the shape labels instead (the switch above), the same encoder reads the shape far better and forgets "
               "some of the colour: labels teach what they name.")
