"""CNN architectures: LeNet-5 to MobileNet side by side on glyphs or digits, their mistakes and what they see."""

import numpy as np
import streamlit as st

from demos import ui
from toolkit.cnn import (
    ARCHITECTURES, UPLOAD_TYPES, Regularizers, TrainingConfig, augmentation_preview, conv_kernels, evaluate,
    feature_maps, image_from_upload, results_table, train_architectures,
)
from toolkit.viz import confusion_matrix, feature_map_grid, filter_grid, image_grid, learning_curves

KEY = "cnn-architectures"
DEFAULT = TrainingConfig()
PARAMS = [
    ui.Param("archs", "multi", (DEFAULT.architecture,), choices=tuple(ARCHITECTURES), label="Architectures",
             help="Several train one after the other from the same seed and batches. Bigger ones take minutes."),
    ui.Param("dataset", "choice", DEFAULT.dataset, choices=("glyphs", "digits"), label="Dataset",
             help="glyphs: MNIST-like 28×28 characters; digits: scikit-learn's 1,797 8×8 digits."),
    ui.Param("n", int, DEFAULT.n, lo=1_000, hi=20_000, step=1_000, widget="number", label="Glyphs (train + test)"),
    ui.Param("epochs", int, DEFAULT.epochs, lo=1, hi=30, widget="number", label="Epochs"),
    ui.Param("batch", "choice", DEFAULT.batch_size, choices=(32, 64, 128, 256), label="Batch size"),
    ui.Param("lr", float, DEFAULT.learning_rate, lo=1e-5, hi=0.1, step=1e-4, label="Learning rate (Adam)"),
    ui.Param("conv", "choice", "keras", choices=("keras", "toolkit"), label="Convolution layers",
             help="keras: keras.layers.Conv2D and pooling; toolkit: the im2col layers written from scratch."),
    ui.Param("seed", int, DEFAULT.seed, lo=0, hi=9999, widget="number", label="Seed"),
    ui.Param("cutout", float, 0.0, lo=0.0, hi=0.8, step=0.05, widget="slider", label="Cutout box (0 = off)",
             help="Side of the box filled with the image's mean pixel, as a fraction of the image side."),
    ui.Param("cutmix", float, 0.0, lo=0.0, hi=2.0, step=0.1, widget="slider", label="CutMix α (0 = off)"),
    ui.Param("dropblock", float, 0.0, lo=0.0, hi=0.5, step=0.05, widget="slider", label="DropBlock rate (0 = off)"),
    ui.Param("block_size", int, 3, lo=1, hi=7, label="DropBlock block size"),
    ui.Param("spatial_dropout", float, 0.0, lo=0.0, hi=0.5, step=0.05, widget="slider",
             label="Spatial dropout rate (0 = off)"),
]

st.title("CNN architectures")
st.markdown(
    "Seven landmark CNNs, each scaled down to glyphs and digits but built from the block that made it famous. "
    "Train one or several from **the same seed and the same batches**, compare their parameters, speed "
    "and accuracy, then look at their mistakes, their feature maps and their learned filters."
)
st.dataframe([a.row() for a in ARCHITECTURES.values()], hide_index=True, width="stretch")
values, submitted = ui.train_form(KEY, PARAMS, submit_label="Train", columns=4)
regularizers = Regularizers(cutout=values["cutout"], cutmix=values["cutmix"], dropblock=values["dropblock"],
                            block_size=values["block_size"], spatial_dropout=values["spatial_dropout"])
source = ("glyphs", {"n": values["n"], "seed": 0}) if values["dataset"] == "glyphs" else ("digits", {"size": 8})


def train(progress):
    data = ui.cached_dataset(source[0], **source[1])
    live = ui.LiveComparison(KEY, metric="val_accuracy")
    runs = train_architectures(values["archs"], data, epochs=values["epochs"], batch_size=values["batch"],
                               learning_rate=values["lr"], regularizers=regularizers, conv=values["conv"],
                               seed=values["seed"], callbacks=[progress, live])
    live.close()
    st.session_state[f"{KEY}.result"] = (runs, source, results_table(runs, data), {})


if regularizers.active:
    with st.expander(f"What the regularizers do to the training images ({', '.join(regularizers.active)})",
                     expanded=True):
        sample = ui.cached_dataset(source[0], **source[1])
        shown = augmentation_preview(sample.x_train[:10], sample.y_train[:10], regularizers, sample.classes,
                                     seed=values["seed"])
        for heading, (images, captions) in shown.items():
            st.plotly_chart(image_grid(images, captions, cols=10, title=heading), key=f"{KEY}.fig.aug.{heading}")
        st.caption("Cutout and CutMix change the input images; DropBlock and spatial dropout act on the feature "
                   "maps after each stage (shown here on the images). All are off at test time.")
ui.training_panel(KEY, submitted, train, metric="val_accuracy")

runs, trained_on, table, evaluations = st.session_state.get(f"{KEY}.result", ({}, None, [], {}))
if runs:
    data = ui.cached_dataset(trained_on[0], **trained_on[1])
    st.header("Results")
    st.dataframe(table, hide_index=True, width="stretch")
    histories = {title: run.history for title, run in runs.items()}
    left, right = st.columns(2)
    left.plotly_chart(learning_curves(histories, "accuracy", title="Accuracy (train dashed, test solid)"),
                      key=f"{KEY}.fig.acc")
    right.plotly_chart(learning_curves(histories, "loss", title="Loss (train dashed, test solid)"),
                       key=f"{KEY}.fig.loss")

    title = st.selectbox("Inspect the trained model", list(runs), key=f"{KEY}.inspect")
    model = runs[title].model
    if title not in evaluations:  # predictions on the test set, once per trained model
        evaluations[title] = evaluate(model, data, limit=40)
    result = evaluations[title]
    left, right = st.columns(2)
    left.plotly_chart(confusion_matrix(data.y_test, result.y_pred, class_names=data.classes,
                                       title=f"{title} on the test set"), key=f"{KEY}.fig.confusion")
    if len(result.wrong):
        right.plotly_chart(image_grid(data.x_test[result.wrong], result.captions, cols=10,
                                      title="Misclassified test images (true → predicted)"), key=f"{KEY}.fig.wrong")
    else:
        right.success("No test image is misclassified.")

    st.subheader("Feature maps and filters")
    choice = st.radio("Input image", ["a test image", "my own image (upload)"], horizontal=True, key=f"{KEY}.source")
    image = None
    if choice == "a test image":
        index = st.number_input("Test image #", 0, len(data.x_test) - 1, 0, key=f"{KEY}.index")
        image = data.x_test[index]
    else:
        upload = st.file_uploader("A dark character on a light background (or the reverse), at most 2 MB",
                                  type=list(UPLOAD_TYPES), key=f"{KEY}.upload")
        if upload is not None:
            try:
                image = image_from_upload(upload.getvalue(), data.input_shape[0], name=f"'{upload.name}'")
            except ValueError as error:
                ui.show_error(error)
    if image is not None:
        maps = feature_maps(model, image)
        probabilities = np.asarray(model(image[None], training=False))[0]
        st.caption(f"{title} predicts **{data.classes[int(probabilities.argmax())]}** "
                   f"with probability {probabilities.max():.2f}.")
        chosen = st.multiselect("Layers", list(maps), default=list(maps)[:4], key=f"{KEY}.layers")
        cells = st.columns([1, 5])
        cells[0].plotly_chart(image_grid(image[None], title="input"), key=f"{KEY}.fig.input")
        if chosen:
            cells[1].plotly_chart(feature_map_grid({name: maps[name] for name in chosen}), key=f"{KEY}.fig.maps")
        kernels = conv_kernels(model)
        layer = st.selectbox("Filters of layer", list(kernels), key=f"{KEY}.filters")
        st.plotly_chart(filter_grid(kernels[layer]), key=f"{KEY}.fig.kernels")
