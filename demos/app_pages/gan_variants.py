"""GAN losses side by side on glyphs (same seed, same batches), and the GAN zoo at full size (diagrams, links)."""

import streamlit as st

from demos import ui
from toolkit.generative import glyph_gan as gg
from toolkit.generative.metrics import glyph_judge
from toolkit.generative.zoo import ZOO
from toolkit.viz import evaluation_curves, image_grid
from toolkit.viz.gan import adversarial_losses

KEY = "gan-variants"
SPECS = ui.settings(gg.LossComparisonConfig, "losses", "model", "epochs", "n", "batch", "k", "g_lr", "d_lr", "score",
                    epochs={"label": "Epochs per variant"})


def draw(frame):
    """One frame: the run in progress's grid, every run's D and G losses, every run's scores."""
    if not frame.histories() and "setup" in frame.extras:
        st.caption(frame.extras["setup"])
    if "grid" in frame.extras:
        st.plotly_chart(image_grid(frame.extras["grid"], title=f"{frame.extras['run']} · epoch {frame.extras['epoch']}",
                                   compact=True),
                        key=f"{KEY}.fig.grid")
    if frame.histories():
        st.plotly_chart(adversarial_losses(frame.histories()), key=f"{KEY}.fig.losses")
    if frame.extras.get("scores"):
        st.plotly_chart(evaluation_curves(frame.extras["scores"]), key=f"{KEY}.fig.scores")


st.title("GAN losses compared")
st.markdown(
    "The losses of the notes train the same DCGAN on the same glyphs **from the same seed**: identical "
    "initial weights (where the networks match) and identical batches, so the runs differ only by the "
    "objective (`toolkit.generative.glyph_gan.compare_variants`, built on `toolkit.train.compare`). "
    "The other settings are the DCGAN's defaults of the *GANs on glyphs* page."
)
form = ui.settings_form(KEY, SPECS, columns=3)
config = ui.config_or_stop(gg.LossComparisonConfig.for_model, form.values)
monitor = gg.GanMonitor(glyph_judge() if config.score else None, seed=config.seed)


def train(live):
    live.watch(gg.live_samples)
    live.watch(lambda run: {"scores": monitor.scores()})
    return gg.compare_variants(config.variants(), monitor=monitor, callbacks=live.callbacks, stop=live.stop,
                               on_setup=lambda text: live.publish(setup=text))


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="fid", draw_early=True)
results = job.result if job is not None and not job.running and job.result else {}
if results:
    st.subheader("After training")
    for column, (name, result) in zip(st.columns(len(results)), results.items()):
        with column:
            st.plotly_chart(image_grid(result.grid, title=name, cols=8, compact=True), key=f"{KEY}.fig.final.{name}")
            verdict, _ = result.diagnosis
            st.caption(f"{result.run.status}, {result.run.wall_time:.0f} s" + (f" · **{verdict}**" if verdict != "ok"
                                                                               else ""))
    for name, result in results.items():
        if result.diagnosis[0] != "ok":
            st.warning(f"**{name}: {result.diagnosis[0]}.** {result.diagnosis[1]}")

st.header("The GAN zoo")
st.markdown("Three GANs that need days of GPU training on high-resolution faces at full size. Each has a page where "
            "its miniature trains on glyphs, live.")
for entry in ZOO:
    st.subheader(entry.name)
    st.markdown(f"*Notes:* {entry.notes}\n\n{entry.idea}")
    st.graphviz_chart(entry.diagram)
    ui.page_link(entry.page[0], f"Train it: {entry.page[1]}", ":material/play_arrow:", entry.page[2])
