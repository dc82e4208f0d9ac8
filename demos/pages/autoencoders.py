"""Autoencoders, VAEs and VQ-VAEs trained live, and GAN vs VAE vs VQ-VAE measured on one budget."""

import streamlit as st

from demos import ui
from toolkit.generative import autoencoder_lab as lab
from toolkit.generative.comparison import MODELS, ComparisonConfig, compare_generative_models
from toolkit.generative.metrics import glyph_judge
from toolkit.generative.vae import latent_grid
from toolkit.viz import (
    beta_tradeoff, codebook_usage, few_labels_curves, image_columns, image_grid, interpolation_strips, latent_manifold,
    latent_scatter,
)

KEY = "autoencoders"
PARAMS = [
    ui.Param("model", "choice", "vae", choices=lab.MODELS, label="Model",
             help="autoencoder: L2 reconstruction. denoising: rebuild the clean image from a noisy one. "
                  "vae: encoder → (μ, log σ²), loss −log p(x|z) + β·KL. vqvae: nearest codebook vectors."),
    ui.Param("architecture", "choice", "conv", choices=lab.ARCHITECTURES, label="Networks"),
    ui.Param("dataset", "choice", "glyphs", choices=lab.DATASETS, label="Data"),
    ui.Param("epochs", int, 10, lo=1, hi=300, widget="number", label="Epochs"),
    ui.Param("latent", int, 16, lo=0, hi=64, widget="number", label="Latent size d",
             help="2 gives a VAE whose whole latent space can be drawn as a grid."),
    ui.Param("beta", float, 1.0, lo=-1.0, hi=20.0, step=0.25, label="β (VAE: weight of KL)"),
    ui.Param("noise", float, 0.3, lo=0.0, hi=1.0, step=0.05, widget="slider", label="Noise σ (denoising)"),
    ui.Param("codes", int, 32, lo=1, hi=512, widget="number", label="Codebook size K (VQ-VAE)"),
    ui.Param("lr", float, 2e-3, lo=1e-5, hi=0.1, step=5e-4, label="Learning rate"),
    ui.Param("batch", int, 32, lo=1, hi=1024, widget="number", label="Batch size"),
    ui.Param("n", int, 2000, lo=200, hi=20000, step=100, widget="number", label="Glyphs (glyphs only)"),
]
LABEL_PARAMS = [
    ui.Param("labels", int, 10, lo=1, hi=500, widget="number", label="Labels per class"),
    ui.Param("label_epochs", int, 30, lo=1, hi=300, widget="number", label="Classifier epochs"),
]
COMPARE_PARAMS = [
    ui.Param("c_epochs", int, 3, lo=1, hi=100, widget="number", label="Epochs per model"),
    ui.Param("c_n", int, 10000, lo=200, hi=20000, step=100, widget="number", label="Glyphs"),
    ui.Param("c_batch", int, 32, lo=1, hi=1024, widget="number", label="Batch size"),
    ui.Param("c_samples", int, 500, lo=20, hi=5000, step=100, widget="number", label="Samples scored per model",
             help="Generated images per model for FID, IS, recognized share and classes covered."),
]


@st.cache_resource(show_spinner="Training the glyph classifier that scores the samples (once, about 30 s)…")
def judge():
    return glyph_judge()


def config_of(values) -> lab.AutoencoderLabConfig:
    return lab.AutoencoderLabConfig(
        model=values["model"], architecture=values["architecture"], dataset=values["dataset"],
        latent_dim=values["latent"], beta=values["beta"], noise_std=values["noise"], num_codes=values["codes"],
        learning_rate=values["lr"], batch_size=values["batch"], n=values["n"]).validate()


def draw_live(monitor, slots, suffix):
    shot = monitor.snapshot
    slots[0].plotly_chart(image_columns({"input": shot["inputs"], "reconstruction": shot["reconstructions"]},
                                        title=f"Test images → reconstructions · epoch {shot['epoch']}"),
                          key=f"{KEY}.recon.{suffix}")
    slots[1].plotly_chart(image_grid(shot["samples"], cols=5, title=f"Decoded latent samples · epoch {shot['epoch']}"),
                          key=f"{KEY}.samples.{suffix}")


st.title("Autoencoders & VAEs")
st.markdown(
    "An **autoencoder** squeezes each image into a small code z and rebuilds it (L2 loss); the **denoising** "
    "one rebuilds the clean image from a noisy copy. A **VAE** makes the encoder output a Gaussian (μ, σ), "
    "samples z = μ + σ·ε and maximizes the likelihood lower bound: reconstruction − β·KL to the prior N(0, I), "
    "so decoding z ~ N(0, I) generates new images. A **VQ-VAE** replaces each encoder vector by its nearest "
    "codebook vector; a prior fitted on the code indices generates. Watch the same 8 test glyphs and 20 latent "
    "samples while it trains; try β = 0.1 and β = 5, or d = 2 for the whole latent space on one grid.")
train_tab, labels_tab, compare_tab = st.tabs(["Train", "Encoder → classifier with few labels",
                                              "Compare generative models"])

with train_tab:
    values, submitted = ui.train_form(KEY, PARAMS, columns=4)
    live = st.columns(2)
    slots = (live[0].empty(), live[1].empty())

    def train(progress):
        config = config_of(values)
        data = lab.training_data(config)
        monitor = lab.LabMonitor(data.x_train, data.x_test, on_update=lambda m, run: draw_live(m, slots, run.epochs_done))
        run = lab.train(config, values["epochs"], callbacks=[progress], monitor=monitor)
        st.session_state[f"{KEY}.result"] = (run, monitor, config, data)
        st.session_state[f"{KEY}.betas"] = st.session_state.get(f"{KEY}.betas", []) + lab.beta_points(run, config)
        return run

    ui.training_panel(KEY, submitted, train, metric="loss")
    run, monitor, trained, data = st.session_state.get(f"{KEY}.result", (None, None, None, None))
    if run is not None and monitor.snapshot:
        if not submitted:
            draw_live(monitor, slots, "last")
        if run.status == "diverged":
            st.error("The loss became NaN or infinite: lower the learning rate (or β) and train again.")
        else:
            model, (left, right) = run.model, st.columns(2, gap="large")
            points, axes = lab.latent_points(model, data.x_test)
            left.plotly_chart(latent_scatter(points, data.y_test, axis_title=axes, title="Test images in the latent space"),
                              key=f"{KEY}.scatter")
            if trained.model == "vae" and trained.latent_dim == 2:
                right.plotly_chart(latent_manifold(*latent_grid(model, 12)), key=f"{KEY}.manifold")
            elif trained.model == "vqvae":
                right.plotly_chart(codebook_usage(lab.codebook_counts(model, data.x_test)), key=f"{KEY}.usage")
            elif trained.model == "vae":
                right.info("Train with latent size d = 2 to see the decoder over a grid of the whole latent space.")
            else:
                right.info("A plain autoencoder has no prior: its “samples” decode z from a Gaussian fitted to "
                           "the codes, and land in holes of the latent space. The VAE's KL term fills them.")
    betas = st.session_state.get(f"{KEY}.betas", [])
    if len(betas) >= 1:
        st.plotly_chart(beta_tradeoff(betas), key=f"{KEY}.beta_chart")
        st.caption("One point per VAE run of this session: retrain with another β to add a point.")

with labels_tab:
    st.markdown(
        "The notes: after training, *the decoder can be discarded and the encoder can be used to initialize a "
        "supervised model*. Two classifiers (encoder + softmax layer) learn from only a few labelled images per "
        "class: one starts from the encoder trained in the **Train** tab, one from random weights; same batches, "
        "same seed, accuracy measured on 1,000 test images.")
    label_values, label_submitted = ui.train_form(f"{KEY}-labels", LABEL_PARAMS, submit_label="Train both classifiers")
    if label_submitted:
        try:
            with st.spinner("Training the classifier from the pretrained encoder, then the one from scratch…"):
                st.session_state[f"{KEY}.few"] = (lab.few_labels(run, data, label_values["labels"],
                                                                 label_values["label_epochs"]), run.name)
        except ValueError as error:
            ui.show_error(error)
    if f"{KEY}.few" in st.session_state:
        few, encoder_of = st.session_state[f"{KEY}.few"]
        st.dataframe(lab.few_labels_table(few), hide_index=True, column_config={
            c: st.column_config.NumberColumn(c, format="percent") for c in ("train accuracy", "test accuracy")})
        st.caption(f"Pretrained encoder: the encoder of {encoder_of}.")
        st.plotly_chart(few_labels_curves(few.histories, few.labels_per_class * few.num_classes),
                        key=f"{KEY}.few_chart")

with compare_tab:
    st.markdown(
        "The notes' table of generative-model properties, **measured**: a DCGAN, a VAE and a VQ-VAE are trained "
        "on the same glyphs, with the same epochs, batch size, batch order and seed, then scored with the glyph "
        "classifier (FID, IS, classes covered), by small steps in their latent space (each coordinate moved by 0.1 "
        "of its spread: a well-behaved space changes the image a little, not 0 and not in jumps), along "
        "interpolations, and by their likelihood bound where one exists.")
    budget, compare_submitted = ui.train_form(f"{KEY}-compare", COMPARE_PARAMS, submit_label="Compare", columns=4)

    def compare(progress):
        config = ComparisonConfig(n=budget["c_n"], epochs=budget["c_epochs"], batch_size=budget["c_batch"],
                                  eval_samples=budget["c_samples"])
        with st.spinner(f"Training GAN, then VAE, then VQ-VAE for {config.epochs} epochs each, then measuring…"):
            result = compare_generative_models(config, judge=judge(), callbacks=[progress])
        st.session_state[f"{KEY}.comparison"] = result
        return result.runs["VQ-VAE"]

    ui.training_panel(f"{KEY}-compare", compare_submitted, compare)
    result = st.session_state.get(f"{KEY}.comparison")
    if result is not None:
        st.dataframe(result.table, hide_index=True, height=36 * (len(result.table) + 1),
                     column_order=("property", "measure", *MODELS),
                     column_config={m: st.column_config.NumberColumn(m, format="%.3g") for m in MODELS})
        st.caption(f"Budget: {result.budget['glyphs']} glyphs × {result.budget['epochs']} epochs, batch "
                   f"{result.budget['batch_size']}, seed {result.budget['seed']}. ↓ lower is better, ↑ higher is "
                   "better; the GAN defines no likelihood (None).")
        for column, (name, images) in zip(st.columns(3), result.samples.items()):
            column.plotly_chart(image_grid(images, cols=8, title=f"{name} samples"), key=f"{KEY}.cmp.{name}")
        st.plotly_chart(interpolation_strips(result.interpolations), key=f"{KEY}.cmp.strips")
