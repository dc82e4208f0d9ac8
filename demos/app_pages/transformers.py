"""Transformers: self-attention and the transformer against RNNs, the TCN's receptive field, ViT and Swin."""

import functools

import streamlit as st

from demos import ui
from toolkit.sequence import seq2seq
from toolkit.transformers import lab
from toolkit.viz.transformers import (attention_heads, attention_steps, class_token_maps, input_influence, patch_grid,
                                      positional_encoding, swin_windows)

KEY = "transformers"
TRANSLATION_KEY, TCN_KEY, VISION_KEY = f"{KEY}.translation", f"{KEY}.tcn", f"{KEY}.vision"
LESSONS = ui.page_lessons("transformers")
TYPED_DATE = "saturday 5 december 2026"


def form_of(key, config_class, **options):
    return ui.tab_form(key, config_class, LESSONS, **options)


def trained(key, form, spec, run, metric, what):
    """The tab's live panel: `run(data, callbacks=…, stop=…)` on `spec`'s dataset; its result once ended."""
    data = ui.cached_dataset(**spec) if form.submitted else None
    job = ui.live_panel(key, start=form.submitted, metric="loss", draw=ui.curves(key, metric, what),
                        train=lambda live: run(data, callbacks=live.callbacks, stop=live.stop))
    return ui.finished(job)


st.title("Transformers")
st.markdown(
    "An RNN reads a sequence one step after the other. **Convolutions** compute every step at once; dilated and "
    "causal, they see far back without looking ahead (the **TCN**). **Self-attention** lets every token look at "
    "every other in one step, Attention(Q, K, V) = softmax(QKᵀ/√d_k) V, and the **transformer** is built of "
    "nothing else (plus feed-forward layers, residuals and layer norm). **ViT** cuts an image into patches and "
    "reads them as tokens; **Swin** attends within windows that shift from one block to the next."
)


def translation():
    form, config = form_of(TRANSLATION_KEY, lab.TranslationConfig)
    if config is None:
        return
    st.latex(r"PE_{(pos, 2i)} = \sin(pos / 10000^{2i/d_{model}}),\quad PE_{(pos, 2i+1)} = "
             r"\cos(pos / 10000^{2i/d_{model}})")
    table = lab.encoding_table(config)
    st.plotly_chart(positional_encoding(table, title=f"Positional encoding of the {len(table)} source positions, "
                                                     f"d_model = {config.dim}"), key=f"{TRANSLATION_KEY}.fig.pe")
    result = trained(TRANSLATION_KEY, form, seq2seq.data_spec(config), functools.partial(lab.run_translation, config),
                     "val_accuracy", "Held-out characters right (teacher forced)")
    if result is None or not result.translations:
        return
    st.header("Greedy translations of the held-out sources")
    ui.table(result.table())
    st.caption("Training (s): the same batches for every model. The transformer computes all positions of a "
               "sentence in one pass; the LSTMs step through the characters one by one.")
    if lab.MODEL_TITLES["transformer"] in result.translations:
        inside(result, result.config.heads)


def inside(result, heads):
    st.subheader("Inside the trained transformer")
    text = st.text_input("Source", TYPED_DATE if result.data.name == "dates" else result.example(),
                         max_chars=seq2seq.MAX_TYPED, key=f"{TRANSLATION_KEY}.text")
    view = ui.config_or_none(lambda text: lab.inside(result, text), {"text": text})
    if view is None:
        return
    st.markdown(f"**{''.join(view.source)}** → **{''.join(view.output)}**")
    st.latex(r"Q = XW^Q,\ K = XW^K,\ V = XW^V,\quad A = \mathrm{softmax}\!\left(\frac{QK^\top}"
             r"{\sqrt{d_k}}\right),\quad Z = AV")
    head = st.slider("Head", 1, heads, 1, key=f"{TRANSLATION_KEY}.head") - 1 if heads > 1 else 0
    st.plotly_chart(attention_steps(view.steps, view.source, head,
                                    title=f"Self-attention step by step, first encoder block, head {head + 1}"),
                    key=f"{TRANSLATION_KEY}.fig.steps")
    st.plotly_chart(attention_heads(view.encoder, view.source,
                                    title="Every head of the last encoder block: where each character looks"),
                    key=f"{TRANSLATION_KEY}.fig.heads")
    st.plotly_chart(attention_heads(view.cross, view.output, view.source,
                                    title="Cross-attention of the last decoder block: output character (rows) "
                                          "over the source"), key=f"{TRANSLATION_KEY}.fig.cross")


def temporal_convolutions():
    form, config = form_of(TCN_KEY, lab.TCNConfig, submit_label="Train networks")
    if config is None:
        return
    fields = {label: config.receptive_field(name) for label, name in config.variants().items()}
    st.latex(r"R = 1 + 2(k-1)\sum_{l=1}^{L} d_l")
    st.markdown(" · ".join(f"**{label}**: R = {field}" + (" ≥ T" if field >= config.tcn_length else " < T")
                           for label, field in fields.items() if field is not None) + f" (T = {config.tcn_length})")
    result = trained(TCN_KEY, form, lab.tcn_data_spec(config), functools.partial(lab.run_tcn, config), "loss",
                     "Mean squared error")
    if result is None or not result.runs:
        return
    st.header("Results on held-out sequences")
    ui.table(result.table())
    st.caption("Guessing 1 (the mean sum) gives MSE 0.167; |ŷ − y| < 0.04 counts as right.")
    for label, name in result.config.variants().items():
        if label in result.runs and result.runs[label].epochs_done:
            field = result.config.receptive_field(name) or result.config.tcn_length
            st.plotly_chart(input_influence(result.influence(label), field,
                                            title=f"{label}: which inputs reach the answer ŷ_T, |∂ŷ_T/∂x_s|"),
                            key=f"{TCN_KEY}.fig.influence.{name}")


def vision():
    form, config = form_of(VISION_KEY, lab.VisionConfig, submit_label="Train vision models")
    if config is None:
        return
    sample = lab.sample_glyph()
    left, right = st.columns([2, 3])
    left.plotly_chart(patch_grid(sample, config.vision_patch, title=f"ViT's {config.vision_patch} × "
                                 f"{config.vision_patch} patches, read as tokens"), key=f"{VISION_KEY}.fig.patches")
    right.markdown(f"ViT reads the {(28 // config.vision_patch) ** 2} patches and a class token as a sentence; each "
                   "token attends to all from the first block. A CNN's 3 × 3 kernels see neighbours only and share "
                   "their weights across the image: a prior ViT must learn from the data.")
    right.latex(lab.VISION_FORMULAS["vit"])
    regular, shifted = lab.swin_partitions(sample.shape, config.vision_window)
    st.plotly_chart(swin_windows(sample, regular, shifted, title=f"Swin's windows of {config.vision_window} × "
                                 f"{config.vision_window} patches (2 × 2 pixels each), then shifted"),
                    key=f"{VISION_KEY}.fig.windows")
    result = trained(VISION_KEY, form, lab.vision_data_spec(config), functools.partial(lab.run_vision, config),
                     "val_accuracy", "Held-out accuracy")
    if result is None or not result.runs:
        return
    st.header("Held-out accuracy at the same budget")
    ui.table(lab.vision_table(result))
    vit = lab.VISION_TITLES["vit"]
    if vit in result.runs and result.runs[vit].epochs_done:
        images, maps, captions = lab.class_token_views(result)
        st.plotly_chart(class_token_maps(images, maps, captions, title="Where ViT's class token looks in its "
                                                                       "last block (mean of the heads)"),
                        key=f"{VISION_KEY}.fig.attention")
        st.caption("Amber: the patches the class token attends to most, each map stretched from its least to its "
                   "most attended patch. Trained on little data, ViT's class token often spreads its attention over "
                   "the background rather than the strokes.")


for tab, body in zip(st.tabs(["Attention & translation", "Temporal convolutions", "ViT & Swin"]),
                     (translation, temporal_convolutions, vision)):
    with tab:
        body()
