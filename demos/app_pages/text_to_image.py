"""Text-to-image diffusion: a latent DDPM conditioned on captions of shapes, trained live, then prompted."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.data import shapes
from toolkit.diffusion import text_lab as lab
from toolkit.diffusion.lab import SCORE_STEPS, WATCH_STEPS, DiffusionMonitor
from toolkit.viz import image_grid, labelled_grid, learning_curves

KEY = "text_to_image"
TRAIN_KEY, PROMPT_KEY = f"{KEY}.train", f"{KEY}.prompt"
LESSONS = ui.page_lessons("text_to_image")


@dataclasses.dataclass
class PageState:
    samples: dict | None = None  # the Prompt tab's last draw
    model: object = None  # the model it came from


st.title("Text-to-image diffusion")
st.markdown(
    "**Text conditioning**: the model is trained on pairs of an image and its caption, and the caption's words, "
    "turned into a vector, are added to the time step's embedding in ε_θ. Sampling with a prompt then removes the "
    "noise that does not fit the words. As in Stable Diffusion, the noise is added to an autoencoder's code (the "
    "**latent space**), and the caption is the **conditioning space**. Here the images are single shapes in six "
    "colours and three sizes, and each caption names the shape and, half of the time each, its colour and size.")
st.latex(lab.FORMULA_TEXT)


def draw_training(frame):
    left, right = st.columns(2)
    left.plotly_chart(learning_curves(frame.histories(), "loss", log_y=True,
                                      title=f"Loss, epoch {frame.epoch} (train dashed, held-out solid)"),
                      key=f"{TRAIN_KEY}.live.loss")
    for name, (epoch, images) in frame.extras.get("samples", {}).items():
        right.plotly_chart(labelled_grid(images, lab.WATCH_ROWS, shapes.SHAPES,
                                         title=f"{name}, epoch {epoch}: prompt '{{row}} {{column}}', the same noise "
                                               f"every epoch (DDIM, {WATCH_STEPS} steps, w = 2)"),
                           key=f"{TRAIN_KEY}.live.samples")


def train():
    form, config = ui.tab_form(TRAIN_KEY, lab.TextDiffusionConfig, LESSONS)
    if config is None:
        return None
    lab.shape_crops(config.n + lab.HELD_OUT, config.seed)  # drawn (once) while the student reads: a click only trains

    def run(live):
        monitor = DiffusionMonitor(lab.WATCHED)
        live.watch(monitor)
        return lab.run_text_diffusion(config, callbacks=live.callbacks, stop=live.stop, monitor=monitor)

    job = ui.live_panel(TRAIN_KEY, start=form.submitted, train=run, draw=draw_training, metric="loss", refresh=1.0)
    result = ui.finished(job)
    if result is not None and result.reused_autoencoder:
        st.info("The autoencoder of an earlier run with the same crops, latent size, epochs, batch and learning rate "
                "was reused, as Stable Diffusion trains its autoencoder once: only the DDPM trained.",
                icon=":material/recycling:")
    if result is not None and result.rows:
        st.header("Does it draw what the prompt asks for?")
        ui.table(result.table())
        st.caption(f"One sample of each of the {len(lab.every_prompt())} prompts 'a {{size}} {{colour}} {{shape}}' "
                   f"per row (DDIM, {SCORE_STEPS} steps), read by a shape reader trained on crops of another seed "
                   "(its own accuracy is the last row): the share showing the shape, the colour, the size, and all "
                   "three, asked for. The empty prompt's row is chance: any shape in any colour.")
        st.plotly_chart(labelled_grid(result.gallery[1], lab.GALLERY_ROWS, shapes.SHAPES,
                                      title="Every colour with every shape: one sample of each prompt, w = 2"),
                        key=f"{TRAIN_KEY}.fig.gallery")
    return result


def prompt(result):
    state = ui.page_state(KEY, PageState)
    form, config = ui.tab_form(PROMPT_KEY, lab.PromptConfig, LESSONS, submit_label="Draw", columns=2)
    if config is None:
        return
    unknown = lab.unknown_words(config.prompt)
    if unknown:
        st.warning(f"No caption holds {', '.join(repr(w) for w in unknown)}: each is read as the one 'unknown' word, "
                   "which the DDPM never saw. It knows only the words of its captions.")
    if form.submitted or state.model is not result.model:
        state.samples, state.model = lab.prompt_samples(result.model, config, lab.shape_reader()), result.model
    out = state.samples
    said = ", ".join(f"the {name} asked for in **{share:.0%}**" for name, share in out["obeyed"].items())
    st.markdown(f"**'{out['prompt'] or '∅'}'**, w = {out['guidance']:g}: "
                + (f"the reader sees {said} of the samples." if said else "the prompt names no shape, colour or size."))
    st.plotly_chart(image_grid(out["images"], cols=10, title=f"{len(out['images'])} samples of "
                                                               f"'{out['prompt'] or '∅ (no words)'}'"),
                    key=f"{PROMPT_KEY}.fig.samples")
    st.caption("Try a word no caption names ('purple', 'hexagon'), the empty prompt, or w = 0 against w = 4.")


train_tab, prompt_tab = st.tabs(["Train", "Prompt"])
with train_tab:
    trained = train()
with prompt_tab:
    if trained is None or trained.model is None:
        st.info("Train the text-to-image DDPM in the Train tab: this tab prompts it.", icon=":material/arrow_back:")
    else:
        prompt(trained)
