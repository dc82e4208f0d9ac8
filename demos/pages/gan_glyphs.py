"""GANs on glyphs: DCGAN and conditional GAN trained live, scored, compared, explored, translated."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.generative import glyph_gan as gg
from toolkit.generative import image_to_image as i2i
from toolkit.generative.gan_losses import LOSS_LABELS, LOSSES
from toolkit.generative.latent import bold_arithmetic, interpolation_images
from toolkit.generative.metrics import glyph_judge
from toolkit.generative.zoo import ZOO
from toolkit.viz import evaluation_curves, image_columns, image_grid

KEY = "gan-glyphs"
PARAMS = [
    ui.Param("model", "choice", "dcgan", choices=gg.MODELS, label="Model",
             help="dcgan: G(z). conditional: G(z, y) and D(x, y) with the class y as an extra input "
                  "and a class projection in D's score."),
    ui.Param("loss", "choice", "non_saturating", choices=LOSSES, label="Loss"),
    ui.Param("epochs", int, 20, lo=1, hi=500, widget="number", label="Epochs"),
    ui.Param("n", int, 2000, lo=200, hi=20000, step=100, widget="number", label="Training glyphs"),
    ui.Param("batch", int, 32, lo=1, hi=1024, widget="number", label="Batch size"),
    ui.Param("k", int, 1, lo=1, hi=10, widget="number", label="k: D steps per G step"),
    ui.Param("g_lr", float, 2e-3, lo=1e-5, hi=0.1, step=1e-4, label="G learning rate"),
    ui.Param("d_lr", float, 2e-3, lo=1e-5, hi=0.1, step=1e-4, label="D learning rate"),
    ui.Param("clip", float, 0.01, lo=0.0, hi=1.0, step=0.01, label="WGAN clip c (0 = off)"),
    ui.Param("feature_matching", bool, False, label="Feature matching"),
    ui.Param("minibatch", bool, False, label="Minibatch discrimination"),
    ui.Param("vbn", bool, False, label="Virtual batch norm (G)"),
    ui.Param("score", bool, True, label="Score samples every epoch",
             help="FID, Inception Score and classes covered, from a glyph classifier (~0.3 s per epoch)."),
]


@st.cache_resource(show_spinner="Training the glyph classifier that scores the samples (once, about 30 s)…")
def judge():
    return glyph_judge()


def config_of(values, **change) -> gg.GlyphGanConfig:
    config = gg.GlyphGanConfig.for_model(  # the conditional GAN has its own defaults (z of 64, D's projection)
        values["model"], loss=values["loss"], d_steps=values["k"], g_lr=values["g_lr"], d_lr=values["d_lr"],
        clip_value=values["clip"], n=values["n"], batch_size=values["batch"], feature_matching=values["feature_matching"],
        minibatch_discrimination=values["minibatch"], virtual_batch_norm=values["vbn"])
    return dataclasses.replace(config, **change).validate()


def draw_scores(monitor, names, slot, suffix):
    scored = {n: monitor.evaluations[n] for n in names if n in monitor.evaluations}
    if monitor.judge is not None and scored:
        slot.plotly_chart(evaluation_curves(scored), key=f"{KEY}.scores.{suffix}")


def draw_grid(monitor, name, slot, suffix, conditional):
    epoch = monitor.evaluations[name]["epoch"][-1]
    slot.plotly_chart(image_grid(monitor.grids[name], labels=[str(i % 10) for i in range(40)] if conditional else None,
                                 title=f"{name} · epoch {epoch}"), key=f"{KEY}.grid.{name}.{suffix}")


st.title("GANs on glyphs")
st.markdown(
    "A DCGAN (strided convolutions, LeakyReLU, batch norm, one dense layer) learns to draw the "
    "toolkit's handwriting-like glyphs. Choose the loss and the notes' tricks, then watch **the same "
    "40 latent vectors** turn into characters, epoch after epoch. Samples are scored with FID and the "
    "Inception Score computed by a small glyph classifier trained here: InceptionV3's ImageNet weights "
    "are not available offline (and would say little about 28×28 glyphs), so the numbers compare runs "
    "of this toolkit, not published results."
)
train_tab, compare_tab, latent_tab, i2i_tab, zoo_tab = st.tabs(
    ["Train", "Compare variants", "Latent space", "Image-to-image", "Beyond the CPU"])

with train_tab:
    values, submitted = ui.train_form(KEY, PARAMS, columns=4)
    live_grid, live_scores = st.empty(), st.empty()

    def train(progress):
        config = config_of(values)
        st.session_state.pop(f"{KEY}.arith_result", None)  # it belonged to the previous generator
        images, _, _ = gg.training_data(config)
        monitor = gg.GanMonitor(images, judge=judge() if values["score"] else None, score=values["score"],
                                on_update=lambda m, run: (draw_grid(m, run.name, live_grid, run.epochs_done,
                                                                    config.model == "conditional"),
                                                          draw_scores(m, [run.name], live_scores, run.epochs_done)))
        run = gg.train(config, values["epochs"], callbacks=[progress], monitor=monitor)
        extra = gg.conditional_accuracy(run.model, judge()) if values["score"] and config.model == "conditional" else None
        st.session_state[f"{KEY}.result"] = (run, monitor, config, extra)
        return run

    ui.training_panel(KEY, submitted, train, metric="g_loss")
    run, monitor, trained, accuracy = st.session_state.get(f"{KEY}.result", (None, None, None, None))
    if run is not None:
        if not submitted:
            draw_grid(monitor, run.name, live_grid, "last", trained.model == "conditional")
            draw_scores(monitor, [run.name], live_scores, "last")
        verdict, message = monitor.diagnosis.get(run.name, ("ok", ""))
        if verdict != "ok":
            (st.error if verdict == "diverged" else st.warning)(f"**{verdict.capitalize()}.** {message}")
        if accuracy is not None:
            st.metric("Samples the classifier assigns to their requested class", f"{accuracy:.0%}")

with compare_tab:
    st.markdown("Several losses from **the same seed**: identical initial weights (where the networks "
                "match) and identical batches, all other settings from the Train tab.")
    chosen = st.multiselect("Losses", LOSSES, default=["minimax", "non_saturating", "wgan_gp"],
                            format_func=LOSS_LABELS.get, key=f"{KEY}.variants")
    epochs = st.number_input("Epochs per variant", 1, 200, 5, key=f"{KEY}.compare_epochs")
    if st.button("Compare", key=f"{KEY}.compare", type="primary") and chosen:
        try:
            configs = {LOSS_LABELS[loss]: config_of(values, loss=loss) for loss in chosen}
            images, _, _ = gg.training_data(next(iter(configs.values())))
            monitor = gg.GanMonitor(images, judge=judge() if values["score"] else None, score=values["score"])
            with st.spinner(f"Training {len(configs)} variants, {int(epochs)} epochs each…"):
                st.session_state[f"{KEY}.compare_result"] = (gg.compare_variants(configs, int(epochs), monitor=monitor),
                                                      monitor, values["model"] == "conditional")
        except ValueError as error:
            ui.show_error(error)
    runs, monitor_c, conditional = st.session_state.get(f"{KEY}.compare_result", ({}, None, False))
    for column, name in zip(st.columns(max(1, len(runs))), runs):
        with column:
            draw_grid(monitor_c, name, st.empty(), "compare", conditional)
            verdict, message = monitor_c.diagnosis.get(name, ("ok", ""))
            st.caption(f"{runs[name].status}, {runs[name].wall_time:.0f} s" + (f" · **{verdict}**" if verdict != "ok" else ""))
    if runs:
        draw_scores(monitor_c, list(runs), st.empty(), "compare")

with latent_tab:
    if run is None or run.status == "diverged":
        st.info("Train a GAN in the Train tab first; its generator is explored here.")
    else:
        gan = run.model
        left, right = st.columns(2, gap="large")
        with left:
            st.markdown("**Interpolation** between the latent vectors of two seeds (Eq. 1 linear, Eq. 2 slerp).")
            seed_a, seed_b = st.number_input("Seed A", 0, 9999, 1, key=f"{KEY}.seed_a"), st.number_input("Seed B", 0, 9999, 2, key=f"{KEY}.seed_b")
            method = st.radio("Path", ["linear", "slerp"], horizontal=True, key=f"{KEY}.method")
            label = st.slider("Class y", 0, 9, 3, key=f"{KEY}.label") if trained.model == "conditional" else None
            st.plotly_chart(image_grid(interpolation_images(gan, int(seed_a), int(seed_b), 10, method, label), cols=10,
                                       title=f"G(z(t)), t = 0 … 1 ({method})"), key=f"{KEY}.interp")
        with right:
            st.markdown("**Arithmetic**: mean z of bold *a* − thin *a* + thin *b* ≈ a bold *b* (thickness read by the classifier).")
            a, b = st.slider("a", 0, 9, 3, key=f"{KEY}.a"), st.slider("b", 0, 9, 7, key=f"{KEY}.b")
            if st.button("Do the arithmetic", key=f"{KEY}.arith_go"):
                try:
                    st.session_state[f"{KEY}.arith_result"] = bold_arithmetic(gan, judge(), a, b)
                except ValueError as error:
                    st.warning(str(error))
            result = st.session_state.get(f"{KEY}.arith_result")
            if result is not None:
                names = list(result.images)
                st.plotly_chart(image_grid(list(result.images.values()), labels=names, cols=4, title="z̄ terms and result"),
                                key=f"{KEY}.arith")
                st.caption(" · ".join(f"{n}: {result.thickness[n]:.1f} px, read as {result.judged[n]}" for n in names))

with i2i_tab:
    st.markdown("**pix2pix** learns from pairs (U-Net G, PatchGAN D scoring each patch with the input); "
                "**CycleGAN** from two unpaired sets with the cycle-consistency loss F(G(a)) ≈ a. The "
                "targets shown are held out (the same glyph drawn bold) and never seen by CycleGAN.")
    kind = st.radio("Translator", i2i.TRANSLATORS, format_func=i2i.TRANSLATOR_LABELS.get, horizontal=True, key=f"{KEY}.kind")
    i2i_epochs = st.number_input("Epochs", 1, 200, 10, key=f"{KEY}.i2i_epochs")
    clicked = st.button("Train translator", key=f"{KEY}.i2i_train", type="primary")

    def train_translator(progress):
        result = i2i.train_translator(kind, int(i2i_epochs), callbacks=[progress])
        st.session_state[f"{KEY}.i2i_result"] = result
        return result[0]

    ui.training_panel(f"{KEY}.i2i", clicked, train_translator, metric="g_loss")
    if f"{KEY}.i2i_result" in st.session_state:
        translator, inputs, targets = st.session_state[f"{KEY}.i2i_result"]
        st.plotly_chart(image_columns(i2i.translation_columns(translator.model, inputs, targets),
                                      title=translator.name), key=f"{KEY}.columns")

with zoo_tab:
    st.markdown("Three GANs that need days of GPU training on high-resolution faces, explained instead of trained.")
    for entry in ZOO:
        st.subheader(entry.name)
        st.markdown(f"*Notes:* {entry.notes}\n\n{entry.idea}")
        st.graphviz_chart(entry.diagram)
