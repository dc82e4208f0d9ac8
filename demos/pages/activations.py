"""Activations & losses: derivative shapes, dying ReLU live, robust losses, universal approximation."""

import itertools

import numpy as np
import streamlit as st

from demos import ui
from toolkit.ffnn import ACTIVATIONS, TARGET_FUNCTIONS, depth_vs_width, error_vs_width
from toolkit.ffnn.activations import activation_values
from toolkit.ffnn.dying_relu import watch_dead_units
from toolkit.ffnn.outliers import compare_losses, outlier_data
from toolkit.viz import (
    activation_plot, approximation_plot, dead_units_plot, depth_vs_width_plot, error_vs_width_plot,
    line_fits_plot, residual_plots,
)

KEY = "activations"
charts = itertools.count()  # unique chart keys within one script run
PARAMS = {spec.name: spec for spec in (
    ui.Param("alpha", float, 0.2, lo=0.0, hi=1.0, step=0.05, widget="slider", label="Leaky ReLU slope α"),
    ui.Param("elu", float, 1.0, lo=0.1, hi=3.0, step=0.1, widget="slider", label="ELU α"),
    ui.Param("beta", float, 1.0, lo=0.1, hi=5.0, step=0.1, widget="slider", label="Swish β"),
    ui.Param("lr", float, 1.0, lo=1e-3, hi=10.0, label="Learning rate (SGD)",
             help="Large steps push biases far negative: ReLU units then never fire again."),
    ui.Param("epochs", int, 40, lo=1, hi=500, label="Epochs", widget="number"),
    ui.Param("outliers", int, 15, lo=0, hi=40, label="Outliers (%)"),
    ui.Param("delta", float, 1.0, lo=0.1, hi=5.0, step=0.1, widget="slider", label="Huber δ"),
    ui.Param("fn", "choice", "sin", choices=tuple(TARGET_FUNCTIONS), label="Target function f"),
    ui.Param("budget", int, 300, lo=40, hi=700, step=20, label="Parameter budget (depth vs width)"),
    ui.Param("fit_epochs", int, 400, lo=10, hi=3000, widget="number", label="Full-batch epochs"),
)}


def widget(name):
    values[name] = ui.param_widget(PARAMS[name], values[name], key=f"{KEY}.{name}")
    return values[name]


def saved(name, compute=None):
    """The last result of a section, recomputed when ``compute`` is given (a button was pressed)."""
    if compute is not None:
        try:
            st.session_state[f"{KEY}.{name}"] = compute()
        except ValueError as error:
            ui.show_error(error)
    return st.session_state.get(f"{KEY}.{name}")


st.title("Activations & losses")
st.markdown(
    "The modelling choices of chapter 1, one experiment each: the activation h(z) and its "
    "derivative, ReLU units dying at a high learning rate, how MSE, MAE and Huber treat "
    "outliers, and Cybenko's theorem measured (error against width, depth against width)."
)
values, _ = ui.read_params(PARAMS.values())
shapes, dying, losses, approximation = st.tabs(
    ["Activations", "Dying ReLU", "Losses and outliers", "Universal approximation"])

with shapes:
    st.markdown("**What matters most is the shape of the derivatives**: backpropagation multiplies "
                "the error by h'(z) at every layer, so where h' is ≈ 0 (saturated sigmoid and tanh, "
                "ReLU for z < 0) the signal and the learning stop.")
    names = st.multiselect("Activations", list(ACTIVATIONS), default=list(ACTIVATIONS), key=f"{KEY}.names")
    left, middle, right = st.columns(3)
    with left:
        widget("alpha")
    with middle:
        widget("elu")
    with right:
        widget("beta")
    if names:
        z = np.linspace(-5.0, 5.0, 401)
        st.plotly_chart(activation_plot(z, activation_values(
            names, z, leaky_alpha=values["alpha"], elu_alpha=values["elu"], swish_beta=values["beta"])))
    else:
        st.info("Pick at least one activation to plot.")

with dying:
    st.markdown("A [16, 16, 16] network on the spiral, trained with plain SGD; ReLU and leaky ReLU "
                "start from the same weights. A unit is **dead** when z ≤ 0 for every training "
                "point: a ReLU unit then gets zero gradient, so its own weights never change again "
                "(only a change in the layers before it can wake it up; in the first layer, never). "
                "Leaky ReLU keeps a slope α there, so its units keep learning and come back.")
    left, right = st.columns(2)
    with left:
        widget("lr")
    with right:
        widget("epochs")
    train = st.button("Train", type="primary", icon=":material/play_arrow:", key=f"{KEY}.train")
    slot = st.empty()

    def draw(results):
        slot.plotly_chart(dead_units_plot({name: (r.epochs, r.overall, r.loss) for name, r in results.items()}),
                          key=f"{KEY}.dead.{next(charts)}")

    result = saved("dead", (lambda: watch_dead_units(learning_rate=values["lr"], epochs=values["epochs"],
                                                     on_update=draw)) if train else None)
    if result:
        draw(result)
        st.caption(" · ".join(f"{name}: {r.overall[-1]:.0%} of the hidden units dead after "
                              f"{r.epochs[-1]} epochs" for name, r in result.items()))

with losses:
    st.markdown("A straight line ŷ = wx + b fitted three times to the same points, some of them "
                "outliers. **MSE** squares the errors, so the outliers drag its line; **MAE** weighs "
                "every point alike; **Huber** is MSE within δ of the line and MAE beyond.")
    left, right = st.columns(2)
    with left:
        widget("outliers")
    with right:
        widget("delta")
    x, y, is_outlier = outlier_data(outliers=values["outliers"] / 100)
    stored = saved("fits", (lambda: (values["outliers"], values["delta"], compare_losses(x, y, delta=values["delta"])))
                   if st.button("Fit the three lines", icon=":material/show_chart:", key=f"{KEY}.fit") else None)
    if stored and stored[0] == values["outliers"]:  # the same points (they depend on the outlier share only)
        fits = stored[2]
        st.plotly_chart(line_fits_plot(x, y, is_outlier, {k: (f.slope, f.intercept) for k, f in fits.items()},
                                       title=f"The line each loss fits (true line ŷ = 0.80x + 0.50, δ = {stored[1]:g})"))
        st.plotly_chart(residual_plots(x, {k: f.residuals for k, f in fits.items()}, is_outlier))
    else:
        st.plotly_chart(line_fits_plot(x, y, is_outlier, {"true line": (0.8, 0.5)}, title="The data"))

with approximation:
    st.markdown("**Cybenko's theorem**: one hidden layer with a linear output approximates any "
                "continuous function on an interval, *given enough units*, and says nothing about how "
                "many. Here we count them, then compare networks of equal parameter count and "
                "different depths. Every network of a run trains at once, in one compiled loop.")
    left, middle, right = st.columns(3)
    with left:
        widget("fn")
    with middle:
        widget("budget")
    with right:
        widget("fit_epochs")
    run = st.button("Fit the networks", icon=":material/functions:", key=f"{KEY}.approximate")
    result = saved("approximation", (lambda: (
        error_vs_width((1, 2, 4, 8, 16, 32), fn=values["fn"], epochs=values["fit_epochs"], batch_size=256,
                       learning_rate=0.05),
        depth_vs_width(values["budget"], fn=values["fn"], epochs=values["fit_epochs"], batch_size=256,
                       learning_rate=0.02)))
        if run else None)
    if result:
        widths, depths = result
        fits = widths["fits"]
        st.plotly_chart(approximation_plot(fits[0].x, fits[0].y, {f"w = {f.hidden[0]}": f.y_hat for f in fits},
                                           title=f"f = {fits[0].function} and one-hidden-layer networks"))
        st.plotly_chart(error_vs_width_plot(widths["width"], widths["mse"], widths["max_error"]))
        st.plotly_chart(depth_vs_width_plot(depths["depth"], depths["width"], depths["params"], depths["mse"]))

ui.write_params(values, PARAMS.values())
