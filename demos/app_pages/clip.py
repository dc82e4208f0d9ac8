"""CLIP: contrastive image-text training, zero-shot, K-LITE's knowledge, retrieval, CoOp and CoCoOp."""

import streamlit as st

from demos import ui
from toolkit.data import shapes
from toolkit.multimodal import knowledge, lab
from toolkit.viz import learning_curves
from toolkit.viz.metrics import confusion_matrix
from toolkit.viz.multimodal import base_novel_bars, retrieved_scenes, similarity_matrix, zero_shot_curve

KEY = "clip"
TRAIN_KEY, PROMPT_KEY = f"{KEY}.train", f"{KEY}.prompts"
LESSONS = ui.page_lessons("clip")
QUERY = "a red circle and a blue star"

st.title("CLIP and prompt learning")
st.markdown(
    "**CLIP** trains an image encoder and a text encoder together: in a batch of B scenes and their B captions, "
    "each image must pick its own caption and each caption its image. Afterwards a prompt such as *a circle* "
    "classifies images it was never labelled for (**zero-shot**), and a caption finds its scenes (**retrieval**). "
    "**CoOp** learns the prompt's words from a few labelled images; **CoCoOp** makes them depend on the image.")


def train_clip():
    form, config = ui.tab_form(TRAIN_KEY, lab.ClipConfig, LESSONS)
    if config is None:
        return None
    data = ui.cached_dataset(**lab.clip_data_spec(config)) if form.submitted else None

    def train(live):
        live.watch(monitor := lab.ClipMonitor())
        return lab.run_clip(config, data, callbacks=live.callbacks, stop=live.stop, monitor=monitor)

    # a frame a second: the similarity matrix with its images is the heaviest live figure of the app, and
    # drawing it three times a second took a third of the 2 cores from training (measured in Chromium)
    job = ui.live_panel(TRAIN_KEY, start=form.submitted, train=train, draw=draw_clip, metric="loss", refresh=1.0)
    result = ui.finished(job)
    if result is not None and result.run.epochs_done:
        st.header("The trained CLIP on held-out scenes")
        ui.table(result.table())
        st.caption(result.table_note())
    return result


def draw_clip(frame):
    left, right = st.columns(2)
    left.plotly_chart(learning_curves(frame.histories(), "loss", title=f"Contrastive loss, epoch {frame.epoch} "
                                      "(train dashed, held-out solid)"), key=f"{TRAIN_KEY}.live.loss")
    extras = frame.extras
    if "zero_shot" in extras:
        right.plotly_chart(zero_shot_curve(extras["zero_shot"], chance=1 / len(shapes.SHAPES),
                                           title=f"Zero-shot accuracy, prompt '{lab.HAND_PROMPT}', epoch "
                                                 f"{frame.epoch}"), key=f"{TRAIN_KEY}.live.zero_shot")
        s = extras["scale"]
        title = f"Similarity S = e^s u·v of 8 held-out pairs, epoch {frame.epoch}: e^s = {s:.1f} (τ = {1 / s:.3f})"
        st.plotly_chart(similarity_matrix(extras["similarity"], extras["images"], extras["captions"], title=title),
                        key=f"{TRAIN_KEY}.live.similarity")


def zero_shot(result):
    st.latex(r"w_c = \mathrm{normalize}\Big(\tfrac{1}{K}\sum_{k=1}^{K} v(\text{template}_k(c))\Big),\qquad"
             r"\hat y(x) = \arg\max_c\ u(x)^\top w_c")
    text = st.text_area("Prompt templates, one per line ({} is where the shape's name goes)",
                        "\n".join(lab.TEMPLATES), max_chars=lab.MAX_TEMPLATES * (lab.TEMPLATE_LENGTH + 1),
                        key=f"{KEY}.templates", height=170)
    ensemble = st.toggle("Prompt ensembling: average the templates' text embeddings (K > 1)", True,
                         key=f"{KEY}.ensemble")
    templates = ui.config_or_none(lab.parse_templates, {"text": text})
    if templates is None:
        return
    if unknown := lab.unknown_words(result.model, templates):
        st.warning(f"The text encoder never read {', '.join(repr(w) for w in unknown)}: each becomes the one "
                   "'unknown' token. CLIP knows only the words of its captions.")
    rows = [{"prompt": t, "accuracy": round(result.zero_shot([t])[0], 3)} for t in templates]
    chosen = templates if ensemble else templates[:1]
    accuracy, predicted, _ = result.zero_shot(chosen)
    if ensemble and len(templates) > 1:
        rows.append({"prompt": f"ensemble of the {len(templates)}", "accuracy": round(accuracy, 3)})
    ui.table(rows)
    which = f"the ensemble of {len(chosen)}" if len(chosen) > 1 else repr(chosen[0])
    st.plotly_chart(confusion_matrix(result.probe[1], predicted, shapes.SHAPES,
                                     title=f"Zero-shot on {len(predicted)} single shapes, {which}"),
                    key=f"{KEY}.fig.confusion")


def external_knowledge(result):
    st.markdown(knowledge.INTRO)
    st.latex(knowledge.LATEX)
    concepts = st.multiselect("Concepts to tell apart (none of them a word CLIP read)", list(knowledge.GLOSSARY),
                              list(knowledge.GLOSSARY), key=f"{KEY}.concepts")
    if len(concepts) < 2:
        return st.warning("Choose at least two concepts: zero-shot picks one of them for every shape.")
    ui.table(knowledge.gloss_rows(concepts))
    rows, (labels, predicted) = knowledge.compare(result.model, concepts)
    ui.table(rows)
    st.plotly_chart(confusion_matrix(labels, predicted, concepts, title=f"Zero-shot with knowledge on {len(labels)} "
                                     "single shapes"), key=f"{KEY}.fig.knowledge")
    st.caption(knowledge.NOTE)


def retrieval(result):
    st.latex(r"\text{recall@}k = \frac{1}{N}\sum_{i=1}^{N} \big[\mathrm{rank}_i(\text{own pair}) \le k\big]")
    query = st.text_input("Caption to search for", QUERY, max_chars=lab.QUERY_LENGTH, key=f"{KEY}.query")
    if not query.strip():
        return st.info("Type a caption, e.g. 'a large green square'.")
    if unknown := lab.unknown_words(result.model, [query]):
        st.warning(f"Not in CLIP's vocabulary, read as 'unknown': {', '.join(repr(w) for w in unknown)}.")
    images, scores, _ = result.search(query)
    st.plotly_chart(retrieved_scenes(images, scores, query=query), key=f"{KEY}.fig.retrieved")
    recalls = result.recalls()
    ui.table([{"direction": way, **{f"R@{k}": round(value, 3) for k, value in by_k.items()}}
              for way, by_k in recalls.items()])
    st.caption(f"Over the {len(result.captions)} held-out scenes and their captions; chance R@1 is "
               f"{1 / len(result.captions):.3f}. Captions of two shapes in the same colours and sizes read alike.")


def prompt_learning(result):
    form, config = ui.tab_form(PROMPT_KEY, lab.PromptConfig, LESSONS, submit_label="Learn the prompts")
    if config is None:
        return
    st.latex(r"t_c = [v_1, \dots, v_M, e(c)],\quad w_c = \mathrm{normalize}(W_T\, g(t_c)),\quad "
             r"p(y{=}c \mid x) = \frac{\exp(e^s u^\top w_c)}{\sum_{c'} \exp(e^s u^\top w_{c'})}")
    st.latex(r"\text{CoCoOp: } v_m(x) = v_m + \pi(x),\quad \pi(x) = W_2\,\mathrm{ReLU}(W_1 u(x)),\qquad "
             r"H = \frac{2\,\text{base}\cdot\text{novel}}{\text{base}+\text{novel}}")
    st.markdown(f"Base: **{', '.join(config.prompt_base)}** ({config.prompt_shots} images each). "
                f"Novel, never shown: **{', '.join(config.novel)}**.")
    job = ui.live_panel(PROMPT_KEY, start=form.submitted, metric="loss",
                        draw=ui.curves(PROMPT_KEY, "accuracy", "Accuracy on the base classes"),
                        train=lambda live: lab.run_prompts(config, result, callbacks=live.callbacks, stop=live.stop))
    prompts = ui.finished(job)
    if prompts is None:
        return
    ui.table(prompts.table())
    st.plotly_chart(base_novel_bars(prompts.table()), key=f"{PROMPT_KEY}.fig.bars")
    st.caption(lab.PROMPT_NOTE)


trained_clip = None
TABS = {"Train CLIP": train_clip, "Zero-shot": zero_shot, "Knowledge (K-LITE)": external_knowledge,
        "Retrieval": retrieval, "CoOp & CoCoOp": prompt_learning}
for index, (tab, body) in enumerate(zip(st.tabs(list(TABS)), TABS.values())):
    with tab:
        if index == 0:
            trained_clip = body()
        elif trained_clip is None:
            st.info("Train CLIP in the first tab: this tab uses the trained model.", icon=":material/arrow_back:")
        else:
            body(trained_clip)
