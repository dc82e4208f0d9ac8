"""LLMs as a universal interface: a frozen language model answers questions about scenes through Frozen's visual
prefix or Flamingo's resampler and gated cross-attention."""

import streamlit as st

from demos import ui
from toolkit.multimodal import interface, language
from toolkit.multimodal import interface_lab as lab
from toolkit.viz import learning_curves
from toolkit.viz.multimodal import gate_curves, reading_curves, scene_row

KEY = "interface"
LESSONS = ui.page_lessons("interface")[KEY]

st.title("LLMs as a universal interface (Frozen, Flamingo)")
st.markdown(
    "The notes: *These models need to handle a multimodal prompt. The idea is to train them on vision-conditioned "
    "language-generation tasks.* The language model here is small and pretrained once on text alone: the shapes' "
    "captions, and questions with their answers, alone or after a caption. It is then **frozen**: *the weights "
    "[...] doesn't change during train or inference.* Two adapters let it see a 64×64 scene. **Frozen** turns the "
    "image into k embeddings placed where a caption stood in its training text, *soft prompts for the LLM*. "
    "**Flamingo** keeps the question alone and inserts, before each frozen block, a *Gated XATTN-DENSE* layer that "
    "reads R visual tokens from a *Perceiver Resampler*; its gates start at 0, so it starts as the blind model. "
    "Both read the same pretrained vision encoder (Flamingo keeps it frozen, Frozen fine-tunes it).")
st.latex(language.LATEX["lm"])
st.latex(interface.LATEX["loss"])
form = ui.settings_form(KEY, ui.settings(lab.InterfaceConfig), columns=4, lessons=LESSONS)
config = ui.config_or_stop(lab.InterfaceConfig, form.values)
lab.warm_up()  # the blind model's scores (the live chart's dashed lines), computed while the student reads


def train(live):
    live.watch(lab.InterfaceMonitor())
    result = lab.run_interface(config, callbacks=live.callbacks, stop=live.stop)
    if result.trained:
        live.finishing(f"the answers to all {len(lab.held_out().questions):,} questions about the "
                       f"{lab.HELD_OUT_SCENES} held-out scenes")
        result.evaluate()
    return result


def draw(frame):
    left, right = st.columns(2)
    histories = frame.histories()
    if histories:
        left.plotly_chart(learning_curves(histories, "loss", title=f"−log p(answer), epoch {frame.epoch} (train "
                                          "dashed, held-out solid)"), key=f"{KEY}.live.loss")
    extras = frame.extras
    if "accuracy" not in extras:
        return
    blind = lab.text_scores()[lab.BLIND]
    right.plotly_chart(reading_curves(extras["accuracy"][extras["name"]], chance=blind,
                                      title=f"{extras['name'].split(' (')[0]}: held-out answers right, by question "
                                            f"(dashed: the blind model), epoch {frame.epoch}"),
                       key=f"{KEY}.live.accuracy")
    titles = [f"{q} {said} {'✓' if said == truth else '✗'}"
              for q, said, truth in zip(extras["questions"], extras["said"], extras["answers"])]
    st.plotly_chart(scene_row(extras["images"] / 255.0, titles, title=f"{extras['name'].split(' (')[0]} answers "
                              f"held-out questions, epoch {frame.epoch}"), key=f"{KEY}.live.scenes")
    if extras["gates"]:
        st.plotly_chart(gate_curves(extras["gates"], title=f"Flamingo's gates tanh α, epoch {frame.epoch} (0: the "
                                    "frozen model alone)"), key=f"{KEY}.live.gates")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss", refresh=1.0, draw_early=True)
result = ui.finished(job)
if result is not None and result.trained:
    st.subheader("Answers to held-out questions")
    ui.table(result.table())
    st.caption(f"Share of the {len(lab.held_out().questions):,} questions about {lab.HELD_OUT_SCENES} held-out "
               "scenes answered right, the answer being the frozen model's most probable next word. The first row "
               "is the language model with no image (its prior); the last reads the scene's caption in words, what "
               "a perfect visual prefix could stand for.")
    st.subheader("Ask about one held-out scene")
    trained = {name: run.model for name, run in result.runs.items() if run.epochs_done}
    left, right = st.columns([1, 2])
    scene = right.number_input("Held-out scene", 1, lab.HELD_OUT_SCENES, 1, key=f"{KEY}.scene")
    image, pairs = lab.held_out_scene(scene - 1)
    question = right.selectbox("Question", [q for q, _ in pairs], key=f"{KEY}.question")
    typed = right.text_input("…or type one (the words of the scene questions)", "", max_chars=lab.QUESTION_CHARACTERS,
                             key=f"{KEY}.typed")
    left.plotly_chart(scene_row(image[None] / 255.0, [f"held-out scene {scene}"], title="The scene asked about",
                                panel=260), key=f"{KEY}.fig.scene")
    try:
        question = lab.check_question(typed) if typed.strip() else question
    except ValueError as error:
        right.error(str(error))
    else:
        with right:
            ui.table(lab.answers_to(trained, image, question, dict(pairs).get(question)))
