"""Image-to-image translation on glyphs: pix2pix from pairs, CycleGAN from unpaired sets, trained live."""

import streamlit as st

from demos import ui
from toolkit.generative import image_to_image as i2i
from toolkit.viz.gan import adversarial_losses, image_columns

KEY = "image-to-image"


def draw(frame):
    """One frame: the held-out glyphs translated by the current networks, and D's and G's losses."""
    if not frame.histories() and "setup" in frame.extras:
        st.caption(frame.extras["setup"])
    if "columns" in frame.extras:
        st.plotly_chart(image_columns(frame.extras["columns"], title=f"{frame.current.name} · epoch {frame.epoch}",
                                      compact=True),
                        key=f"{KEY}.fig.columns")
    if frame.histories():
        st.plotly_chart(adversarial_losses(frame.histories()), key=f"{KEY}.fig.losses")


st.title("Image-to-image translation")
st.markdown(
    "**pix2pix** learns from pairs: a U-Net G turns the outline of a glyph into the filled glyph, and a "
    "PatchGAN D scores every patch of the output *together with its input*; an L1 term keeps the output "
    "near the target. **CycleGAN** learns from two unpaired sets, thin and bold glyphs: two translators "
    "G and F, a discriminator per domain, and the cycle-consistency loss F(G(a)) ≈ a. The targets shown "
    "are held out (the same glyph drawn bold) and never seen by CycleGAN."
)
form = ui.settings_form(KEY, ui.settings(i2i.TranslatorConfig), columns=4)
config = ui.config_or_stop(i2i.TranslatorConfig, form.values)
if form.submitted:
    inputs, targets = i2i.held_out_pairs(config)  # 8 glyphs, rendered in a few milliseconds


def train(live):
    live.watch(lambda run: {"columns": i2i.translation_columns(run.model, inputs, targets)})
    return i2i.train_translator(config, callbacks=live.callbacks, stop=live.stop,
                                on_setup=lambda text: live.publish(setup=text))


# the adversarial losses need not fall while G learns: "l1" / "cycle" say whether it did
job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, draw_early=True,
                    metric="l1" if config.kind == "pix2pix" else "cycle")
st.caption("Outputs are clipped to [0, 1] for display: the translators' last layer is linear "
           "(`image_to_image.OUTPUT_ACTIVATION`), since a sigmoid got stuck in its flat black region.")
