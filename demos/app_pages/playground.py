"""Playground: TensorFlow Playground's network, trained live with the toolkit, and a bit more."""

import dataclasses

import streamlit as st

from demos import ui
from toolkit.ffnn import playground as pg
from toolkit.viz import playground_figures

KEY = "playground"
# Config field -> the shorter URL name this page has always used, so old links still load
URL = {"train_percent": "train", "batch_size": "batch", "learning_rate": "lr", "regularization": "reg",
       "regularization_rate": "rate", "from_scratch": "scratch"}
FIELD = {url: field for field, url in URL.items()}
SPECS = {spec.name: spec for spec in (
    *(dataclasses.replace(s, name=URL.get(s.name, s.name)) for s in ui.settings(pg.PlaygroundConfig)),
    ui.Param("test", bool, True, label="Show test data"),  # display only: no toolkit function reads them
    ui.Param("discretize", bool, False, label="Discretize output"),
)}


@dataclasses.dataclass
class PageState:
    session: pg.PlaygroundSession | None = None  # one network across Train, Step and Pause


def widget(name, spec=None, key=None, formula=True):
    values[name] = ui.param_widget(spec or SPECS[name], values[name], key=key or f"{KEY}.{name}", formula=formula)
    return values[name]


def regenerate():
    st.session_state[f"{KEY}.seed"] = (st.session_state.get(f"{KEY}.seed", 0) + 1) % 100_000


st.title("Playground")
st.markdown(
    "TensorFlow Playground, rebuilt on the toolkit: pick the data, the input features φ(x) and "
    "the hidden layers, then train and watch every neuron learn. Beyond Playground: several "
    "classes with cross-entropy, a generic φ (Gaussian bumps of the RBF kernel, the rbf(·) features: alone "
    "they make XOR linearly separable), your choice of loss and optimizer, accuracy and a confusion "
    "matrix, moons and k-arm spirals, toolkit layers ⇄ Keras built-ins, a downloadable run, and "
    "every setting in the URL, so a lesson can be shared as a link."
)
st.latex(r"a^{(0)} = \varphi(x),\quad a^{(l)} = h\big(W^{(l)\top} a^{(l-1)} + b^{(l)}\big) \qquad "
         r"J = L(\hat y, y) + \lambda \textstyle\sum |w| \;\text{(L1)} \;\text{or}\; \lambda \sum w^2 \;\text{(L2)}")
values = dict(ui.read_params(SPECS.values()).values)
state = ui.page_state(KEY, PageState)
bar = st.columns([1, 1, 1, 1.3, 1.6], vertical_alignment="bottom")
train = bar[0].button("Train", type="primary", icon=":material/play_arrow:")
step = bar[1].button("Step", icon=":material/skip_next:", help="Train one epoch.")
reset = bar[2].button("Reset", icon=":material/restart_alt:", help="New network, same seed.")
bar[3].button("Regenerate", icon=":material/shuffle:", on_click=regenerate, help="New points and weights.")
with bar[4]:
    widget("epochs")
knobs = st.columns([1, 1, 1, 1, 1, 1, 1.2], vertical_alignment="bottom")
formula_row = st.container()  # filled once the knobs are read
data_col, net_col = st.columns([1, 4.5], gap="medium")  # the figures go under the network's controls
with data_col:  # filled first: the loss choices depend on the dataset's task
    st.subheader("Data")
    for name in ("dataset", "noise", "train", "points", "batch", "seed", "test", "discretize"):
        widget(name, formula=name != "batch")  # ĝ for the batch size is in the formulas row
    if values["dataset"] == "spiral_k":
        widget("arms")
task = pg.PlaygroundConfig(dataset=values["dataset"]).task
if values["loss"] not in pg.LOSSES[task]:
    st.warning(f"Loss '{values['loss']}' does not apply to {task} data; using auto.")
    values["loss"] = "auto"
for cell, name in zip(knobs, ("lr", "activation", "optimizer", "loss", "reg", "rate", "scratch")):
    with cell:  # the loss widget offers the losses of the dataset's task
        widget(name, *((dataclasses.replace(SPECS[name], choices=pg.LOSSES[task]), f"{KEY}.loss.{task}")
                       if name == "loss" else ()), formula=False)
# what the knobs above change, in a row wide enough for the formulas (the narrow columns cut them)
widths = {"optimizer": 2.2, "activation": 1.4, "loss": 1.0, "reg": 1.3, "batch": 2.2}  # Adam's rule and ĝ are the widest
formulas = {name: SPECS[name].formula_for(values[name]) for name in widths}
formulas = {name: formula for name, formula in formulas.items() if formula}
for cell, formula in zip(formula_row.columns([widths[name] for name in formulas]), formulas.values()):
    cell.latex(formula)
with net_col:
    st.subheader("Network")
    widget("features")
    try:
        start = pg.parse_layers(values["hidden"])
    except ValueError as error:
        st.warning(f"URL parameter {error} Using {SPECS['hidden'].default}.")
        start = pg.parse_layers(SPECS["hidden"].default)
    layers = st.number_input("Hidden layers", 0, pg.MAX_LAYERS, len(start), key=f"{KEY}.layers")
    cells = st.columns(max(1, layers))
    values["hidden"] = ",".join(str(cells[k].number_input(
        f"Layer {k + 1}", 0, pg.MAX_NEURONS, start[k] if k < len(start) else 4, key=f"{KEY}.neurons.{k}"))
        for k in range(layers))
ui.write_params(values, SPECS.values())
try:
    config = pg.PlaygroundConfig(**{FIELD.get(name, name): value for name, value in values.items()
                                    if name not in ("test", "discretize")})
except ValueError as error:
    ui.show_error(error)
    st.stop()

session = state.session
if reset or session is None or session.config.structure() != config.structure():
    session = state.session = pg.PlaygroundSession(config, prepare=True)  # traces the loop before a click
session.set_training(config.learning_rate, config.batch_size)
epochs = 1 if step else config.epochs


def train_network(live):
    """The training thread: one session, the panel's callbacks, a snapshot for every frame."""
    live.watch(lambda run: {"snapshot": session.snapshot()})
    live.publish(snapshot=session.snapshot(), session=session)
    return session.train(epochs, callbacks=live.callbacks, stop=live.stop)


def show(snap, history):
    """Every figure and number of the network from ONE snapshot, so all show one epoch."""
    left, right = st.columns([2.3, 2], gap="medium")
    right.metric("Epoch", f"{snap.epoch:,}", border=True)
    parts = [f"train loss **{snap.train_loss:.4f}**", f"test loss **{snap.test_loss:.4f}**"]
    if snap.test_accuracy is not None:
        parts += [f"train accuracy **{snap.train_accuracy:.1%}**", f"test accuracy **{snap.test_accuracy:.1%}**"]
    right.markdown(" · ".join(parts) if snap.epoch else "Not trained yet: press **Train** or **Step**.")
    hint = session.hint()  # why a finished run did not learn, from its own numbers
    if hint:
        right.markdown(f":orange[:material/trending_flat: **Why.**] {hint}")
    figures = playground_figures(snap, session.data, history, show_test=values["test"],
                                 discretize=values["discretize"])
    for name, column in (("network", left), ("loss", left), ("output", right), ("confusion", right)):
        if name in figures:
            column.plotly_chart(figures[name], key=f"{KEY}.fig.{name}")


def draw(frame):
    if frame.extras.get("session") is session and frame.current is not None:
        show(frame.extras["snapshot"], frame.current.history)
    else:  # the run of a network replaced since (Reset, new data or layers): draw the new one
        show(session.snapshot(), session.run.history)


with net_col:
    job = ui.live_panel(KEY, start=train or step, train=train_network, draw=draw, stop_label="Pause", refresh=0.5,
                        draw_early=True)
    if job is not None and job.running and job.frame.extras.get("session", session) is not session:
        job.request_stop("you changed the data or the network")
    if job is None:  # else the panel drew them (draw_early: before the first epoch too)
        show(session.snapshot(), session.run.history)
    if session.run.epochs_done and not session.training:
        ui.download_bundle_button(session.run, *(session.bundle_data() or ()), key=f"{KEY}.bundle")
