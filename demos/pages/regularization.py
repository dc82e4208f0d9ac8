"""Regularization lab: every strategy of chapter 4 raced against a network that overfits."""

import numpy as np
import streamlit as st

from demos import ui
from toolkit.data import TOY2D_NAMES
from toolkit.regularization import (
    STRATEGIES, LabConfig, lab_data, penalty_geometry, penalty_path, run_lab,
)
from toolkit.regularization.early_stopping import EarlyStopping
from toolkit.regularization.lab import SPARSE_BELOW
from toolkit.viz import (
    dataset_scatter, decision_boundary, ensemble_votes, generalization_gap, image_grid, learning_curves,
    mark_early_stopping, penalty_balance, weight_histogram, weight_magnitudes,
)

KEY = "regularization"
LABELS = {s.label: key for key, s in STRATEGIES.items()}
TASK = ui.Param("task", "choice", "toy2d", choices=("toy2d", "glyphs"), widget="radio", label="Task",
                help="toy2d: 2-D points of Playground's sets; glyphs: 28x28 handwriting-like characters.")


def params(d: LabConfig) -> list:
    """The form's settings, starting from the task's defaults ``d``."""
    return [
        ui.Param("strategies", "multi", tuple(STRATEGIES[k].label for k in d.strategies),
                 choices=tuple(LABELS), label="Strategies (each one a variant)"),
        ui.Param("epochs", int, d.epochs, lo=1, hi=2000, widget="number", label="Epochs"),
        ui.Param("n_train", int, d.n_train, lo=20, hi=2000, widget="number", label="Training samples"),
        ui.Param("l2", float, d.l2, lo=0.0, hi=1.0, step=0.001, label="L2: λ"),
        ui.Param("l1", float, d.l1, lo=0.0, hi=1.0, step=0.0005, label="L1: λ"),
        ui.Param("dropout", float, d.dropout, lo=0.0, hi=0.95, step=0.05, label="Dropout: p"),
        ui.Param("input_noise", float, d.input_noise, lo=0.0, hi=5.0, step=0.05, label="Input noise: σ"),
        ui.Param("weight_noise", float, d.weight_noise, lo=0.0, hi=1.0, step=0.01, label="Weight noise: σ"),
        ui.Param("label_smoothing", float, d.label_smoothing, lo=0.0, hi=0.9, step=0.05,
                 label="Label smoothing: ε"),
        ui.Param("label_flips", float, d.label_flips, lo=0.0, hi=0.9, step=0.05, label="Label flips: α"),
        ui.Param("augmentation", float, d.augmentation, lo=0.0, hi=1.0, step=0.1,
                 label="Augmentation: strength"),
        ui.Param("patience", int, d.patience, lo=1, hi=500, widget="number",
                 label="Early stopping: patience"),
        ui.Param("monitor", "choice", d.monitor, choices=("val_loss", "val_accuracy"),
                 label="Early stopping watches"),
        ui.Param("ensemble", int, d.ensemble, lo=2, hi=20, widget="number", label="Bagging: models K"),
        ui.Param("aux_weight", float, d.aux_weight, lo=0.0, hi=10.0, step=0.1, label="Multi-task: β"),
        ui.Param("dataset", "choice", d.dataset, choices=TOY2D_NAMES, label="2-D set (toy2d)"),
        ui.Param("noise", int, int(d.noise), lo=0, hi=50, label="Playground noise % (toy2d)"),
        ui.Param("label_noise", float, d.label_noise, lo=0.0, hi=0.9, step=0.05,
                 label="Corrupted training labels"),
        ui.Param("optimizer", "choice", d.optimizer, choices=("adam", "sgd"), label="Optimizer",
                 help="Adam, or SGD with momentum 0.9 (where L1 and L2 act as the notes draw them)."),
        ui.Param("learning_rate", float, d.learning_rate, lo=1e-5, hi=1.0, step=0.001,
                 label="Learning rate η"),
        ui.Param("seed", int, d.seed, lo=0, hi=9999, widget="number", label="Seed"),
        ui.Param("builtin", bool, d.builtin, widget="toggle", label="Keras built-ins",
                 help="keras.regularizers, keras.layers.Dropout and GaussianNoise instead of the toolkit's."),
    ]


st.title("Regularization lab")
st.markdown(
    "A small training set and a big network: the default task **overfits** (training accuracy far above "
    "test accuracy). Pick any strategies of the notes; each one is a variant of the same network, and "
    "all train **from identical initial weights on identical batches** (`toolkit.train.compare`), so "
    "the curves differ only by the strategy. Curves and early stopping watch a held-out validation "
    "set; the table reports a separate test set. Code: `toolkit.regularization.run_lab(LabConfig(...))`."
)
task = ui.param_widget(TASK, ui.read_params([TASK])[0]["task"], key=f"{KEY}.task")
ui.write_params({"task": task}, [TASK])
defaults = LabConfig(task=task)
specs = params(defaults)
start, _ = ui.read_params(specs)
with st.form(f"{KEY}.{task}.form"):  # strategies on a row of their own, then 4 columns
    values = {"strategies": ui.param_widget(specs[0], start["strategies"], key=f"{KEY}.{task}.strategies")}
    cells = st.columns(4)
    for index, spec in enumerate(specs[1:]):
        with cells[index % 4]:
            values[spec.name] = ui.param_widget(spec, start[spec.name], key=f"{KEY}.{task}.{spec.name}")
    submitted = st.form_submit_button("Train", type="primary", icon=":material/play_arrow:")
if submitted:
    ui.write_params(values, specs)
try:
    config = LabConfig(**{**defaults.as_dict(), **{k: v for k, v in values.items() if k != "strategies"},
                          "task": task, "strategies": tuple(LABELS[s] for s in values["strategies"])})
except ValueError as error:
    ui.show_error(error)
    config, submitted = None, False


@st.cache_data(max_entries=8, show_spinner="Drawing the training, validation and test sets…")
def scenario(fields: dict):
    return lab_data(LabConfig(**fields))


def live_curves(histories):
    stopper = EarlyStopping(config.monitor, patience=config.patience)
    label = config.variant_label("early_stopping")
    stops = {label: stopper.replay(histories[label])} if config.monitor in histories.get(label, {}) else {}
    curves = learning_curves(histories, "loss", title="Live: loss (train dashed, validation solid)")
    return mark_early_stopping(curves, histories, stops)


def train(progress):
    lives = [ui.LiveComparison(f"{KEY}.curves", figure=live_curves),
             ui.LiveComparison(f"{KEY}.gap", figure=lambda h: generalization_gap(h, title="Live: gap"))]
    result = run_lab(config, callbacks=[progress, *lives], data=data)
    for live in lives:
        live.close()
    st.session_state[f"{KEY}.result"] = result
    return next(reversed(result.runs.values()))


result = st.session_state.get(f"{KEY}.result")
data = scenario(config.as_dict()) if submitted else (result.data if result is not None else None)
bundle = None if data is None else (data.x_train, data.y_train, (data.x_val, data.y_val))
ui.training_panel(KEY, submitted, train, metric="val_loss", bundle_data=bundle)
result = st.session_state.get(f"{KEY}.result")
if result is not None:
    data = result.data
    st.subheader("Results on the test set")
    st.dataframe(result.table(), hide_index=True, width="stretch")
    st.caption("gap = train accuracy − test accuracy · sparsity = share of kernel weights with |w| < 0.01")
    histories, stops = {label: run.history for label, run in result.runs.items()}, result.stops()
    tabs = st.tabs(["Curves", "Generalization gap", "Weights", "Decision boundaries" if data.points
                    else "Augmented samples", "Ensemble vote"])
    with tabs[0]:
        for metric in ("loss", "accuracy"):
            st.plotly_chart(mark_early_stopping(learning_curves(histories, metric), histories, stops, metric),
                            key=f"{KEY}.fig.{metric}")
    with tabs[1]:
        for metric in ("loss", "accuracy"):
            st.plotly_chart(generalization_gap(histories, metric, stops), key=f"{KEY}.fig.gap.{metric}")
    with tabs[2]:
        weights = result.weight_distributions()
        st.plotly_chart(weight_histogram(weights, bins=80, title="Kernel weights per variant"))
        st.plotly_chart(weight_magnitudes(weights, threshold=SPARSE_BELOW))
        st.caption("With SGD, L1 piles weights at 0 and L2 shrinks them all. Adam divides each step by the "
                   "gradient's size: L1's constant pull then leaves weights jittering near 0, while L2 takes "
                   "the weights of units that never fire (no error gradient) all the way to 0.")
    with tabs[3]:
        if data.points:
            cells = st.columns(2)
            for index, label in enumerate(result.runs):
                with cells[index % 2]:
                    st.plotly_chart(decision_boundary(
                        result.boundary(label), data.x_train, data.y_train, data.x_test[:300], data.y_test[:300],
                        classes=data.classes, title=label), key=f"{KEY}.fig.boundary.{index}")
        inputs, tags = result.augmented_examples()
        st.plotly_chart(dataset_scatter(inputs, tags, data.x_train, data.y_train, classes=data.classes,
                                        title="Augmentation: training points (diamonds), 3 rotations (dots)")
                        if data.points else image_grid(inputs, tags, cols=8, title="Each glyph, then 3 augmentations"))
    with tabs[4]:
        report = result.ensemble_report
        if report is None:
            st.info("Add **bagging** to the strategies to see how the members vote.")
        else:
            st.plotly_chart(ensemble_votes(report.member_correct, report.vote == data.y_test,
                                           average_error=report.average_error))
            st.caption(f"Members disagree on {report.mean_disagreement:.1%} of test samples on average; "
                       f"{report.some_wrong:.1%} have a wrong member, {report.all_wrong:.1%} all wrong.")
    label = st.selectbox("Download the bundle of", list(result.runs), key=f"{KEY}.bundle_run")
    ui.download_bundle_button(result.runs[label], data.x_train, data.y_train, (data.x_val, data.y_val),
                              key=f"{KEY}.bundle.{label}")

st.subheader("Why L1 gives zeros and L2 only shrinks")
lam = st.slider("λ", 0.0, 3.0, 1.2, 0.05, key=f"{KEY}.lam", help="The strength of L̃(w) = L(w) + λΩ(w).")
geometry = penalty_geometry(lam)
st.plotly_chart(penalty_balance(*geometry.error_grid(), geometry.w_star, geometry.points(), lam=lam,
                                path=penalty_path(np.linspace(0, 3, 61))), key=f"{KEY}.fig.balance")
st.caption(f"L1 minimum {np.round(geometry.l1.w, 3)} ({geometry.l1.zeros} of 2 weights zero), L2 minimum "
           f"{np.round(geometry.l2.w, 3)}. At each minimum, the error's pull −∇L equals the penalty's "
           "pull −λ∂Ω; the dashed contour of the error touches the diamond or the circle there.")
