"""GAN vs VAE vs VQ-VAE: the notes' table of generative-model properties, measured on one budget."""

import streamlit as st

from demos import ui
from toolkit.generative.comparison import MODELS, ComparisonConfig, compare_generative_models
from toolkit.viz import image_grid, interpolation_strips, learning_curves

KEY = "generative_comparison"


def draw(frame):
    run = frame.current
    metric = "g_loss" if "g_loss" in run.history else "loss"
    st.plotly_chart(learning_curves({run.name: run.history}, metric, title=f"{run.name}: {metric} per epoch"),
                    key=f"{KEY}.live")
    if run.name == MODELS[-1] and run.finished:
        st.caption("All three are trained: now their samples are scored and their latent spaces measured.")


st.title("Compare generative models")
st.markdown(
    "The notes' table of generative-model properties, **measured**: a DCGAN, a VAE and a VQ-VAE are trained "
    "on the same glyphs, with the same epochs, batch size, batch order and seed, then scored with the glyph "
    "classifier (FID, IS, classes covered), by small steps in their latent space (each coordinate moved by 0.1 "
    "of its spread: a well-behaved space changes the image a little, not 0 and not in jumps), along "
    "interpolations, and by their likelihood bound where one exists.")
st.latex(r"\Delta(z) = \mathrm{RMS}\big(G(z + 0.1\, s\, \varepsilon) - G(z)\big),\qquad "
         r"z(t) = (1 - t)\, z_0 + t\, z_1,\qquad "
         r"\log P_\theta(x) \ge E_z[\log P_\theta(x|z)] - D_{KL}(q_\theta(z|x)\,\|\,P_\theta(z))")
form = ui.settings_form(KEY, ui.settings(ComparisonConfig, "epochs", "n", "batch", "samples"), columns=4)
config = ui.config_or_stop(ComparisonConfig, form.values)


def train(live):
    return compare_generative_models(config, callbacks=live.callbacks, stop=live.stop)


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw)
result = job.result if job is not None and not job.running else None
if result is not None:
    st.subheader("The notes' properties, measured")
    ui.table(result.table, column_order=("property", "measure", *MODELS),
             column_config={m: st.column_config.NumberColumn(m, format="%.3g") for m in MODELS})
    st.caption(f"Budget: {result.budget['glyphs']} glyphs × {result.budget['epochs']} epochs, batch "
               f"{result.budget['batch_size']}, seed {result.budget['seed']}. ↓ lower is better, ↑ higher is "
               "better; the GAN defines no likelihood (None).")
    for column, (name, images) in zip(st.columns(len(MODELS)), result.samples.items()):
        column.plotly_chart(image_grid(images, cols=8, title=f"{name} samples"), key=f"{KEY}.samples.{name}")
    if result.interpolations:
        st.plotly_chart(interpolation_strips(result.interpolations), key=f"{KEY}.strips")
