"""Text-to-image GAN: GAN-CLS on captioned glyphs, trained live, its caption agreement measured, then prompted."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.generative import text_gan as tg
from toolkit.generative.metrics import glyph_judge
from toolkit.viz import evaluation_curves, image_grid, labelled_grid
from toolkit.viz.gan import adversarial_losses

KEY = "text_gan"
CAPTION_KEY = f"{KEY}.caption"
SPECS = ui.settings(tg.TextGanConfig, "matching_aware", "epochs", "n", "batch", "p_thickness", "p_slant",
                    "text_dim", "latent_dim", "score", "seed")


@dataclasses.dataclass
class PageState:
    rows: dict = dataclasses.field(default_factory=dict)  # run name -> agreement row, the runs of this session
    samples: dict | None = None  # the caption box's last draw
    model: object = None  # the generator it came from


def draw(frame):
    """One frame: the fixed caption grid, D's and G's losses, the agreement shares."""
    extras = frame.extras
    if not frame.histories() and "setup" in extras:
        st.caption(extras["setup"])
    if "grid" in extras:
        st.plotly_chart(labelled_grid(extras["grid"], tg.GRID_ROWS, tg.DIGITS,
                                      title=f"G(z, φ('{{row}} {{digit}}')) · epoch {extras['epoch']}")
                        .update_layout(height=480), key=f"{KEY}.fig.grid")  # 4 rows of 10: legible glyphs
        st.caption("The same z down each column and at every epoch: only the caption changes between rows.")
    if frame.histories():
        st.plotly_chart(adversarial_losses(frame.histories()), key=f"{KEY}.fig.losses")
    if extras.get("scores"):
        st.plotly_chart(evaluation_curves(extras["scores"], metrics=tg.AGREEMENT_KEYS,
                                          title="Share of samples whose class / thickness / slant the judge reads "
                                                "as the caption says (chance 0.10 / 0.50 / 0.50 / 0.05)"),
                        key=f"{KEY}.fig.agreement")


st.title("Text-to-image GAN")
st.markdown(
    "The notes: *\"Text-to-Image Synthesis: G receive text and noise and produce an image. D distinguishes between "
    "real images with matching descriptions and generated.\"* Here every glyph comes with a caption made from its own "
    "attributes (**\"a bold 7\"**, **\"a thin slanted 3\"**, **\"a 5\"**). The caption's words are averaged into a "
    "vector φ(t) that G receives beside z and D beside the image. The **matching-aware** D of GAN-CLS (Reed et al., "
    "2016) also sees real glyphs with a *wrong* caption and must call them fake, so it judges whether the image fits "
    "the text, not only whether it looks real. Turn the wrong-text term off to train a plain conditional GAN.")
st.latex(tg.FORMULA_PHI + r" \text{ (a wrong caption } \hat t\text{)}, \quad " + tg.FORMULA_G)
st.latex(r"\text{GAN-CLS: } " + tg.FORMULA_CLS)
st.latex(r"\text{plain conditional GAN (matching-aware D off): } " + tg.FORMULA_PLAIN)
form = ui.settings_form(KEY, SPECS, columns=4)
state = ui.page_state(KEY, PageState)
config = ui.config_or_stop(tg.TextGanConfig, form.values)
monitor = tg.TextGanMonitor(glyph_judge() if config.score else None, seed=config.seed)


def train(live):
    live.watch(tg.live_samples)  # the fixed caption grid, at the panel's rate
    live.watch(lambda run: {"scores": monitor.scores()})  # the throttled monitor's agreement shares
    return tg.run_text_gan(config, monitor=monitor, callbacks=live.callbacks, stop=live.stop,
                           on_setup=lambda text: live.publish(setup=text))


# "class" is the monitor's, not in the run's history: no "did not learn" from losses that need not fall
job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="class", draw_early=True)
result = ui.finished(job)
if result is not None and result.agreement is not None:
    state.rows[result.run.name] = tg.agreement_row(result)
if state.rows:
    st.header("Do the samples follow the caption?")
    ui.table([*state.rows.values(), tg.CHANCE_ROW])
    st.caption("10 samples of each of the 40 captions 'a {thin|bold} {upright|slanted} {digit}', read by the shipped "
               "glyph judge: the share drawn as the caption's digit, on the named side of 2.5 px thickness and of "
               "0.125 slant, and the mean thickness the judge reads in the bold and the thin samples. Train with and "
               "without the matching-aware term: each run adds its row.")

st.subheader("Write a caption")
if result is None or result.run.status == "diverged":
    st.info("Train the GAN above first: its generator draws your captions here.", icon=":material/arrow_upward:")
    st.stop()
caption_form = ui.settings_form(CAPTION_KEY, ui.settings(tg.CaptionConfig), submit_label="Draw", columns=3)
caption = ui.config_or_none(tg.CaptionConfig, caption_form.values)
if caption is not None:
    if caption_form.submitted or state.model is not result.model or state.samples is None:
        state.samples, state.model = tg.caption_samples(result.model, caption, glyph_judge()), result.model
    out = state.samples
    said = ", ".join(f"the {name} asked for in **{share:.0%}**" for name, share in out["agrees"].items())
    st.markdown(f"**'{out['caption']}'**: the judge reads {said} of the samples; mean thickness "
                f"**{out['thickness']:.2f} px** (thin < 2.25, bold > 2.75), mean slant **{out['slant']:.2f}**.")
    st.plotly_chart(image_grid(out["images"], labels=[str(c) for c in out["read"]["class"]], cols=10,
                               title=f"{len(out['images'])} samples of '{out['caption']}' (label: the judge's class)"),
                    key=f"{CAPTION_KEY}.fig.samples")
    st.caption("Try the same digit thin and bold with the same noise seed, or 'an upright 4' against 'a slanted 4'.")
