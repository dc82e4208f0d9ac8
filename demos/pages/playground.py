"""Playground: TensorFlow Playground's network, trained live with the toolkit, and a bit more."""

import dataclasses
import itertools

import streamlit as st

from demos import ui
from toolkit.ffnn import playground as pg
from toolkit.ffnn.activations import ACTIVATIONS
from toolkit.ffnn.mlp import PLAYGROUND_FEATURES
from toolkit.viz import playground_figures

C = pg.PlaygroundConfig()  # the defaults, shared with the toolkit, the tests and the benchmark
PARAMS = {spec.name: spec for spec in (
    ui.Param("dataset", "choice", C.dataset, choices=pg.DATASETS, label="Dataset"),
    ui.Param("noise", int, C.noise, lo=0, hi=50, label="Noise (%)"),
    ui.Param("train", int, C.train_percent, lo=10, hi=90, step=10, label="Training data (%)"),
    ui.Param("points", int, C.points, lo=50, hi=2000, step=50, label="Points"),
    ui.Param("arms", int, C.arms, lo=2, hi=10, label="Spiral arms (spiral_k classes)"),
    ui.Param("batch", int, C.batch_size, lo=1, hi=2000, widget="number", label="Batch size"),
    ui.Param("seed", int, C.seed, lo=0, hi=99_999, widget="number", label="Seed",
             help="Seeds the points and the initial weights: a shared link starts identically."),
    ui.Param("features", "multi", C.features, choices=tuple(PLAYGROUND_FEATURES), label="Input features φ(x)"),
    ui.Param("hidden", str, ",".join(map(str, C.hidden)), max_length=40),
    ui.Param("lr", float, C.learning_rate, lo=pg.LEARNING_RATES[0], hi=pg.LEARNING_RATES[1],
             step=0.001, label="Learning rate"),
    ui.Param("activation", "choice", C.activation, choices=tuple(ACTIVATIONS), label="Activation"),
    ui.Param("optimizer", "choice", C.optimizer, choices=tuple(pg.OPTIMIZERS), label="Optimizer"),
    ui.Param("loss", "choice", C.loss, choices=tuple(dict.fromkeys(sum(pg.LOSSES.values(), ()))),
             label="Loss", help="auto: cross-entropy for classes, MSE for regression."),
    ui.Param("reg", "choice", C.regularization, choices=pg.REGULARIZATIONS, label="Regularization"),
    ui.Param("rate", float, C.regularization_rate, lo=0.0, hi=1.0, step=0.001, label="Regularization rate"),
    ui.Param("scratch", bool, C.from_scratch, widget="toggle", label="From scratch",
             help="On: the toolkit's layers, losses and optimizers. Off: the Keras built-ins."),
    ui.Param("epochs", int, 300, lo=1, hi=pg.MAX_EPOCHS_PER_CALL, widget="number", label="Epochs per Train"),
    ui.Param("test", bool, True, label="Show test data"),
    ui.Param("discretize", bool, False, label="Discretize output"),
)}
KEY = "playground"
charts = itertools.count()  # unique chart keys within one script run


def widget(name, spec=None, key=None):
    values[name] = ui.param_widget(spec or PARAMS[name], values[name], key=key or f"{KEY}.{name}")
    return values[name]


def parsed(name, parse):
    try:
        return parse(values[name])
    except ValueError as error:
        st.warning(f"URL parameter {error} Using {PARAMS[name].default}.")
        return parse(PARAMS[name].default)


def regenerate():
    st.session_state[f"{KEY}.seed"] = (st.session_state.get(f"{KEY}.seed", values["seed"]) + 1) % 100_000


st.title("Playground")
st.markdown(
    "TensorFlow Playground, rebuilt on the toolkit: pick the data, the input features φ(x) and "
    "the hidden layers, then train and watch every neuron learn. Beyond Playground: several "
    "classes with cross-entropy, your choice of loss and optimizer, accuracy and a confusion "
    "matrix, moons and k-arm spirals, toolkit layers ⇄ Keras built-ins, a downloadable run, and "
    "every setting in the URL, so a lesson can be shared as a link."
)
values, _ = ui.read_params(PARAMS.values())
bar = st.columns([1, 1, 1, 1.3, 1.4, 1.2], vertical_alignment="bottom")
train = bar[0].button("Train", type="primary", icon=":material/play_arrow:")
step = bar[1].button("Step", icon=":material/skip_next:", help="Train one epoch.")
reset = bar[2].button("Reset", icon=":material/restart_alt:", help="New network, same seed.")
bar[3].button("Regenerate", icon=":material/shuffle:", on_click=regenerate, help="New points and weights.")
with bar[4]:
    epochs = widget("epochs")
epoch_slot, pause_slot = bar[5].empty(), st.empty()

knobs = st.columns([1, 1, 1, 1, 1, 1, 1.2], vertical_alignment="bottom")
data_col, net_col, out_col = st.columns([1, 2.3, 2], gap="medium")
with data_col:  # filled first: the loss choices depend on the dataset's task
    st.subheader("Data")
    for name in ("dataset", "noise", "train", "points", "batch", "seed"):
        widget(name)
    if values["dataset"] == "spiral_k":
        widget("arms")
task = pg.PlaygroundConfig(dataset=values["dataset"]).task
if values["loss"] not in pg.LOSSES[task]:
    st.warning(f"Loss '{values['loss']}' does not apply to {task} data; using auto.")
    values["loss"] = "auto"
for cell, name in zip(knobs, ("lr", "activation", "optimizer", "loss", "reg", "rate", "scratch")):
    with cell:
        if name == "loss":  # one widget per task, offering that task's losses
            widget(name, dataclasses.replace(PARAMS[name], choices=pg.LOSSES[task]), key=f"{KEY}.loss.{task}")
        else:
            widget(name)
with net_col:
    st.subheader("Network")
    features = widget("features")
    start = parsed("hidden", pg.parse_layers)
    layers = st.number_input("Hidden layers", 0, pg.MAX_LAYERS, len(start), key=f"{KEY}.layers")
    cells = st.columns(max(1, layers))
    hidden = [cells[k].number_input(f"Layer {k + 1}", 0, pg.MAX_NEURONS, start[k] if k < len(start) else 4,
                                    key=f"{KEY}.neurons.{k}") for k in range(layers)]
    slots = {"network": st.empty(), "loss": st.empty()}
with out_col:
    st.subheader("Output")
    shown = st.columns(2)
    with shown[0]:
        widget("test")
    with shown[1]:
        widget("discretize")
    metrics_slot = st.empty()
    slots.update(output=st.empty(), status=st.empty(), confusion=st.empty())

values["hidden"] = ",".join(map(str, hidden))
ui.write_params(values, PARAMS.values())
config = pg.PlaygroundConfig(
    dataset=values["dataset"], noise=values["noise"], train_percent=values["train"],
    points=values["points"], arms=values["arms"], seed=values["seed"], features=tuple(features),
    hidden=tuple(hidden), activation=values["activation"], loss=values["loss"],
    optimizer=values["optimizer"], learning_rate=values["lr"], batch_size=values["batch"],
    regularization=values["reg"], regularization_rate=values["rate"], from_scratch=values["scratch"])
try:
    config.validated()
except ValueError as error:
    ui.show_error(error)
    st.stop()

session = st.session_state.get(f"{KEY}.session")
if reset or session is None or session.config.structure() != config.structure():
    session = st.session_state[f"{KEY}.session"] = pg.PlaygroundSession(config)
session.set_training(config.learning_rate, config.batch_size)
data = session.data


def draw(snap):
    """Every live figure of the page, from one ``Snapshot``."""
    epoch_slot.metric("Epoch", f"{snap.epoch:,}")
    parts = [f"train loss **{snap.train_loss:.4f}**", f"test loss **{snap.test_loss:.4f}**"]
    if snap.test_accuracy is not None:
        parts += [f"train accuracy **{snap.train_accuracy:.1%}**", f"test accuracy **{snap.test_accuracy:.1%}**"]
    metrics_slot.markdown(" · ".join(parts) if snap.epoch else "Not trained yet: press **Train** or **Step**.")
    figures = playground_figures(snap, data, session.run.history, show_test=values["test"],
                                 discretize=values["discretize"])
    for name, figure in figures.items():
        slots[name].plotly_chart(figure, key=f"{KEY}.{name}.{next(charts)}")


if train or step:
    pause_slot.button("Pause", icon=":material/pause:", help="Stops after the current chunk of epochs.")
    try:
        session.train(1 if step else epochs, on_refresh=draw)
    except Exception as error:  # a click (Pause) reruns the script: not an Exception, passes through
        ui.show_error(error, doing="training")
    pause_slot.empty()
draw(session.snapshot())
run = session.run
if run.status == "diverged":
    slots["status"].error(run.message)
elif run.epochs_done:
    with slots["status"].container():
        st.caption(f"{run.message} {run.epochs_done} epochs in all, {run.epochs_per_second:.0f} epochs/s.")
        ui.download_bundle_button(run, *(session.bundle_data() or ()), key=f"{KEY}.bundle")
