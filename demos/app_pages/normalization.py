"""Normalization: covariate shift, batch norm at a high learning rate, its two modes, its axes, contrast."""

import streamlit as st

from demos import ui
from toolkit.optim import (
    NORMALIZATION_DATASET, NormalizationConfig, batchnorm_modes, run_covariate_shift,
    run_high_learning_rate, saturation_intervals, shared_statistics,
)
from toolkit.optim import contrast
from toolkit.optim.norm_statistics import axes_table
from toolkit.viz import (
    labelled_grid, learning_curves, mode_outputs, moving_statistics, normalization_cubes, preactivation_histograms,
)

KEY = "normalization"
HIGH_KEY = f"{KEY}_high"


def settings_form(key, *names):
    """A settings form of `names`; (its config or None after an error, whether it was submitted)."""
    form = ui.settings_form(key, ui.settings(NormalizationConfig, *names), columns=3)
    try:
        return NormalizationConfig(**form.values), form.submitted
    except ValueError as error:
        ui.show_error(error)
        return None, False


def live_settings(*names) -> NormalizationConfig:
    """Widgets that redraw their figures at once (no training, so no form)."""
    values = {}
    for cell, spec in zip(st.columns(len(names)), ui.settings(NormalizationConfig, *names)):
        with cell:
            values[spec.name] = ui.param_widget(spec, spec.default, key=f"{KEY}.{spec.name}")
    return NormalizationConfig(**values)


def training(key, config, submitted, run):
    """The live panel of one training tab: `run(config, digits, ...)` in the background."""
    data = ui.cached_dataset(NORMALIZATION_DATASET) if submitted else None

    def train(live):
        return run(config, data, callbacks=live.callbacks, stop=live.stop)

    def draw(frame):
        st.plotly_chart(learning_curves(frame.histories(), "val_accuracy",
                                        title=f"Test accuracy, epoch {frame.epoch}"), key=f"{key}.live")

    job = ui.live_panel(key, start=submitted, train=train, draw=draw, metric="loss")
    result = job.result if job is not None and not job.running else None
    if result is not None:
        histories = {label: run.history for label, run in result.runs.items()}
        st.plotly_chart(learning_curves(histories, "loss", title="Loss (train dashed, test solid)"),
                        key=f"{key}.fig.loss")
        st.caption("BatchNorm's test curves lag behind its training curves at first: at test time it "
                   "uses moving averages (momentum 0.99) that take a few hundred steps to settle "
                   "(see Training vs inference).")
    return result


st.title("Normalization")
st.markdown(
    "Batch normalization standardizes each layer's pre-activation, H′ = (H − μ) / σ, then lets "
    "the network rescale it, γH′ + β. Below: what it does to the pre-activations during training "
    "(the notes' covariate shift), how it lets a network train at a high learning rate, how it "
    "behaves differently in training and at test time, and which axes each norm averages over."
)
st.latex(r"z = W^\top a + b,\quad H' = \frac{z - \mu}{\sqrt{\sigma^2 + \epsilon}},\quad "
         r"h(\gamma H' + \beta) \qquad w \leftarrow w - \eta\,\hat g \;\text{(SGD)}")
shift_tab, high_tab, modes_tab, axes_tab, contrast_tab = st.tabs(
    ["Covariate shift", "High learning rate", "Training vs inference", "Which axes", "Contrast"])

with shift_tab:
    config, submitted = settings_form(KEY, "activation", "inputs", "norms", "lr", "epochs", "depth")
    result = training(KEY, config, submitted, run_covariate_shift) if config is not None else None
    if result is not None:
        st.plotly_chart(preactivation_histograms(
            result.preactivations, saturation=saturation_intervals(result.activation)), key=f"{KEY}.fig.hist")
        st.caption(f"Histograms of z = Wᵀa + b entering h = {result.activation}, on the same 256 training "
                   "images, from epoch 0 (dark purple) to the last (green). Shaded: where h′(z) is below a "
                   "tenth of its maximum, so the gradient through h nearly vanishes.")
        ui.table(result.saturation_summary())

with high_tab:
    st.markdown("Plain SGD at a large η, with and without BatchNorm after every hidden layer "
                "(three layers of 64 units, identical initial weights and batches).")
    config, submitted = settings_form(HIGH_KEY, "high_lr", "high_activation", "high_epochs")
    result = training(HIGH_KEY, config, submitted, run_high_learning_rate) if config is not None else None
    if result is not None:
        ui.table(result.saturation_summary())
        st.caption("With ReLU, a few oversized steps can push almost every unit's z below 0, where "
                   "h′(z) = 0: those units are dead and the loss stays at chance. BatchNorm re-centres z "
                   "at every step, so about half the units stay active whatever η does to W.")

with modes_tab:
    st.markdown("A fresh BatchNorm layer sees batches of two features with means 3 and −1 and "
                "standard deviations 2 and 0.5. In **training** it standardizes with each batch's "
                "own μ, σ²; at **inference** it uses moving averages, which start at (0, 1) and "
                "need a number of steps to settle.")
    config = live_settings("momentum", "batch", "steps")
    modes = batchnorm_modes(batch_size=config.batch, steps=config.steps, momentum=config.momentum)
    st.plotly_chart(moving_statistics(modes.moving_mean, modes.moving_variance, modes.batch_mean,
                                      modes.batch_variance, modes.mean, modes.std), key=f"{KEY}.fig.moving")
    st.plotly_chart(mode_outputs(modes.probe, modes.training_output, modes.inference_before,
                                 modes.inference_after), key=f"{KEY}.fig.modes")

with axes_tab:
    st.markdown("An (N, C, H, W) batch drawn as a cube: samples N from the top layer down, channels "
                "C from front to back, H and W flattened into one axis across. Blue: the values "
                "standardized with the same μ and σ² as the chosen one (sample n, channel c).")
    config = live_settings("groups", "sample", "channel")
    masks = {f"{kind.capitalize()} norm": shared_statistics(kind, groups=config.groups, sample=config.sample,
                                                           channel=config.channel)
             for kind in ("batch", "layer", "instance", "group")}
    st.plotly_chart(normalization_cubes(masks), key=f"{KEY}.fig.cubes")
    ui.table(axes_table())


@st.cache_data(show_spinner=False)
def contrast_demo():
    return contrast.contrast_invariance(ui.cached_dataset("glyphs", n=1000, seed=0).x_train[:contrast.GLYPHS])


with contrast_tab:
    st.markdown("Instance normalization removes each image's **contrast**. The same 12 glyphs at four contrasts c "
                "about their mean m, x_c = m + c (x − m), go in one batch through one random 3 × 3 convolution, then "
                "through each norm. The convolution turns the contrast into a scale and a shift of each image's "
                "map; instance norm takes both out, layer norm only the scale, batch norm neither.")
    st.latex(contrast.FORMULA)
    config = live_settings("contrast_glyph", "contrast_filter")
    shown = contrast_demo()
    tiles, rows, columns = contrast.display_grid(shown, config.contrast_glyph, config.contrast_filter)
    st.plotly_chart(labelled_grid(tiles, rows, columns, title=f"Glyph {config.contrast_glyph} at four contrasts and its "
                                  f"maps of filter {config.contrast_filter} (−3 black … 3 white)"), key=f"{KEY}.fig.contrast")
    ui.table(contrast.distance_table(shown))
    st.caption("Mean |map at c − map at c = 1| over the 12 glyphs and 4 filters, in units of the original map's "
               "standard deviation: 0 is the same map. ε = 10⁻⁶ in every norm.")
