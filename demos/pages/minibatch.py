"""Batch size: batch, stochastic and minibatch gradient descent, and the noise of ĝ."""

import streamlit as st

from demos import ui
from toolkit.optim import compare_descent, race_messages
from toolkit.viz import gradient_variance_plot, learning_curves, loss_vs_time

KEY = "minibatch"
PARAMS = [
    ui.Param("lr", float, 0.05, lo=1e-5, hi=10.0, step=0.01, label="Learning rate η",
             help="The same η for all three runs: only the batch size differs."),
    ui.Param("epochs", int, 10, lo=1, hi=100, label="Epochs"),
    ui.Param("minibatch", int, 32, lo=2, hi=1024, label="Minibatch size B"),
    ui.Param("draws", int, 16, lo=2, hi=200, label="Batches drawn per size",
             help="How many random batches estimate E‖ĝ_B − g‖² for each B."),
    ui.Param("width", int, 64, lo=4, hi=256, step=4, label="Hidden units"),
]

st.title("Batch, stochastic and minibatch descent")
st.markdown(
    "The notes' three kinds of gradient descent take the same step w ← w − ηĝ; they differ in "
    "how many samples the gradient estimate ĝ averages: all N (**batch**), one (**stochastic**) "
    "or B (**minibatch**). Here the same network learns the digits three times from identical "
    "weights and sample order. Per epoch, stochastic descent takes N steps and batch descent "
    "one; per second the picture changes, and the noise of ĝ falls as 1/B."
)
values, submitted = ui.train_form(KEY, PARAMS, submit_label="Train", columns=5)


def train(progress):
    live = ui.LiveComparison(KEY)
    st.session_state[f"{KEY}.result"] = compare_descent(
        ui.cached_dataset("digits", size=8), learning_rate=values["lr"], epochs=values["epochs"],
        minibatch=values["minibatch"], hidden=(values["width"],), draws=values["draws"],
        callbacks=[progress, live])
    live.close()


ui.training_panel(KEY, submitted, train, metric="loss")
result = st.session_state.get(f"{KEY}.result")
if result is not None:
    histories = {label: run.history for label, run in result.runs.items()}
    for message in race_messages(result.runs):
        st.warning(message)
    epochs, seconds = st.columns(2)
    epochs.plotly_chart(learning_curves(histories, "loss", title="Loss per epoch (train dashed, test solid)"),
                        key=f"{KEY}.fig.epochs")
    seconds.plotly_chart(loss_vs_time(histories, result.seconds, title="Loss against training time"),
                         key=f"{KEY}.fig.seconds")
    st.caption("Training time only: each run's loop is compiled before it is timed. Per epoch, "
               "every run sees each sample once; the runs differ in how many steps they take.")
    st.dataframe(result.table(), hide_index=True, width="stretch")
    variance = result.variance
    if variance is not None:
        st.plotly_chart(gradient_variance_plot(variance.batch_sizes, variance.variances,
                                               variance.reference, marks=result.batch_sizes),
                        key=f"{KEY}.fig.variance")
        st.caption(f"E‖ĝ_B − g‖² at the initial weights, {variance.draws} random batches per B, "
                   f"‖g‖ = {variance.gradient_norm:.3g}, N = {variance.n}. The dashed line is "
                   "(N − B) / (B (N − 1)) through the first point: 1/B, reaching 0 at B = N.")
