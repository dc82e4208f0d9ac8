"""Backpropagation: a 2-3-2-1 network stepped through its three phases, and the slow alternatives."""

import numpy as np
import streamlit as st

from demos import ui
from toolkit.backprop import (
    METHODS, backprop, forward_passes_per_update, gradient_descent_step, gradient_rows,
    init_network, neuron_names, pathway_rows, phase_labels, race, tape_gradients,
)
from toolkit.viz import loss_vs_forward_passes, network_diagram

KEY = "backprop"
PHASES = {"1 · Forward propagation": "forward", "2 · Error estimation": "error",
          "3 · Backward propagation": "backward"}
PARAMS = {spec.name: spec for spec in (
    ui.Param("x1", float, 0.5, lo=-1.0, hi=1.0, step=0.05, widget="slider", label="x1"),
    ui.Param("x2", float, -0.3, lo=-1.0, hi=1.0, step=0.05, widget="slider", label="x2"),
    ui.Param("y", "choice", 1, choices=(0, 1), widget="radio", label="label y"),
    ui.Param("activation", "choice", "tanh", choices=("tanh", "sigmoid", "relu"), label="Hidden activation h"),
    ui.Param("seed", int, 0, lo=0, hi=9999, widget="number", label="Seed of the initial weights"),
    ui.Param("eta", float, 0.5, lo=1e-3, hi=10.0, label="Learning rate η"),
    ui.Param("budget", int, 3000, lo=200, hi=20000, step=100, widget="number", label="Forward passes per method"),
    ui.Param("lr", float, 0.3, lo=1e-3, hi=5.0, label="Learning rate of the race"),
)}


def widget(name):
    values[name] = ui.param_widget(PARAMS[name], values[name], key=f"{KEY}.{name}")
    return values[name]


st.title("Backpropagation")
st.markdown(
    "One training step of a 2-3-2-1 network on one example, in the three phases of the notes: "
    "**forward propagation** (z and a of every neuron), **error estimation** (the loss L and its "
    "sensitivity ∂L/∂ŷ), **backward propagation** (∂L/∂a of every neuron as a sum over the "
    "pathways to the output, and ∂L/∂w of every link). Our NumPy gradient is checked against "
    "TensorFlow's `GradientTape` on the same weights."
)
values, _ = ui.read_params(PARAMS.values())
controls, view = st.columns([1, 3], gap="large")
with controls:
    for name in ("x1", "x2", "y", "activation", "seed", "eta"):
        widget(name)
    start = (values["activation"], values["seed"])
    if st.session_state.get(f"{KEY}.start") != start or st.button("Reset weights", icon=":material/restart_alt:"):
        st.session_state[f"{KEY}.start"] = start
        st.session_state[f"{KEY}.net"] = init_network((2, 3, 2, 1), values["activation"], "sigmoid", seed=values["seed"])
        st.session_state[f"{KEY}.losses"] = []

net = st.session_state[f"{KEY}.net"]
x, y = np.array([[values["x1"], values["x2"]]]), np.array([float(values["y"])])
trace = backprop(net, x, y)
with controls:
    if st.button("Take a gradient step", type="primary", icon=":material/south:",
                 help="w ← w − η ∂L/∂w for every weight, then the page shows the new network."):
        st.session_state[f"{KEY}.losses"].append(trace.error.loss)
        net = st.session_state[f"{KEY}.net"] = gradient_descent_step(net, *trace.gradients, values["eta"])
        trace = backprop(net, x, y)
    steps = st.session_state[f"{KEY}.losses"]
    st.metric("Loss L", f"{trace.error.loss:.4f}",
              delta=f"{trace.error.loss - steps[-1]:+.4f}" if steps else None, delta_color="inverse")
    st.caption(f"{len(steps)} gradient steps taken on this example.")

with view:
    phase = PHASES[st.radio("Phase", list(PHASES), index=2, horizontal=True, key=f"{KEY}.phase")]
    labels = phase_labels(net, trace, phase)
    names = neuron_names(net)
    st.plotly_chart(network_diagram(
        [net.W[l].T for l in range(1, net.depth + 1)], layer_names=["input", "hidden 1", "hidden 2", "output"],
        node_names=names, gap=4.0, vgap=1.3, **labels,
        title={"forward": "Forward: z and a = h(z) of every neuron; links show w",
               "error": "Error: L = −[y log ŷ + (1 − y) log(1 − ŷ)] and ∂L/∂ŷ",
               "backward": "Backward: ∂L/∂a on the neurons, ∂L/∂w on the links"}[phase]))
    tape = tape_gradients(net, x, y)
    rows = gradient_rows(net, trace, tape)
    worst = max(row["|difference|"] for row in rows)
    st.markdown(f"**Our gradient next to GradientTape's**: largest difference {worst:.1e} over "
                f"{len(rows)} parameters (float64; loss {trace.error.loss:.6f} vs {tape[2]:.6f}).")
    st.dataframe(rows, hide_index=True, width="stretch", height=280)
    st.markdown("**The chain rule over pathways**: a neuron influences L through every neuron after it.")
    options = [(l, i) for l in (1, 2) for i in range(net.sizes[l])]
    layer, i = st.selectbox("Neuron", options, format_func=lambda o: names[o[0]][o[1]], key=f"{KEY}.neuron")
    st.dataframe(pathway_rows(net, trace, layer, i), hide_index=True, width="stretch")

st.header("Why not perturb the weights instead?")
st.markdown(
    "The notes list three slower ideas: nudge **one weight at a time** (1 + N forward passes per "
    "update), nudge **all weights at once** in a random direction (2 passes, but a very noisy "
    "estimate), nudge **activations** (1 + number of neurons). Each method below trains a 2-8-8-1 "
    "network on XOR (inputs scaled to [-1, 1]) from the same weights with the same budget of "
    "forward passes."
)
left, right, button = st.columns([1, 1, 1], vertical_alignment="bottom")
with left:
    widget("budget")
with right:
    widget("lr")
if button.button("Train", type="primary", icon=":material/play_arrow:", key=f"{KEY}.train"):
    try:
        data = ui.cached_dataset("xor", n=200, seed=0)
        with st.spinner("Racing the four methods…"):
            st.session_state[f"{KEY}.results"] = race(list(METHODS), (data.x_train / 6.0, data.y_train),
                                                   budget_forward_passes=values["budget"], lr=values["lr"])
    except ValueError as error:
        ui.show_error(error)
results = st.session_state.get(f"{KEY}.results")
if results:
    st.plotly_chart(loss_vs_forward_passes(results))
    network = next(iter(results.values()))["network"]
    st.dataframe([{"method": m.replace("_", " "), "forward passes per update": forward_passes_per_update(m, network),
                   "updates": len(r["loss"]) - 1, "final loss": float(r["loss"][-1])} for m, r in results.items()],
                 hide_index=True, width="stretch")
ui.write_params(values, PARAMS.values())
