"""Regularization lab: every strategy of chapter 4 raced against a network that overfits; capacity."""

import numpy as np
import streamlit as st

from demos import ui
from toolkit.regularization import (
    STRATEGIES, LabConfig, lab_data, penalty_geometry, penalty_path, run_lab, stopping_epochs,
)
from toolkit.regularization.capacity import CapacityConfig, capacity_sweep, target
from toolkit.regularization.lab import SPARSE_BELOW
from toolkit.viz.capacity import capacity_curves, capacity_fits
from toolkit.viz import (
    dataset_scatter, decision_boundary, ensemble_votes, generalization_gap, image_grid, learning_curves,
    mark_early_stopping, penalty_balance, weight_histogram, weight_magnitudes,
)

KEY = "regularization"
FORM = ("strategies", "epochs", "n_train", "l2", "l1", "dropout", "input_noise", "weight_noise", "label_smoothing",
        "label_flips", "augmentation", "patience", "monitor", "ensemble", "aux_weight", "dataset", "noise",
        "label_noise", "optimizer", "learning_rate", "seed", "builtin")

st.title("Regularization lab")
st.markdown(
    "A small training set and a big network **overfit**: on the 2-D task a 3 × 128 network learns all 50 noisy "
    "training points by heart, noise included (training accuracy 100 %, test accuracy about 20 points lower). "
    "The notes' goal is a small gap between the two. Pick any strategies of the notes; each one is a variant "
    "of the same network, and all train **from identical initial weights on identical batches** "
    "(`toolkit.train.compare`), so the curves differ only by the strategy. Curves and early stopping watch a "
    "held-out validation set; the table reports a separate test set. Code: "
    "`toolkit.regularization.run_lab(LabConfig(...))`."
)
(task_setting,) = ui.settings(LabConfig, "task")
task = ui.param_widget(task_setting, ui.read_params([task_setting]).values["task"], key=f"{KEY}.task")
ui.write_params({"task": task}, [task_setting])
st.caption("Under each strength: what that strategy changes, in the notes' notation (L̃ is the loss that "
           "training minimizes). Shared layers use one weight matrix for hidden layers 2 … L:")
for strategy in (s for s in STRATEGIES.values() if s.latex and s.parameter is None):
    st.latex(strategy.latex)
form = ui.settings_form(f"{KEY}.{task}", LabConfig.task_settings(task, *FORM), columns=3,  # one form per task
                       outside=[(task_setting, task)])
try:
    config = LabConfig.for_task(task, **form.values)
except ValueError as error:
    ui.show_error(error)
    st.stop()
if form.submitted:
    source_name, source_args = config.source()
    data = lab_data(config, ui.cached_dataset(source_name, **source_args))


def train(live):
    return run_lab(config, data, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    histories = frame.histories()
    stops = {name: epochs for name, epochs in stopping_epochs(frame.runs).items() if name in histories}
    left, right = st.columns(2)
    curves = learning_curves(histories, "loss", title=f"Loss, epoch {frame.epoch} (train dashed, validation solid)")
    left.plotly_chart(mark_early_stopping(curves, histories, stops), key=f"{KEY}.live.curves")
    right.plotly_chart(generalization_gap(histories, stops=stops, title="Gap: validation loss − training loss"),
                       key=f"{KEY}.live.gap")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss")
result = job.result if job is not None and not job.running else None
if result is not None:
    shown = result.data
    st.subheader("Results on the test set")
    ui.table(result.table())
    st.caption(f"gap = train accuracy − test accuracy (the notes' overfitting: a large gap) · sparsity = share "
               f"of the weights with |w| < {SPARSE_BELOW:g}")
    histories, stops = {label: run.history for label, run in result.runs.items()}, result.stops()
    tabs = st.tabs(["Curves", "Generalization gap", "Weights", "Decision boundaries" if shown.points
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
        st.plotly_chart(weight_histogram(weights, bins=80, title="Kernel weights per variant"), key=f"{KEY}.fig.w")
        st.plotly_chart(weight_magnitudes(weights, threshold=SPARSE_BELOW), key=f"{KEY}.fig.magnitudes")
        st.caption("With SGD, L1 piles weights at 0 and L2 shrinks them all. Adam divides each step by the "
                   "gradient's size: L1's constant pull then leaves weights jittering near 0, while L2 takes "
                   "the weights of units that never fire (no error gradient) all the way to 0.")
    with tabs[3]:
        if shown.points:
            cells = st.columns(2)
            for index, label in enumerate(result.runs):
                cells[index % 2].plotly_chart(decision_boundary(
                    result.boundary(label), shown.x_train, shown.y_train, shown.x_test[:300], shown.y_test[:300],
                    classes=shown.classes, title=label), key=f"{KEY}.fig.boundary.{index}")
        inputs, tags = result.augmented_examples()
        st.plotly_chart(dataset_scatter(inputs, tags, shown.x_train, shown.y_train, classes=shown.classes,
                                        title="Augmentation: training points (diamonds), 3 rotations (dots)")
                        if shown.points else image_grid(inputs, tags, cols=8, title="Each glyph, then 3 augmentations"),
                        key=f"{KEY}.fig.augmented")
    with tabs[4]:
        report = result.ensemble_report
        if report is None:
            st.info("Add **bagging** to the strategies to see how the members vote.")
        else:
            st.plotly_chart(ensemble_votes(report.member_correct, report.vote == shown.y_test,
                                           average_error=report.average_error), key=f"{KEY}.fig.votes")
            st.caption(f"Members disagree on {report.mean_disagreement:.1%} of test samples on average; "
                       f"{report.some_wrong:.1%} have a wrong member, {report.all_wrong:.1%} all wrong.")
    label = st.selectbox("Download the bundle of", list(result.runs), key=f"{KEY}.bundle_run")
    ui.download_bundle_button(result.runs[label], shown.x_train, shown.y_train, (shown.x_val, shown.y_val),
                              key=f"{KEY}.bundle.{label}")

st.subheader("Why L1 gives zeros and L2 only shrinks")
slider, formula = st.columns([2, 3], vertical_alignment="center")
lam = slider.slider("λ", 0.0, 3.0, 1.2, 0.05, key=f"{KEY}.lam", help="The strength of L̃(w) = L(w) + λΩ(w).")
formula.latex(r"\begin{array}{c} \tilde L(w) = L(w) + \lambda\,\Omega(w) \\ L_2:\ \Omega(w) = \tfrac12 \sum_i w_i^2"
              r"\qquad L_1:\ \Omega(w) = \sum_i |w_i| \end{array}")
geometry = penalty_geometry(lam)
st.plotly_chart(penalty_balance(*geometry.error_grid(), geometry.w_star, geometry.points(), lam=lam,
                                path=penalty_path(np.linspace(0, 3, 61))), key=f"{KEY}.fig.balance")
st.caption(f"L1 minimum {np.round(geometry.l1.w, 3)} ({geometry.l1.zeros} of 2 weights zero), L2 minimum "
           f"{np.round(geometry.l2.w, 3)}. At each minimum, the error's pull −∇L equals the penalty's "
           "pull −λ∂Ω; the dashed contour of the error touches the diamond or the circle there.")

st.subheader("Capacity: choosing the hypothesis space")
st.markdown("Before any penalty, the notes control overfitting by the model's **capacity**, chosen with the hypothesis "
            "space H_d: here the polynomials of degree at most d, fit by least squares to n noisy points of sin(πx). "
            "More capacity always lowers the training error; the test error falls, then rises.")
values, specs = {}, ui.settings(CapacityConfig)
for cell, spec in zip(st.columns(len(specs)), specs):
    with cell:
        values[spec.name] = ui.param_widget(spec, spec.default, key=f"{KEY}.{spec.name}", formula=False)
for cell, spec in zip(st.columns(2), specs[1:3]):
    cell.latex(spec.formula_for(values[spec.name]))
capacity = ui.config_or_none(CapacityConfig, values)
if capacity is not None:
    sweep = capacity_sweep(capacity)
    left, right = st.columns(2)
    left.plotly_chart(capacity_curves(sweep), key=f"{KEY}.fig.capacity")
    right.plotly_chart(capacity_fits(sweep, sorted({1, sweep.best, int(sweep.degrees[-1])}), target),
                       key=f"{KEY}.fig.capacity_fits")
    st.caption(f"Best degree {sweep.best} (test MSE {sweep.test[sweep.best]:.3f}); degree {sweep.degrees[-1]} "
               f"has training MSE {sweep.train[-1]:.2g} and test MSE {sweep.test[-1]:.3g}. Test points: 1,000 fresh "
               "samples of the same function and noise.")
    with st.expander("Every degree: train and test error, gap"):
        ui.table(sweep.table())
