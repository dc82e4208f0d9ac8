"""Progressive GAN: G and D grow 7×7 → 14×14 → 28×28 while they train, each new block faded in."""

import streamlit as st

from demos import ui
from toolkit.generative import glyph_gan as gg
from toolkit.generative import progan as pg
from toolkit.generative.metrics import glyph_judge
from toolkit.viz import evaluation_curves, image_grid
from toolkit.viz.gan import adversarial_losses, image_columns
from toolkit.viz.progan import growth_schedule

KEY = "progressive-gan"
SPECS = ui.settings(pg.ProGanConfig, "stable_epochs", "fade_epochs", "n", "batch", "loss", "g_lr", "d_lr",
                    "filters", "score")


def draw(frame):
    """One frame: the fixed latent grid at the current resolution, the schedule, losses and FID."""
    extras = frame.extras
    if not frame.histories() and "setup" in extras:
        st.caption(extras["setup"])
    left, right = st.columns(2)
    if "grid" in extras:
        r = extras["resolution"]
        left.plotly_chart(image_grid(extras["grid"], compact=True,
                                     title=f"The same 40 latent vectors · {r}×{r}, α = {extras['alpha']:.2f} · "
                                           f"epoch {extras['epoch']}"), key=f"{KEY}.fig.grid")
    right.plotly_chart(growth_schedule(pg.schedule(config), frame.epoch), key=f"{KEY}.fig.schedule")
    left, right = st.columns(2)
    if frame.histories():
        left.plotly_chart(adversarial_losses(frame.histories()), key=f"{KEY}.fig.losses")
    if extras.get("scores"):
        right.plotly_chart(evaluation_curves(extras["scores"], metrics=("fid",),
                                             title=f"FID of 500 samples at 28×28 · epoch {frame.epoch}"),
                           key=f"{KEY}.fig.scores")


st.title("Progressive GAN")
st.markdown(
    "The notes: *Progressive GAN: progressive growth of G and D networks. Enable high-quality images.* "
    "Training starts with a generator of **7×7** glyphs and a discriminator of 7×7 images, where a character's "
    "overall shape is learned in cheap epochs; then a block for **14×14** and one for **28×28** is added to both "
    "networks. Each new block is **faded in**: its output is mixed with the upsampled output of the smaller "
    "network, with a weight α that rises from 0 to 1, so the layers already trained are not disturbed "
    "(Karras et al., 2018). The real glyphs are average-pooled to the current resolution and blended the same way.")
st.latex(pg.ALPHA_LATEX)
cols = st.columns(3)
for col, (what, latex) in zip(cols, (("Pixel norm (G, after each conv)", pg.PIXEL_NORM_LATEX),
                                     ("Equalized learning rate (every layer)", pg.EQUALIZED_LATEX),
                                     ("Minibatch std (one more map in D)", pg.MINIBATCH_STD_LATEX))):
    col.markdown(f"**{what}**")
    col.latex(latex)
form = ui.settings_form(KEY, SPECS, columns=4)
config = ui.config_or_stop(pg.ProGanConfig, form.values)
monitor = gg.GanMonitor(glyph_judge() if config.score else None, seed=config.seed)
st.caption(f"{config.epochs} epochs in all: {config.stable_epochs} at 7×7, then {config.fade_epochs} fading in and "
           f"{config.stable_epochs} at α = 1 for 14×14 and again for 28×28. Samples are shown upsampled to 28×28 "
           "and scored there by the toolkit's glyph classifier (FID: lower is closer to real glyphs).")


def train(live):
    live.watch(pg.live_samples)  # the fixed grid at the current resolution, and α
    live.watch(lambda run: {"scores": monitor.scores()})
    return pg.run_progan(config, monitor=monitor, callbacks=live.callbacks, stop=live.stop,
                         on_setup=lambda text: live.publish(setup=text))


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="fid", draw_early=True)
result = ui.finished(job)
if result is not None:
    verdict, message = result.diagnosis
    if verdict != "ok":
        (st.error if verdict == "diverged" else st.warning)(f"**{verdict.capitalize()}.** {message}")
    st.subheader("What each stage learned")
    st.plotly_chart(image_columns(result.display_samples(), max_rows=6,
                                  title="The same z through the generator of each stage: shape, strokes, detail"),
                    key=f"{KEY}.fig.stages")
    ui.table(result.table())
    st.caption("Each row: one latent vector through the generator of each resolution (α = 1), drawn at 28×28 "
               "so that every generated pixel shows. "
               "Seconds per epoch leave out each stage's first, traced, chunk: the 7×7 networks are far cheaper "
               "per epoch, so the coarse shape is learned before the costly 28×28 blocks exist. At this tiny size "
               "the DCGAN of *GANs on glyphs* still reaches a lower FID in the same time (`benchmarks/progan.py`); "
               "the paper's gains show at 1024×1024, where training at full size from the start is slow and unstable.")
