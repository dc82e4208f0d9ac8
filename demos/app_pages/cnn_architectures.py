"""CNN architectures: LeNet-5 to MobileNet side by side on glyphs or digits, their mistakes and what they see."""

import numpy as np
import streamlit as st

from demos import ui
from toolkit.cnn import (
    ARCHITECTURES, MAX_MODEL_MB, MODEL_TYPES, UPLOAD_TYPES, TrainingConfig, augmentation_preview, conv_kernels,
    evaluate, feature_maps, image_from_upload, model_from_upload, run_architectures,
)
from toolkit.viz import confusion_matrix, feature_map_grid, filter_grid, image_grid, learning_curves

KEY = "cnn-architectures"
OWN_MODEL = "your own model (.keras upload)"
FORM = ("archs", "dataset", "n", "epochs", "batch", "lr", "conv", "seed",
        "cutout", "spatial_dropout", "dropblock", "block_size", "cutmix")

st.title("CNN architectures")
st.markdown(
    "Seven landmark CNNs, each scaled down to glyphs and digits but built from the block that made it famous. "
    "Train one or several from **the same seed and the same batches**, compare their parameters, speed "
    "and accuracy, then look at their mistakes, their feature maps and their learned filters."
)
ui.table([a.row() for a in ARCHITECTURES.values()])
st.caption("Under each regularizer's slider: what it does to an image or a feature map (M is the box or block "
           "mask, 1 inside; x̄ the image's mean pixel).")
form = ui.settings_form(KEY, ui.settings(TrainingConfig, *FORM), columns=4)
config = ui.config_or_stop(TrainingConfig, form.values)
source_name, source_args = config.source()
if form.submitted:
    data = ui.cached_dataset(source_name, **source_args)


def own_model(test):
    """A student's .keras classifier of this dataset, loaded as an untrusted file (``model_from_upload``)."""
    shape = "×".join(map(str, test.input_shape))
    upload = st.file_uploader(f"A classifier of {shape} images into {len(test.classes)} classes, saved with "
                              f"model.save('name.keras'), at most {MAX_MODEL_MB} MB (Keras and toolkit layers only)",
                              type=list(MODEL_TYPES), key=f"{KEY}.model_upload")
    if upload is None:
        st.stop()
    try:
        return model_from_upload(upload.getvalue(), test.input_shape, len(test.classes), name=f"'{upload.name}'")
    except ValueError as error:
        ui.show_error(error)
        st.stop()


def train(live):
    return run_architectures(config, data, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    st.plotly_chart(learning_curves(frame.histories(), "accuracy", title=f"Accuracy, epoch {frame.epoch} "
                                    "(train dashed, test solid)"), key=f"{KEY}.live")


if config.active:
    with st.expander(f"What the regularizers do to the training images ({', '.join(config.active)})",
                     expanded=True):
        sample = ui.cached_dataset(source_name, **source_args)
        shown = augmentation_preview(sample.x_train[:10], sample.y_train[:10], config.regularizers(), sample.classes,
                                     seed=config.seed)
        for heading, (images, captions) in shown.items():
            st.plotly_chart(image_grid(images, captions, cols=10, title=heading), key=f"{KEY}.fig.aug.{heading}")
        st.caption("Cutout and CutMix change the input images; DropBlock and spatial dropout act on the feature "
                   "maps after each stage (shown here on the images). All are off at test time.")
job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss")
result = job.result if job is not None and not job.running else None
if result is not None and result.runs:
    runs, test = result.runs, result.data
    st.header("Results")
    ui.table(result.table)
    st.plotly_chart(learning_curves({name: run.history for name, run in runs.items()}, "loss",
                                    title="Loss (train dashed, test solid)"), key=f"{KEY}.fig.loss")
    title = st.selectbox("Inspect the trained model", [*runs, OWN_MODEL], key=f"{KEY}.inspect")
    if title == OWN_MODEL:
        model, title = own_model(test), "your model"
        evaluation = evaluate(model, test)
    else:
        model, evaluation = runs[title].model, result.evaluation(title)
    left, right = st.columns(2)
    left.plotly_chart(confusion_matrix(test.y_test, evaluation.y_pred, class_names=test.classes,
                                       title=f"{title} on the test set"), key=f"{KEY}.fig.confusion")
    if len(evaluation.wrong):
        right.plotly_chart(image_grid(test.x_test[evaluation.wrong], evaluation.captions, cols=10,
                                      title="Misclassified test images (true → predicted)"), key=f"{KEY}.fig.wrong")
    else:
        right.success("No test image is misclassified.")

    st.subheader("Feature maps and filters")
    choice = st.radio("Input image", ["a test image", "my own image (upload)"], horizontal=True, key=f"{KEY}.source")
    image = None
    if choice == "a test image":
        index = st.number_input("Test image #", 0, len(test.x_test) - 1, 0, key=f"{KEY}.index")
        image = test.x_test[index]
    else:
        upload = st.file_uploader("A dark character on a light background (or the reverse), at most 2 MB",
                                  type=list(UPLOAD_TYPES), key=f"{KEY}.upload")
        if upload is not None:
            try:
                image = image_from_upload(upload.getvalue(), test.input_shape[0], name=f"'{upload.name}'")
            except ValueError as error:
                ui.show_error(error)
    if image is not None:
        maps = feature_maps(model, image)
        probabilities = np.asarray(model(image[None], training=False))[0]
        st.caption(f"{title} predicts **{test.classes[int(probabilities.argmax())]}** "
                   f"with probability {probabilities.max():.2f}.")
        # keyed by the model: a new model starts from its own first layers, not the last model's choice
        chosen = st.multiselect("Layers", list(maps), default=list(maps)[:4], key=f"{KEY}.layers.{title}")
        cells = st.columns([1, 5])
        cells[0].plotly_chart(image_grid(image[None], title="input"), key=f"{KEY}.fig.input")
        if chosen:
            cells[1].plotly_chart(feature_map_grid({name: maps[name] for name in chosen}), key=f"{KEY}.fig.maps")
        kernels = conv_kernels(model)
        layer = st.selectbox("Filters of layer", list(kernels), key=f"{KEY}.filters") if kernels else None
        if layer is not None:
            st.plotly_chart(filter_grid(kernels[layer]), key=f"{KEY}.fig.kernels")
