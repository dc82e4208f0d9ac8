"""Recurrent networks: vanilla RNN, LSTM and GRU side by side; vanishing gradients; truncated BPTT."""

import streamlit as st

from demos import ui
from toolkit.data.sequences import ADDING_CONSTANT_MSE, adding_chance_accuracy
from toolkit.rnn import lab
from toolkit.viz import learning_curves
from toolkit.viz.recurrent import continuation_figure, gate_heatmap, gradient_heatmap, unrolled_diagram

KEY = "recurrent"
LESSONS = ui.page_lessons("recurrent")[KEY]
SENTENCE = "The camera is not good, I bought it last week and it arrived on Monday, my sister recommended it to me"

st.title("Recurrent networks")
st.markdown(
    "An RNN applies **the same cell with the same weights** at every step: it reads x_t and its own "
    "previous state h_{t−1}. Backpropagation through time multiplies one Jacobian ∂h_t/∂h_{t−1} per step, "
    "so the vanilla cell's gradient **vanishes** over long gaps; the **LSTM** adds a memory c_t updated by "
    "addition, the **GRU** an update gate. Train the three cells from the same seed on a task whose answer "
    "depends on inputs far back, and watch how much of the last step's error reaches each step."
)
form = ui.settings_form(KEY, ui.settings(lab.RecurrentConfig), columns=4, lessons=LESSONS)
config = ui.config_or_stop(lab.RecurrentConfig, form.values)
st.plotly_chart(unrolled_diagram(config.cells[0]), key=f"{KEY}.fig.diagram")
if form.submitted:
    data = lab.network_inputs(ui.cached_dataset(**lab.data_spec(config)))
task = lab.TASKS[config.task]
metric = "accuracy" if config.task != "sine" else "loss"


def train(live):
    monitor = lab.GradientMonitor(data, config.task)
    live.watch(monitor)  # training thread, once per new epoch
    return lab.run_recurrent(config, data, callbacks=live.callbacks, stop=live.stop, monitor=monitor)


def draw(frame):
    st.plotly_chart(learning_curves(frame.histories(), metric, title=f"{task.title}: held-out {metric}, epoch "
                                    f"{frame.epoch} (train dashed)"), key=f"{KEY}.live")
    if frame.extras.get("gradients"):
        st.plotly_chart(gradient_heatmap(frame.extras["gradients"], epochs=frame.extras["gradient_epochs"],
                                         title="How much of the last step's error reaches step t: log₁₀ ‖∂L/∂h_t‖ / "
                                               "‖∂L/∂h_T‖ (each network at the epoch named)"), key=f"{KEY}.live.grad")


job = ui.live_panel(KEY, start=form.submitted, train=train, draw=draw, metric="loss")
result = job.result if job is not None and not job.running else None
if result is not None and result.runs:
    st.header("Results on held-out sequences")
    ui.table(result.table())
    if config.task == "adding":
        st.caption(f"Baselines: always answering 1 gives MSE {ADDING_CONSTANT_MSE:.3f} and accuracy "
                   f"{adding_chance_accuracy():.3f} (|ŷ − y| < 0.04 counts as right).")
    st.caption("Backprop steps per sequence: Σ over blocks of the steps backpropagated (T for full BPTT). "
               "The last column is Eq. 1 of the heatmap at step 1: −3 means a thousandth of the error reaches it.")
    st.latex(r"\frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}\prod_{k=t+1}^{T}"
             r"\frac{\partial h_k}{\partial h_{k-1}},\qquad \text{vanilla: } \frac{\partial h_k}{\partial h_{k-1}}"
             r" = \mathrm{diag}(1 - h_k^2)\, W_h^\top,\quad \text{LSTM: } \frac{\partial c_k}{\partial c_{k-1}} = "
             r"\mathrm{diag}(f_k)")
    if result.gradients:  # the live panel's heatmap holds every network's last curve
        st.caption("At initialization every cell's gradient vanishes (the LSTM's forget gates start near "
                   "σ(1) ≈ 0.73, the GRU's update gate at ½); training can open the gated cells' path, "
                   "never the vanilla cell's product of tanh′ · W_h.")
    if config.task == "sine":
        views = lab.continuation_views(result)
        st.plotly_chart(continuation_figure(views["seed"], views["truth"], views["generated"]),
                        key=f"{KEY}.fig.continuation")
    if config.task == "sentiment":
        st.subheader("Read a review")
        text = st.text_input("Review (words outside the vocabulary read as <unk>)", SENTENCE, max_chars=300,
                             key=f"{KEY}.sentence")
        reading = lab.read_sentence(result, text)
        ui.table([{"Network": label, **{name: round(float(p), 3) for name, p in zip(result.data.classes, probs)}}
                  for label, probs in reading.predictions.items()])
        st.caption(f"The corpus's rule (the last opinion word, flipped by a negation just before it) says: "
                   f"**{result.data.classes[reading.rule]}**.")
        if reading.gates is not None:
            st.latex(r"i_t, f_t, o_t = \sigma(W_{i,f,o}\tbinom{x_t}{h_{t-1}}),\quad g_t = "
                     r"\tanh(W_g\tbinom{x_t}{h_{t-1}})")
            st.plotly_chart(gate_heatmap(reading.gates, reading.words,
                                         title=f"{reading.gates_of}: gates word by word (· is padding)"),
                            key=f"{KEY}.fig.gates")
        else:
            st.caption("Train an LSTM on this task to see its gates word by word.")
