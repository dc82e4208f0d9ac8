"""Diffusion models: the forward process, DDPM in pixel and latent space, DDIM, guidance, the trilemma."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.diffusion import lab
from toolkit.diffusion.schedules import SCHEDULES, NoiseSchedule
from toolkit.viz import image_grid, learning_curves
from toolkit.viz.diffusion import denoising_grid, schedule_curves, stochastic_paths, value_histogram

KEY = "diffusion"
TRAIN_KEY, SAMPLE_KEY = f"{KEY}.train", f"{KEY}.sample"
LESSONS = ui.page_lessons("diffusion")


@dataclasses.dataclass
class PageState:
    samples: dict | None = None  # the Sample tab's last draw
    sweep: list | None = None  # its last steps-vs-quality table
    model: str | None = None  # which model both came from


st.title("Diffusion models")
st.markdown(
    "A diffusion model destroys data with noise in T small steps (the **forward process**) and learns to undo "
    "one step at a time: a network ε_θ predicts the noise in x_t. Sampling starts from pure noise and removes the "
    "predicted noise step by step (**DDPM**, T steps), or jumps through S < T of them (**DDIM**). One network "
    "trained with and without the class c gives **classifier-free guidance**. In **latent diffusion** (the idea of "
    "Stable Diffusion) the noise is added to an autoencoder's small code instead of the pixels.")


def forward_process():
    values, specs = {}, ui.settings(lab.ForwardConfig)
    for cell, spec in zip(st.columns(3), specs):
        with cell:
            values[spec.name] = ui.param_widget(spec, spec.default, key=f"{KEY}.{spec.name}", formula=False)
    for cell, spec in zip(st.columns([2, 3]), (specs[0], specs[2])):  # formulas wider than a widget's column
        cell.latex(spec.formula_for(values[spec.name]))
    config = ui.config_or_none(lab.ForwardConfig, values)
    if config is None:
        return
    out = lab.forward_process(config, ui.cached_dataset("glyphs", n=1000, seed=0).x_train[:10])
    t, alpha_bar = config.forward_t, out["alpha_bar"]
    left, right = st.columns(2)
    left.plotly_chart(image_grid(out["images"], cols=5, title=f"x_t at t = {t}: √ᾱ_t = {alpha_bar ** 0.5:.3f} of the "
                                 f"glyph, √(1 − ᾱ_t) = {(1 - alpha_bar) ** 0.5:.3f} noise"), key=f"{KEY}.fig.noised")
    right.plotly_chart(value_histogram(out["x0"], out["values"], t), key=f"{KEY}.fig.histogram")
    left, right = st.columns(2)
    left.plotly_chart(schedule_curves({name: NoiseSchedule(name, config.forward_steps) for name in SCHEDULES}, t,
                                      title=f"Signal left ᾱ_t for T = {config.forward_steps}: the cosine schedule "
                                            "destroys the glyph more slowly"), key=f"{KEY}.fig.schedules")
    right.plotly_chart(stochastic_paths(**lab.stochastic_paths(config), t=t, title="One pixel's paths: the mean √ᾱ_t x₀ and "
                                        "the band ±2√(1 − ᾱ_t)"),
                       key=f"{KEY}.fig.paths")
    right.latex(lab.FORMULA_STEP)
    st.caption("The values of x_t approach N(0, 1) as t → T: where sampling starts. The glyphs' pixels are mapped "
               "to [−1, 1] first (x₀ = 2x − 1), so the noise and the signal have the same scale.")
    with st.expander("The ELBO and denoising score matching, computed on a tiny case"):
        st.latex(lab.ELBO_LATEX)
        ui.table(elbo_rows())
        st.caption("Data x₀ ~ N(0.5, 0.2²) in one dimension, T = 100 linear steps, σ_t² = β_t: every q is Gaussian, "
                   "so each term is exact. The best denoiser E[ε | x_t] (what ‖ε − ε_θ‖² is minimized by: denoising "
                   "score matching, s(x_t) = −ε̂ / √(1 − ᾱ_t)) gives the tightest bound on −log p(x₀).")


@st.cache_data(show_spinner=False)
def elbo_rows():
    return lab.elbo_table()


def draw_training(frame):
    left, right = st.columns(2)
    left.plotly_chart(learning_curves(frame.histories(), "loss", log_y=True,
                                      title=f"Loss, epoch {frame.epoch} (train dashed, held-out solid)"),
                      key=f"{TRAIN_KEY}.live.loss")
    for name, (epoch, images) in frame.extras.get("samples", {}).items():
        when = f"epoch {epoch}" if name == frame.current.name else "trained"  # one epoch number per frame
        right.plotly_chart(image_grid(images, cols=10, title=f"{name}, {when}: digits 0-9 twice, the same "
                                      f"noise every epoch (DDIM, {lab.WATCH_STEPS} steps, w = 2)"),
                           key=f"{TRAIN_KEY}.live.{name}")


def train():
    form, config = ui.tab_form(TRAIN_KEY, lab.DiffusionConfig, LESSONS)
    if config is None:
        return None

    def run(live):
        monitor = lab.DiffusionMonitor()
        live.watch(monitor)
        return lab.run_diffusion(config, callbacks=live.callbacks, stop=live.stop, monitor=monitor)

    job = ui.live_panel(TRAIN_KEY, start=form.submitted, train=run, draw=draw_training, metric="loss", refresh=1.0)
    result = ui.finished(job)
    if result is not None and result.rows:
        st.header("Quality, diversity, speed: the trilemma, measured")
        ui.table(result.table())
        st.caption(f"{lab.SCORED} samples per model scored by the glyph judge against {lab.HELD_OUT} held-out glyphs; "
                   f"the DDPMs draw 20 of each digit with DDIM, {lab.SCORE_STEPS} steps and w = 2 (two network "
                   "evaluations a step). Recognized: the judge's confidence ≥ 0.9. Train time of the latent DDPM "
                   "includes its autoencoder.")
        for column, (name, images) in zip(st.columns(len(result.samples)), result.samples.items()):
            column.plotly_chart(image_grid(images[:40], cols=10, title=f"{name}: 40 of its scored samples"),
                                key=f"{TRAIN_KEY}.fig.{name}")
    return result


def sample(result):
    state = ui.page_state(KEY, PageState)
    name = st.radio("Model", list(result.models), horizontal=True, key=f"{KEY}.model")
    form, config = ui.tab_form(SAMPLE_KEY, lab.SampleConfig, LESSONS, submit_label="Sample")
    model = result.models[name]
    if config is not None and form.submitted:
        if name == lab.SPACES["pixel"] and config.sampler == "ddpm":
            st.info(f"DDPM runs the U-Net {2 * model.model.steps} times per batch: about a minute on 2 cores.")
        state.samples, state.sweep, state.model = lab.sample_with(model, config, judge()), None, name
    if state.samples is not None and state.model == name:
        out = state.samples
        st.markdown(f"**{len(out['images'])} samples in {out['seconds']:.2f} s** ({out['steps']} steps). Recognized "
                    f"by the judge: **{out['recognized']:.0%}**; the digit asked for: **{out['agree']:.0%}**.")
        left, right = st.columns(2)
        left.plotly_chart(image_grid(out["images"], cols=10, title=f"{name} samples"), key=f"{SAMPLE_KEY}.fig.grid")
        right.plotly_chart(denoising_grid(out["frames"]), key=f"{SAMPLE_KEY}.fig.chain")
    if st.button("Steps vs quality vs time", key=f"{KEY}.sweep", icon=":material/speed:"):
        guidance = config.guidance if config is not None else 2.0
        state.sweep, state.model = lab.step_sweep(model, judge(), guidance=guidance), name
    if state.sweep is not None and state.model == name:
        ui.table(state.sweep)
        st.caption(f"100 samples per row (10 of each digit), the same noise; DDPM takes all T = {model.model.steps} "
                   "steps. DDIM's x̂₀ jumps let a few steps reach the quality of T.")


def judge():
    from toolkit.generative.metrics import glyph_judge  # the shipped judge, loaded once per process

    return glyph_judge()


forward_tab, train_tab, sample_tab = st.tabs(["Forward process", "Train", "Sample"])
with forward_tab:
    forward_process()
with train_tab:
    trained = train()
with sample_tab:
    if trained is None or not trained.models:
        st.info("Train a diffusion model in the Train tab: this tab samples from it.", icon=":material/arrow_back:")
    else:
        sample(trained)
