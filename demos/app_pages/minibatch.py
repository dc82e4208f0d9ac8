"""Batch size: batch, stochastic and minibatch gradient descent, and the noise of ĝ."""

import streamlit as st

from demos import ui
from toolkit.optim import DESCENT_DATASET, DescentConfig, race_messages, run_descent
from toolkit.viz import gradient_variance_plot, learning_curves, loss_vs_time

KEY = "minibatch"


st.title("Batch, stochastic and minibatch descent")
st.markdown(
    "The notes' three kinds of gradient descent take the same step w ← w − ηĝ; they differ in "
    "how many samples the gradient estimate ĝ averages: all N (**batch**), one (**stochastic**) "
    "or B (**minibatch**). Here the same network learns the digits three times from identical "
    "weights and sample order. Per epoch, stochastic descent takes N steps and batch descent "
    "one; per second the picture changes, and the noise of ĝ falls as 1/B."
)
controls, rules = st.columns([2, 1], gap="medium")
with controls:
    form = ui.settings_form(KEY, ui.settings(DescentConfig), columns=3)
with rules:
    st.latex(r"\begin{aligned} w &\leftarrow w - \eta\,\hat g \\ \hat g &= \frac{1}{B} \nabla_w "
             r"\sum_{i \in \text{batch}} L(f(x^{(i)}, w), y^{(i)}) \end{aligned}")
    st.latex(r"B = N \text{ batch},\;\; B = 1 \text{ stochastic},\;\; 1 < B < N \text{ minibatch}")
    st.latex(r"\mathbb{E}\,\lVert \hat g_B - g \rVert^2 = \frac{\operatorname{tr}\Sigma}{B}\,\frac{N - B}{N - 1}")
config = ui.config_or_stop(DescentConfig, form.values)
if form.submitted:
    data = ui.cached_dataset(DESCENT_DATASET)


def train(live):
    return run_descent(config, data, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    st.plotly_chart(learning_curves(frame.histories(), "loss", title=f"Loss, epoch {frame.epoch} "
                                    "(train dashed, test solid)"), key=f"{KEY}.live")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss")
result = job.result if job is not None and not job.running else None
if result is not None:
    histories = {label: run.history for label, run in result.runs.items()}
    for message in race_messages(result.runs):
        st.warning(message)
    st.plotly_chart(loss_vs_time(histories, result.seconds, title="Loss against training time"),
                    key=f"{KEY}.fig.seconds")
    st.caption("Training time only: each run's loop is compiled before it is timed. Per epoch, "
               "every run sees each sample once; the runs differ in how many steps they take.")
    ui.table(result.table())
    variance = result.variance
    if variance is not None:
        st.plotly_chart(gradient_variance_plot(variance.batch_sizes, variance.variances,
                                               variance.reference, marks=result.batch_sizes),
                        key=f"{KEY}.fig.variance")
        st.caption(f"E‖ĝ_B − g‖² at the initial weights, {variance.draws} random batches per B, "
                   f"‖g‖ = {variance.gradient_norm:.3g}, N = {variance.n}. The dashed line is "
                   "(N − B) / (B (N − 1)) through the first point: 1/B, reaching 0 at B = N.")
