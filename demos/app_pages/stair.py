"""Sparse vocabulary embeddings (STAIR): one dimension per word, so an embedding can be read."""

import streamlit as st

from demos import ui
from toolkit.data import shapes
from toolkit.multimodal import stair
from toolkit.multimodal.clip import caption_vocabulary
from toolkit.viz import learning_curves
from toolkit.viz.multimodal import reading_curves, retrieved_scenes, word_weights

KEY = "stair"
LESSONS = ui.page_lessons("stair")[KEY]

st.title("Sparse vocabulary embeddings (STAIR)")
st.markdown(
    "The notes: *To improve interpretability, was introduced STAIR that creates a sparse, semantic representation "
    "of images and text. For each image or text, STAIR constructs an embedding space in which each dimension of the "
    "vector corresponds to a vocabulary word. Each token in the dictionary is associated with a non-negative scalar "
    "value [...] TOKEN PROJECTION HEAD.* CLIP's two encoders, but instead of one abstract vector per side, a head "
    f"scores every word of the vocabulary ({len(caption_vocabulary())} words) from every patch of the image and "
    "from every word of the caption, and each word keeps its best score. The FLOPs regularizer sets the words an "
    "embedding does not need to exactly 0, and STAIR's grounding lets a caption use only its own words, so the "
    "image must light up the words of its caption. Then the embedding can be read: the heaviest shape word of a "
    "crop's w(x) is its shape, with no prompt and no classifier. The crops and captions are the CoCa page's: "
    "\"a [size] [colour] shape\".")
st.latex(stair.LATEX["head"])
st.latex(stair.LATEX["loss"])
form = ui.settings_form(KEY, ui.settings(stair.StairConfig), columns=4, lessons=LESSONS)
config = ui.config_or_stop(stair.StairConfig, form.values)


def train(live):
    live.watch(stair.StairMonitor())
    return stair.run_stair(config, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    left, right = st.columns(2)
    histories = frame.histories()
    if histories:
        left.plotly_chart(learning_curves(histories, "loss", title=f"Contrastive loss + λ·FLOPs, epoch {frame.epoch} "
                                          "(train dashed, held-out solid)"), key=f"{KEY}.live.loss")
        right.plotly_chart(learning_curves(histories, "zeros", title=f"Share of the images' weights that are exactly "
                                           f"0, epoch {frame.epoch}"), key=f"{KEY}.live.zeros")
    extras = frame.extras
    if "weights" not in extras:
        return
    left, right = st.columns([2, 1])
    left.plotly_chart(word_weights(extras["weights"], extras["images"], extras["words"],
                                   title=f"Weights w_k(x) of 8 held-out crops, epoch {frame.epoch} (blank: exactly 0)"),
                      key=f"{KEY}.live.words")
    right.plotly_chart(reading_curves(extras["reading"], chance={"shape": 1 / len(shapes.SHAPES),
                                                                 "colour": 1 / len(shapes.COLOUR_NAMES),
                                                                 "size": 1 / len(shapes.SIZES)},
                                      title=f"Shape, colour and size read off w(x) (the heaviest such word; dashed: "
                                            f"chance), epoch {frame.epoch}"), key=f"{KEY}.live.reading")
    right.dataframe([{"crop": i + 1, "its caption": caption} for i, caption in enumerate(extras["captions"])],
                    hide_index=True, key=f"{KEY}.live.captions")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss", refresh=1.0, draw_early=True)
result = ui.finished(job)
if result is not None and result.run.epochs_done:
    st.subheader("Reading the embeddings of held-out crops")
    ui.table(result.table())
    st.caption(f"On {len(result.held_out[1]):,} held-out crops and their captions. Read off w(x): the crop's "
               "heaviest shape (colour, size) word is its shape (colour, size), no prompt; chance 1/6, 1/6, 1/3. "
               "Zero-shot: the prompt \"a {shape}\" nearest by the cosine of w(x) and w(t), CLIP's way. A word whose "
               "weight dies early (a ReLU at 0 passes no gradient) does not come back: at the defaults 'diamond' and "
               "'green' are such words, which is why shape and colour stop near 5/6. The lessons untick the "
               "grounding (the loss falls as far, the words mean nothing) and raise λ until every word is 0.")
    ui.table(result.crop_words())
    query = st.text_input("A caption: its words w(t), and the held-out crops nearest to it", "a red circle",
                          max_chars=stair.QUERY_LENGTH, key=f"{KEY}.query")
    if query.strip():
        images, scores, words = result.search(query)
        st.markdown(f"**w(t)** of “{query}”: {stair.describe(words[None], result.model.vocabulary, 8)[0]}")
        st.plotly_chart(retrieved_scenes(images, scores, query=query,
                                         title=f"Held-out crops nearest to “{query}” (cosine of w(x) and w(t))"),
                        key=f"{KEY}.fig.search")
