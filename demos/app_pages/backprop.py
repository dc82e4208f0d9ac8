"""Backpropagation: a 2-3-2-1 network stepped through its three phases, and the slow alternatives."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.backprop import (
    PerturbationRaceConfig, WalkthroughConfig, backprop, gradient_descent_step, gradient_rows, neuron_names,
    pathway_rows, phase_labels, race_rows, run_perturbation_race, tape_gradients,
)
from toolkit.ffnn import activation_latex
from toolkit.viz import loss_vs_forward_passes, network_diagram

KEY = "backprop"
PHASES = {"1 · Forward propagation": "forward", "2 · Error estimation": "error",
          "3 · Backward propagation": "backward"}
STEP = ui.settings(WalkthroughConfig)


@dataclasses.dataclass
class PageState:
    start: tuple = ()  # (activation, seed) the network below was initialised with
    net: object = None  # the toolkit.backprop.Network being stepped
    losses: list = dataclasses.field(default_factory=list)  # L before each gradient step taken
    race: PerturbationRaceConfig | None = None  # the settings of the race on screen


st.title("Backpropagation")
st.markdown(
    "One training step of a 2-3-2-1 network on one example, in the three phases of the notes: "
    "**forward propagation** (z and a of every neuron), **error estimation** (the loss L and its "
    "sensitivity ∂L/∂ŷ), **backward propagation** (∂L/∂a of every neuron as a sum over the "
    "pathways to the output, and ∂L/∂w of every link). Our NumPy gradient is checked against "
    "TensorFlow's `GradientTape` on the same weights."
)
state = ui.page_state(KEY, PageState)
query = ui.read_params(STEP)
controls, view = st.columns([1, 3], gap="large")
with controls:
    values = {spec.name: ui.param_widget(spec, query.values[spec.name], key=f"{KEY}.{spec.name}") for spec in STEP}
    ui.write_params(values, STEP)
    config = WalkthroughConfig(**values)  # the widgets keep every value within its bounds
    if state.start != (config.activation, config.seed) or st.button("Reset weights", icon=":material/restart_alt:"):
        state.start, state.net, state.losses = (config.activation, config.seed), config.network(), []
x, y = config.example()
trace = backprop(state.net, x, y)
with controls:
    if st.button("Take a gradient step", type="primary", icon=":material/south:", key=f"{KEY}.step",
                 help="w ← w − η ∂L/∂w for every weight, then the page shows the new network."):
        state.losses.append(trace.error.loss)
        state.net = gradient_descent_step(state.net, *trace.gradients, config.eta)
        trace = backprop(state.net, x, y)
    st.metric("Loss L", f"{trace.error.loss:.4f}", delta=f"{trace.error.loss - state.losses[-1]:+.4f}"
              if state.losses else None, delta_color="inverse")
    st.caption(f"{len(state.losses)} gradient steps taken on this example.")

net = state.net
with view:
    st.latex(rf"h(z) = {activation_latex(config.activation)} \qquad "
             r"L = -\big[y \log \hat y + (1 - y) \log(1 - \hat y)\big]")
    phase = PHASES[st.radio("Phase", list(PHASES), index=2, horizontal=True, key=f"{KEY}.phase")]
    labels = phase_labels(net, trace, phase)
    names = neuron_names(net)
    st.plotly_chart(network_diagram(
        [net.W[l].T for l in range(1, net.depth + 1)], layer_names=["input", "hidden 1", "hidden 2", "output"],
        node_names=names, gap=4.0, vgap=1.3, height=460, **labels,  # the view column is ~700 px wide
        title={"forward": "Forward: z and a = h(z) of every neuron; links show w",
               "error": "Error: L = −[y log ŷ + (1 − y) log(1 − ŷ)] and ∂L/∂ŷ",
               "backward": "Backward: ∂L/∂a on the neurons, ∂L/∂w on the links"}[phase]),
        key=f"{KEY}.fig.network")
    tape = tape_gradients(net, x, y)
    rows = gradient_rows(net, trace, tape)
    worst = max(row["|difference|"] for row in rows)
    st.markdown(f"**Our gradient next to GradientTape's**: largest difference {worst:.1e} over "
                f"{len(rows)} parameters (float64; loss {trace.error.loss:.6f} vs {tape[2]:.6f}).")
    ui.table(rows, height=280)
    st.markdown("**The chain rule over pathways**: a neuron influences L through every neuron after it.")
    st.latex(r"\frac{\partial L}{\partial a_i^{(l-1)}} = \sum_j \frac{\partial z_j^{(l)}}{\partial a_i^{(l-1)}}"
             r"\cdot \frac{\partial a_j^{(l)}}{\partial z_j^{(l)}} \cdot \frac{\partial L}{\partial a_j^{(l)}}"
             r"= \sum_j w_{ji}^{(l)}\, h'(z_j^{(l)})\, \frac{\partial L}{\partial a_j^{(l)}}")
    st.latex(r"\frac{\partial L}{\partial w_{ji}^{(l)}} = h'(z_j^{(l)})\, \frac{\partial L}{\partial a_j^{(l)}}\,"
             r"a_i^{(l-1)}")
    options = [(l, i) for l in (1, 2) for i in range(net.sizes[l])]
    layer, i = st.selectbox("Neuron", options, format_func=lambda o: names[o[0]][o[1]], key=f"{KEY}.neuron")
    ui.table(pathway_rows(net, trace, layer, i))

st.header("Why not perturb the weights instead?")
st.markdown(
    "The notes list three slower ideas: nudge **one weight at a time** (1 + N forward passes per "
    "update), nudge **all weights at once** in a random direction Δ (2 passes, but a very noisy "
    "estimate), nudge **activations** (1 + number of neurons). Each method below trains a 2-8-8-1 "
    "network on XOR (inputs scaled to [-1, 1]) from the same weights with the same budget B of "
    "forward passes. The fair score is the loss a method holds *on average* while it spends B "
    "(the area under its curve): the last value alone swings by several times from seed to seed."
)
st.latex(r"g_k \approx \frac{L(\theta + \epsilon e_k) - L(\theta)}{\epsilon} \qquad "
         r"g \approx \frac{L(\theta + c\Delta) - L(\theta - c\Delta)}{2c}\,\Delta \qquad "
         r"\frac{\partial L}{\partial a_j^{(l)}} \approx \frac{L(a_j^{(l)} + \epsilon) - L}{\epsilon}")
form = ui.settings_form(f"{KEY}.race", ui.settings(PerturbationRaceConfig), columns=2)
race = ui.config_or_stop(PerturbationRaceConfig, form.values)
if form.submitted:
    state.race, data = race, ui.cached_dataset("xor", n=200, seed=0)


def train(live):
    return run_perturbation_race(race, data, callbacks=live.callbacks, stop=live.stop)


def draw(frame):
    st.plotly_chart(loss_vs_forward_passes(frame.histories()), key=f"{KEY}.race.live")


job = ui.live_panel(f"{KEY}.race", start=form.submitted, train=train, draw=draw, unit="update")
results = job.result if job is not None and not job.running and job.result else {}
if results and state.race is not None:
    table = race_rows(results, state.race.budget)
    ui.table(table)
    best = min(table, key=lambda row: row["mean loss over the budget"])
    st.caption(f"Lowest mean loss over {state.race.budget} forward passes: **{best['method']}** "
               f"(L̄ = {best['mean loss over the budget']:.4f}).")
