"""GANs on glyphs: a DCGAN or conditional GAN trained live and scored, then its latent space explored."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.generative import glyph_gan as gg
from toolkit.generative.latent import Arithmetic, bold_arithmetic, interpolation_images
from toolkit.generative.metrics import glyph_judge
from toolkit.viz import evaluation_curves, image_grid
from toolkit.viz.gan import adversarial_losses

KEY = "gan-glyphs"
SPECS = ui.settings(gg.GlyphGanConfig, "model", "loss", "epochs", "n", "batch", "k", "g_lr", "d_lr", "clip",
                    "feature_matching", "minibatch", "vbn", "score")


@dataclasses.dataclass
class PageState:
    arithmetic: Arithmetic | None = None  # of the generator on screen


def grid_figure(images, epoch, conditional):
    labels = [str(i % 10) for i in range(len(images))] if conditional else None
    return image_grid(images, labels=labels, title=f"The same 40 latent vectors · epoch {epoch}", compact=True)


def draw(frame):
    """One frame: the fixed latent grid, D's and G's losses, and the latest scores."""
    extras = frame.extras
    if not frame.histories() and "setup" in extras:
        st.caption(extras["setup"])
    if "grid" in extras:  # epoch 0 too: the untrained generator's samples
        st.plotly_chart(grid_figure(extras["grid"], extras["epoch"], extras["conditional"]), key=f"{KEY}.fig.grid")
    if frame.histories():
        st.plotly_chart(adversarial_losses(frame.histories()), key=f"{KEY}.fig.losses")
    if extras.get("scores"):
        st.plotly_chart(evaluation_curves(extras["scores"]), key=f"{KEY}.fig.scores")


st.title("GANs on glyphs")
st.markdown(
    "A DCGAN (strided convolutions, LeakyReLU, batch norm, one dense layer) learns to draw the "
    "toolkit's handwriting-like glyphs. Choose the loss and the notes' tricks, then watch **the same "
    "40 latent vectors** turn into characters, epoch after epoch. Samples are scored with FID and the "
    "Inception Score computed by a small glyph classifier shipped with the toolkit (99 % accurate on "
    "glyphs it never saw): InceptionV3's ImageNet weights are not available offline, and would say "
    "little about 28×28 glyphs, so the numbers compare runs of this toolkit, not published results."
)
st.latex(r"\min_G \max_D \; \mathbb{E}_x \log D(x) + \mathbb{E}_z \log\big(1 - D(G(z))\big)")
form = ui.settings_form(KEY, SPECS, columns=4)
state = ui.page_state(KEY, PageState)
config = ui.config_or_stop(gg.GlyphGanConfig.for_model, form.values)  # the conditional GAN has its own defaults
if form.submitted:
    state.arithmetic = None  # it belonged to the previous generator
monitor = gg.GanMonitor(glyph_judge() if config.score else None, seed=config.seed)  # loads in ~0.2 s


def train(live):
    live.watch(gg.live_samples)  # the fixed grid, at the panel's rate
    live.watch(lambda run: {"scores": monitor.scores()})  # the throttled monitor's latest scores
    return gg.run_glyph_gan(config, monitor=monitor, callbacks=live.callbacks, stop=live.stop,
                            on_setup=lambda text: live.publish(setup=text))


# "fid" is the monitor's, not in the run's history: no "did not learn" from losses that need not fall
job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="fid", draw_early=True)
result = job.result if job is not None and not job.running else None
if result is not None:
    verdict, message = result.diagnosis
    if verdict != "ok":
        (st.error if verdict == "diverged" else st.warning)(f"**{verdict.capitalize()}.** {message}")
    if result.class_accuracy is not None:
        st.metric("Samples the classifier assigns to their requested class", f"{result.class_accuracy:.0%}")
    ui.page_link("app_pages/gan_variants.py", "Compare the losses side by side", ":material/compare:", "gan_variants")

st.subheader("Latent space")
if result is None or result.run.status == "diverged":
    st.info("Train a GAN above first; its generator is explored here.")
    st.stop()
gan, conditional = result.run.model, result.config.model == "conditional"
left, right = st.columns(2, gap="large")
with left:
    st.markdown("**Interpolation** between the latent vectors of two seeds.")
    st.latex(r"\text{linear: } z(t) = (1 - t) z_0 + t z_1")
    st.latex(r"\text{slerp: } z(t) = \tfrac{\sin((1-t)\Omega)}{\sin \Omega} z_0 + \tfrac{\sin(t\Omega)}{\sin \Omega} z_1")
    seed_a = st.number_input("Seed A", 0, 9999, 1, key=f"{KEY}.seed_a")
    seed_b = st.number_input("Seed B", 0, 9999, 2, key=f"{KEY}.seed_b")
    method = st.radio("Path", ["linear", "slerp"], horizontal=True, key=f"{KEY}.method")
    label = st.slider("Class y", 0, 9, 3, key=f"{KEY}.label") if conditional else None
    st.plotly_chart(image_grid(interpolation_images(gan, int(seed_a), int(seed_b), 10, method, label), cols=10,
                               title=f"G(z(t)), t = 0 … 1 ({method})"), key=f"{KEY}.fig.interp")
with right:
    st.markdown("**Arithmetic**: bold *a* − thin *a* + thin *b* ≈ a bold *b* (thickness read by the classifier).")
    st.latex(r"\bar z_{\text{bold } a} - \bar z_{\text{thin } a} + \bar z_{\text{thin } b}")
    a, b = st.slider("a", 0, 9, 3, key=f"{KEY}.a"), st.slider("b", 0, 9, 7, key=f"{KEY}.b")
    if st.button("Do the arithmetic", key=f"{KEY}.arith_go"):
        try:
            state.arithmetic = bold_arithmetic(gan, glyph_judge(), a, b)
        except ValueError as error:
            st.warning(str(error))
    if state.arithmetic is not None:
        names = list(state.arithmetic.images)
        st.plotly_chart(image_grid(list(state.arithmetic.images.values()), labels=names, cols=4,
                                   title="z̄ terms and result"), key=f"{KEY}.fig.arith")
        st.caption(" · ".join(f"{n}: {state.arithmetic.thickness[n]:.1f} px, read as {state.arithmetic.judged[n]}"
                              for n in names))
