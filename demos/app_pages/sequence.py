"""Sequence models: captioning (Show and Tell, Show, Attend and Tell) and translation (seq2seq, attention)."""

import streamlit as st

from demos import ui
from toolkit.sequence import captioning, seq2seq
from toolkit.sequence.bleu import FORMULA as BLEU_FORMULA
from toolkit.viz.captioning import attention_grid, caption_gallery
from toolkit.viz.translation import accuracy_by_length, attention_matrix

KEY = "sequence"
CAPTION_KEY, TRANSLATION_KEY = f"{KEY}.captioning", f"{KEY}.translation"
LESSONS = ui.page_lessons("sequence")
GALLERY = 4
LENGTH_LESSON = {  # what the accuracy-vs-length figure shows, per task
    "dates": "A date holds about 15 bits however it is written, so a fixed context vector holds a long date as "
             "easily as a short one: the plain model's exact match does not fall with the length here. Open the "
             "lesson “The fixed context vector is a bottleneck” to see it forget long sources.",
    "reversal": "L random digits hold 3.3·L bits, all of which the fixed context vector must carry: the plain "
                "encoder-decoder forgets long strings. Attention reads the one digit it writes at each step "
                "(the anti-diagonal of its matrix below), whatever the length.",
}


st.title("Sequence models")
st.markdown(
    "A decoder writes a sequence one token at a time, each from the tokens before it and from what it reads: "
    "an **image** (captioning: a CNN's features) or a **sentence** (translation: an encoder's states). "
    "Without attention the decoder gets one fixed vector; **with attention** it looks back at every "
    "location or source character at every step, c_t = Σ_j a_tj h_j. At inference it writes greedily, "
    "by **sampling**, or by **beam search**; **BLEU** scores what it wrote against references."
)
caption_tab, translation_tab = st.tabs(["Captioning", "Translation"])

with caption_tab:
    form = ui.settings_form(CAPTION_KEY, ui.settings(captioning.CaptionConfig), columns=4,
                            elsewhere=LESSONS[TRANSLATION_KEY])
    config = ui.config_or_stop(captioning.CaptionConfig, form.values)
    job = ui.live_panel(CAPTION_KEY, start=form.submitted, metric="loss",
                        train=lambda live: captioning.run_captioning(config, callbacks=live.callbacks, stop=live.stop),
                        draw=ui.curves(CAPTION_KEY, "loss", "Cross-entropy per word"))
    result = ui.finished(job)
    if result is not None and result.models:
        st.header("Captions of held-out scenes")
        decoding = ui.config_or_stop(captioning.DecodingConfig, {
            spec.name: ui.param_widget(spec, spec.default, key=f"{CAPTION_KEY}.{spec.name}")
            for spec in ui.settings(captioning.DecodingConfig)})
        ui.table(result.table(width=decoding.width, temperature=decoding.temperature))
        st.latex(BLEU_FORMULA)
        st.caption("Corpus BLEU-4 of the 200 held-out scenes against all of each scene's phrasings (3 per scene). "
                   "Beam search keeps the K likeliest prefixes; sampling draws each word.")
        for label in result.models:
            distinct = len(set(result.captions(label, "greedy")))
            if not result.attends(label) and distinct <= 5:
                st.caption(f"**{label}** saw each image once, at t = −1, and in this budget learned the captions' "
                           f"language but not to read the image: {distinct} different greedy caption(s) for 200 "
                           "scenes. The attention models read the CNN's grid again at every word.")
        shown = result.gallery(GALLERY, decoding)
        st.plotly_chart(caption_gallery(shown["images"], shown["captions"], shown["references"],
                                        title=f"Beam captions (K = {decoding.width}), references below"),
                        key=f"{CAPTION_KEY}.fig.gallery")
        attending = [label for label in result.models if result.attends(label)]
        if attending:
            st.subheader("Where the decoder looks, word by word")
            st.latex(r"z_t = \sum_i \alpha_{t,i}\, a_i,\qquad \alpha_t = \mathrm{softmax}_i\, "
                     r"f_{att}(a_i, h_{t-1})")
            label = st.selectbox("Attention of", attending, key=f"{CAPTION_KEY}.attention_of")
            index = st.slider("Held-out scene", 0, GALLERY - 1, 0, key=f"{CAPTION_KEY}.scene")
            words, maps = result.attention(label, index)
            grid = f"{maps.shape[1]} × {maps.shape[2]}"
            st.plotly_chart(attention_grid(shown["images"][index], words, maps,
                                           title=f"{label}: α_t over the {grid} grid as it writes each word"),
                            key=f"{CAPTION_KEY}.fig.attention")

with translation_tab:
    form = ui.settings_form(TRANSLATION_KEY, ui.settings(seq2seq.TranslationConfig), columns=4,
                            lessons=LESSONS[TRANSLATION_KEY], submit_label="Train translators")
    config = ui.config_or_stop(seq2seq.TranslationConfig, form.values)
    data = ui.cached_dataset(**seq2seq.data_spec(config)) if form.submitted else None
    job = ui.live_panel(TRANSLATION_KEY, start=form.submitted, metric="loss",
                        train=lambda live: seq2seq.run_translation(config, data, callbacks=live.callbacks,
                                                                   stop=live.stop),
                        draw=ui.curves(TRANSLATION_KEY, "val_accuracy", "Held-out characters right (teacher forced)"))
    result = ui.finished(job)
    if result is not None and result.translations:
        st.header("Greedy translations of the held-out sources")
        ui.table(result.table())
        st.plotly_chart(accuracy_by_length(result.by_length()), key=f"{TRANSLATION_KEY}.fig.length")
        st.caption(LENGTH_LESSON[result.data.name])
        st.subheader("Translate your own")
        text = st.text_input("Source", result.example(), max_chars=seq2seq.MAX_TYPED, key=f"{TRANSLATION_KEY}.text")
        reading = ui.config_or_stop(result.read, {"text": text})
        ui.table(reading.rows())
        for label, weights in reading.weights.items():
            st.plotly_chart(attention_matrix(weights, reading.source, reading.outputs[label],
                                             title=f"{label}: a_tj, where output character t looked"),
                            key=f"{TRANSLATION_KEY}.fig.attention.{label}")
