"""Autoencoders, VAEs and VQ-VAEs trained live; the trained encoder reused by a classifier with few labels."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.generative import autoencoder_lab as lab
from toolkit.viz import (
    beta_tradeoff, codebook_usage, few_labels_curves, image_columns, image_grid, latent_manifold, latent_scatter,
)
from toolkit.viz.autoencoders import loss_terms

KEY = "autoencoders"
SHOWN = ("model", "architecture", "dataset", "epochs", "latent", "beta", "noise", "codes", "lr", "batch", "n")


@dataclasses.dataclass
class PageState:
    trained: lab.LabResult | None = None  # the model on screen, whose encoder the classifiers reuse
    betas: list = dataclasses.field(default_factory=list)  # one β trade-off point per VAE run


def draw(frame):
    """One frame: every loss term (training and held-out images), reconstructions and latent samples."""
    run = frame.current  # the page trains one model per click
    if run is not None and run.epochs_done:
        st.plotly_chart(loss_terms(run.history, title=f"{run.name}: loss terms per epoch (training images "
                                   "dashed, held-out test images solid)"), key=f"{KEY}.losses")
    shot = frame.extras.get("pictures")
    if not shot:
        return
    left, right, epoch = *st.columns(2), shot["epoch"]
    left.plotly_chart(image_columns({"input": shot["inputs"], "reconstruction": shot["reconstructions"]},
                                    title=f"Test images → reconstructions · epoch {epoch}"), key=f"{KEY}.recon")
    right.plotly_chart(image_grid(shot["samples"], cols=5, title=f"Decoded latent samples · epoch {epoch}"),
                       key=f"{KEY}.samples")


def draw_classifiers(frame):
    labelled = frame.current.config.get("labelled_images", 0)
    st.plotly_chart(few_labels_curves(frame.histories(), labelled), key=f"{KEY}.few.curves")


st.title("Autoencoders & VAEs")
st.markdown(
    "An **autoencoder** squeezes each image into a small code z and rebuilds it (L2 loss); the **denoising** "
    "one rebuilds the clean image from a noisy copy. A **VAE** makes the encoder output a Gaussian q(z|x) = "
    "N(μ, σ²), samples z = μ + σ·ε and maximizes the likelihood lower bound (ELBO): reconstruction − KL to "
    "the prior N(0, I), so decoding z ~ N(0, I) generates new images. A **VQ-VAE** replaces each encoder vector by "
    "its nearest codebook vector; a prior fitted on the code indices generates. Watch the same 8 test glyphs and "
    "20 latent samples while it trains; try β = 0.1 and β = 5, or d = 2 for the whole latent space on one grid.")
ui.page_link("app_pages/generative_comparison.py", "GAN vs VAE vs VQ-VAE, measured on one budget",
             ":material/balance:", "generative_comparison")
state = ui.page_state(KEY, PageState)
train_tab, labels_tab = st.tabs(["Train", "Encoder → classifier with few labels"])

with train_tab:
    form = ui.settings_form(KEY, ui.settings(lab.AutoencoderLabConfig, *SHOWN), columns=4)
    config = None
    try:
        config = lab.AutoencoderLabConfig(**form.values)
    except ValueError as error:
        ui.show_error(error)
    start = form.submitted and config is not None
    if start:
        data = ui.cached_dataset(**lab.dataset_spec(config))

    def train(live):
        monitor = lab.LabMonitor(data.x_train, data.x_test)
        live.watch(lambda run: {"pictures": monitor.pictures})
        return lab.run_lab(config, data, monitor=monitor, callbacks=live.callbacks, stop=live.stop)

    job = ui.live_panel(KEY, start=start, train=train, draw=draw)
    if job is not None and not job.running and job.result is not None and job.result is not state.trained:
        state.trained = job.result
        state.betas += job.result.beta_points
    shown = state.trained
    if shown is not None and shown.points is not None:
        left, right = st.columns(2, gap="large")
        left.plotly_chart(latent_scatter(shown.points, shown.labels, axis_title=shown.axes,
                                         title="Test images in the latent space"), key=f"{KEY}.scatter")
        if shown.manifold is not None:
            right.plotly_chart(latent_manifold(*shown.manifold), key=f"{KEY}.manifold")
        elif shown.code_counts is not None:
            right.plotly_chart(codebook_usage(shown.code_counts), key=f"{KEY}.usage")
        else:
            right.info(shown.note)
    if state.betas:
        st.plotly_chart(beta_tradeoff(state.betas), key=f"{KEY}.beta_chart")
        st.caption("One point per VAE run of this session: retrain with another β to add a point.")

with labels_tab:
    st.markdown(
        "The notes: after training, *the decoder can be discarded and the encoder can be used to initialize a "
        "supervised model*. Two classifiers (encoder + softmax layer) learn from only a few labelled images per "
        "class: one starts from the encoder trained in the **Train** tab, one from random weights; same batches, "
        "same seed, accuracy measured on 1,000 test images.")
    st.latex(r"\hat y = \mathrm{softmax}(W\, E(x) + b)")
    labels_form = ui.settings_form(f"{KEY}-labels", ui.settings(lab.FewLabelsConfig),
                                   submit_label="Train both classifiers")
    few_config = lab.FewLabelsConfig(**labels_form.values)
    ready = labels_form.submitted and lab.has_encoder(state.trained)
    if labels_form.submitted and not ready:
        ui.show_error(lab.NO_ENCODER)
    if ready:
        encoder_run, labelled_data = state.trained, ui.cached_dataset(**lab.dataset_spec(state.trained.config))

    def train_classifiers(live):
        return lab.few_labels(encoder_run, labelled_data, few_config, callbacks=live.callbacks, stop=live.stop)

    few_job = ui.live_panel(f"{KEY}-labels", start=ready, train=train_classifiers, draw=draw_classifiers)
    few = few_job.result if few_job is not None and not few_job.running else None
    if few is not None:
        ui.table(lab.few_labels_table(few), column_config={
            c: st.column_config.NumberColumn(c, format="percent") for c in ("train accuracy", "test accuracy")})
        st.caption(f"Pretrained encoder: the encoder of {few.encoder_of}.")
