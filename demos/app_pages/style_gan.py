"""StyleGAN: a StyleGAN-mini trained live on glyphs, then its styles mixed and truncated."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.generative import glyph_gan as gg
from toolkit.generative import stylegan as sg
from toolkit.generative.metrics import glyph_judge
from toolkit.viz import evaluation_curves, image_grid, labelled_grid
from toolkit.viz.gan import adversarial_losses

KEY = "style-gan"
SPECS = ui.settings(sg.StyleGanConfig, "epochs", "n", "batch", "g_lr", "d_lr", "latent_dim", "w_dim",
                    "mapping_layers", "channels", "mixing", "ema_decay", "score")
LAYER_NAMES = ("7×7", "7×7", "14×14", "14×14", "28×28", "28×28")


@dataclasses.dataclass
class PageState:
    generator: sg.StyleGenerator | None = None  # the trained generator on screen (its weight average Ḡ)


def draw(frame):
    """One frame: the fixed latent grid, D's and G's losses, and the latest scores."""
    extras = frame.extras
    if not frame.histories() and "setup" in extras:
        st.caption(extras["setup"])
    if "grid" in extras:
        st.plotly_chart(image_grid(extras["grid"], title=f"The same 40 latent vectors · epoch {extras['epoch']}",
                                   compact=True), key=f"{KEY}.fig.grid")
    if frame.histories():
        st.plotly_chart(adversarial_losses(frame.histories()), key=f"{KEY}.fig.losses")
    if extras.get("scores"):
        st.plotly_chart(evaluation_curves(extras["scores"]), key=f"{KEY}.fig.scores")


st.title("StyleGAN")
st.markdown(
    "*Style GAN: G can capture and manipulate style attributes of images.* In a StyleGAN (Karras et al., 2019) "
    "z never enters the image directly: a **mapping network** turns it into w, and the synthesis network "
    "starts from a learned constant whose every layer is re-styled by w through **AdaIN**, with per-pixel "
    "**noise** for detail. Because each layer reads its own copy of w, a trained generator can take its "
    "coarse layers (which character) from one latent and its fine layers (stroke thickness) from another — "
    "**style mixing** — or pull w towards the average w̄ — **truncation** — without retraining."
)
left, right = st.columns(2)
left.latex(sg.MAPPING_LATEX)
left.latex(sg.ADAIN_LATEX)
left.latex(sg.NOISE_LATEX)
right.latex(sg.MIXING_LATEX)
right.latex(sg.TRUNCATION_LATEX)
form = ui.settings_form(KEY, SPECS, columns=4)
state = ui.page_state(KEY, PageState)
config = ui.config_or_stop(sg.StyleGanConfig, form.values)
monitor = gg.GanMonitor(glyph_judge() if config.score else None, seed=config.seed)


def train(live):
    live.watch(gg.live_samples)  # the fixed grid, at the panel's rate
    live.watch(lambda run: {"scores": monitor.scores()})
    return sg.run_stylegan(config, monitor=monitor, callbacks=live.callbacks, stop=live.stop,
                           on_setup=lambda text: live.publish(setup=text))


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="fid", draw_early=True)
result = ui.finished(job)
if result is not None and result.run.status != "diverged":
    state.generator = result.generator
elif form.submitted:
    state.generator = None
generator = state.generator

st.subheader("Style mixing")
if generator is None:
    st.info("Train the StyleGAN above first; its generator is mixed and truncated here.")
    st.stop()
st.markdown("Each mixed glyph takes the **coarse** styles (layers before c) of its row's source and the "
            "**fine** styles (layers from c on) of its column's source; the sources are on the top row and left "
            "column; each source's noise maps are mixed the same way. Layers: "
            + ", ".join(f"{i}: {n}" for i, n in enumerate(LAYER_NAMES)) + ".")
cols = st.columns(3)
crossover = cols[0].slider("Crossover layer c", 0, sg.STYLE_LAYERS, sg.DEFAULT_CROSSOVER, key=f"{KEY}.crossover",
                           help="0: everything from the column source; 6: everything from the row source.")
row_seed = cols[1].number_input("Row seeds from", 0, 9999, 0, key=f"{KEY}.row_seed")
column_seed = cols[2].number_input("Column seeds from", 0, 9999, 100, key=f"{KEY}.column_seed")
rows, columns = range(int(row_seed), int(row_seed) + 5), range(int(column_seed), int(column_seed) + 6)
grid = sg.mixing_grid(generator, rows, columns, crossover)
st.plotly_chart(labelled_grid(grid.tiles(), ["fine sources"] + [f"seed {s}" for s in rows],
                              ["coarse sources"] + [f"seed {s}" for s in columns],
                              title=f"Coarse styles (layers < {crossover}) from the row, fine from the column"),
                key=f"{KEY}.fig.mixing")

st.subheader("Truncation")
st.markdown("Pulling w towards the mean w̄ trades diversity for typical glyphs. At ψ = 0 every latent has the same "
            "w̄; what still differs between the columns is each sample's own noise n, which in this small model also "
            "helps choose the character (the mixing grid above mixes each source's noise with its styles).")
psi = st.slider("ψ", 0.0, 1.5, 0.7, 0.05, key=f"{KEY}.psi")
psis, seeds = [1.0, psi, 0.0], range(6)
st.plotly_chart(labelled_grid(sg.truncation_images(generator, seeds, psis), [f"ψ = {p:g}" for p in psis],
                              [str(s) for s in seeds], title="The same 6 latents (seeds 0 to 5), truncated"),
                key=f"{KEY}.fig.truncation")
