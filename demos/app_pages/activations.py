"""Activations & losses: derivative shapes, dying ReLU live, robust losses, universal approximation."""

import dataclasses

import numpy as np
import streamlit as st

from demos import ui
from toolkit.ffnn import (
    ActivationsConfig, ApproximationConfig, DeadUnitMonitor, DyingReluConfig, OutliersConfig,
    run_approximation, run_dying_relu, run_line_fits,
)
from toolkit.viz import (
    activation_plot, approximation_plot, dead_units_plot, depth_vs_width_plot, error_vs_width_plot,
    learning_curves, line_fits_plot, residual_plots,
)

KEY = "activations"
SHAPES = ui.settings(ActivationsConfig)


@dataclasses.dataclass
class PageState:
    lines: OutliersConfig | None = None  # the settings of the fitted lines on screen


def settings_form(name, config_class, label):
    """The form of one experiment (its own submit button, URL values and link tools) and its config."""
    form = ui.settings_form(f"{KEY}.{name}", ui.settings(config_class), submit_label=label, columns=3)
    try:
        return form, config_class(**form.values)
    except ValueError as error:
        ui.show_error(error)
        st.stop()


st.title("Activations & losses")
st.markdown(
    "The modelling choices of chapter 1, one experiment each: the activation h(z) and its "
    "derivative, ReLU units dying at a high learning rate, how MSE, MAE and Huber treat "
    "outliers, and Cybenko's theorem measured (error against width, depth against width)."
)
state = ui.page_state(KEY, PageState)
shapes, dying, losses, approximation = st.tabs(
    ["Activations", "Dying ReLU", "Losses and outliers", "Universal approximation"])

with shapes:
    st.markdown("**What matters most is the shape of the derivatives**: backpropagation multiplies "
                "the error by h'(z) at every layer, so where h' is ≈ 0 (saturated sigmoid and tanh, "
                "ReLU for z < 0) the signal and the learning stop.")
    query = ui.read_params(SHAPES)
    values = {"names": ui.param_widget(SHAPES[0], query.values["names"], key=f"{KEY}.names")}
    for cell, spec in zip(st.columns(3), SHAPES[1:]):
        with cell:
            values[spec.name] = ui.param_widget(spec, query.values[spec.name], key=f"{KEY}.{spec.name}")
    ui.write_params(values, SHAPES)
    shape = ActivationsConfig(**values)
    if shape.names:
        st.latex(shape.latex())
        z = np.linspace(-5.0, 5.0, 401)
        st.plotly_chart(activation_plot(z, shape.curves(z)), key=f"{KEY}.fig.shapes")
    else:
        st.info("Pick at least one activation to plot.")

with dying:
    st.markdown("A [16, 16, 16] network on the circle, trained with plain SGD at a high learning "
                "rate; ReLU, leaky ReLU and ELU start from the same weights and batches. A unit is "
                "**dead** when z ≤ 0 for every training point: a ReLU unit then gets zero gradient, "
                "so its own weights never change again (only a change in the layers before it can "
                "wake it up; in the first layer, never). Leaky ReLU and ELU keep a slope for z < 0, "
                "so their units keep learning and come back: far fewer end dead.")
    st.latex(r"j \text{ dead} \iff z_j^{(l)}(x_i) = \sum_k w_{jk}^{(l)} a_k^{(l-1)}(x_i) + b_j^{(l)} \le 0"
             r"\;\; \forall i \qquad \text{for } z < 0:\; \mathrm{ReLU}'(z) = 0,\; g'(z, \alpha) = \alpha,"
             r"\; \mathrm{ELU}'(z) = \alpha e^{z}")
    form, config = settings_form("dying", DyingReluConfig, "Train")

    def train_dying(live):
        data = config.data()
        monitor = DeadUnitMonitor(data.x_train)
        live.watch(monitor.curves)  # the dead-unit counts, measured in the training thread
        return run_dying_relu(config, data, monitor=monitor, callbacks=live.callbacks, stop=live.stop)

    def draw_dying(frame):
        if frame.extras.get("dead_units"):
            st.plotly_chart(dead_units_plot(frame.extras["dead_units"]), key=f"{KEY}.dying.live")

    records = ui.finished(ui.live_panel(f"{KEY}.dying", start=form.submitted, train=train_dying, draw=draw_dying))
    if records:
        st.caption(" · ".join(f"{name}: {r.overall[-1]:.0%} of the hidden units dead after "
                              f"{r.epochs[-1]} epochs" for name, r in records.items()))

with losses:
    st.markdown("A straight line ŷ = wx + b fitted three times to the same points, some of them "
                "outliers. **MSE** squares the errors, so the outliers drag its line; **MAE** weighs "
                "every point alike; **Huber** is MSE within δ of the line and MAE beyond.")
    st.latex(r"e_i = \hat y_i - y_i \qquad \mathrm{MSE} = \frac{1}{n}\sum_i e_i^2 \qquad "
             r"\mathrm{MAE} = \frac{1}{n}\sum_i |e_i| \qquad \mathrm{Huber}_\delta(e) = "
             r"\begin{cases} e^2/2 & |e| \le \delta \\ \delta |e| - \delta^2/2 & \text{otherwise} \end{cases}")
    form, lines = settings_form("lines", OutliersConfig, "Fit the three lines")
    if form.submitted:
        state.lines = lines
    points = lines.data()
    fits = ui.finished(ui.live_panel(f"{KEY}.lines", start=form.submitted, train=lambda live: run_line_fits(
        lines, points, callbacks=live.callbacks, stop=live.stop)))
    if fits and state.lines is not None:
        x, y, is_outlier = state.lines.data()
        st.plotly_chart(line_fits_plot(x, y, is_outlier, {k: (f.slope, f.intercept) for k, f in fits.items()},
                                       title=f"The line each loss fits (true line ŷ = 0.80x + 0.50, "
                                             f"δ = {state.lines.delta:g})"), key=f"{KEY}.fig.lines")
        st.plotly_chart(residual_plots(x, {k: f.residuals for k, f in fits.items()}, is_outlier),
                        key=f"{KEY}.fig.residuals")
    else:
        st.plotly_chart(line_fits_plot(*points, {"true line": (0.8, 0.5)}, title="The data"),
                        key=f"{KEY}.fig.data")

with approximation:
    st.markdown("**Cybenko's theorem**: one hidden layer with a linear output approximates any "
                "continuous function on an interval, *given enough units*, and says nothing about how "
                "many. Here we count them, then compare networks of equal parameter count and "
                "different depths. Every network of a run trains at once, in one compiled loop.")
    st.latex(r"f_w(x) = \sum_{j=1}^{w} v_j\, h(a_j x + c_j) + d \qquad "
             r"\mathrm{MSE}(w) = \frac{1}{n}\sum_i \big(f_w(x_i) - f(x_i)\big)^2")
    form, approx = settings_form("fit", ApproximationConfig, "Fit the networks")

    def draw_fit(frame):
        st.plotly_chart(learning_curves(frame.histories(), "loss", log_y=True, title=(
            f"J = Σ MSE of the networks trained together, epoch {frame.epoch}")), key=f"{KEY}.fit.live")

    result = ui.finished(ui.live_panel(f"{KEY}.fit", start=form.submitted, draw=draw_fit, train=lambda live: (
        run_approximation(approx, callbacks=live.callbacks, stop=live.stop))))
    if result:
        widths, fits = result["widths"], result["widths"]["fits"]
        st.plotly_chart(approximation_plot(fits[0].x, fits[0].y, {f"w = {f.hidden[0]}": f.y_hat for f in fits},
                                           title=f"f = {fits[0].function} and one-hidden-layer networks"),
                        key=f"{KEY}.fig.approximation")
        st.plotly_chart(error_vs_width_plot(widths["width"], widths["mse"], widths["max_error"]),
                        key=f"{KEY}.fig.widths")
        if "depths" in result:
            depths = result["depths"]
            st.plotly_chart(depth_vs_width_plot(depths["depth"], depths["width"], depths["params"], depths["mse"]),
                            key=f"{KEY}.fig.depths")
