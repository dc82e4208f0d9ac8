"""The projector theme (issue 14, item 5): every figure builder of `toolkit.viz`, fed the
sizes the pages use, gives fonts of at least 14 px, a legend above the plot area, titles and
subplot titles that fit their width without overlapping, and one colour per run."""

import numpy as np
import plotly.graph_objects as go
import pytest

from toolkit import viz
from toolkit.cnn import apply_kernel, classic_kernel, convolution_steps, pool2d
from toolkit.viz import theme

RNG = np.random.default_rng(0)
PAGE, HALF = 940, 460  # px a figure gets at a 1400 px page: the main column, half of it
HISTORIES = {
    "none": {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.9], "accuracy": [0.5, 0.7, 0.9],
             "val_accuracy": [0.5, 0.6, 0.6]},
    "batch": {"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.7, 0.6], "accuracy": [0.6, 0.8, 0.9],
              "val_accuracy": [0.6, 0.7, 0.8]},
    "layer": {"loss": [0.8, 0.5, 0.2], "val_loss": [0.9, 0.6, 0.5], "accuracy": [0.6, 0.8, 0.95],
              "val_accuracy": [0.6, 0.7, 0.8]},
}


def _ffnn():
    x = np.linspace(-1, 1, 20)
    return {
        "activation_plot": (viz.activation_plot(x, {n: (np.tanh(x), 1 - np.tanh(x) ** 2) for n in
                                                    ("sigmoid", "tanh", "relu", "leaky relu", "elu")}), PAGE),
        "dead_units_plot": (viz.dead_units_plot({n: ([0, 1, 2], [0, 0.2, 0.4], [0.9, 0.7, 0.6])
                                                 for n in ("relu", "leaky relu", "elu")}), PAGE),
        "line_fits_plot": (viz.line_fits_plot(x, 2 * x, x > 0.7, {"MSE": (2, 0), "MAE": (1.9, 0.1),
                                                                  "Huber": (1.95, 0)}), PAGE),
        "residual_plots": (viz.residual_plots(x, {"MSE": x, "MAE": x, "Huber": x}, x > 0.7), PAGE),
        "approximation_plot": (viz.approximation_plot(x, x ** 2, {f"w = {w}": x ** 2 for w in (2, 4, 8, 16, 32)}),
                               PAGE),
        "error_vs_width_plot": (viz.error_vs_width_plot([2, 4, 8], [0.1, 0.01, 0.001], [0.5, 0.2, 0.1]), PAGE),
        "depth_vs_width_plot": (viz.depth_vs_width_plot([1, 2, 4], [100, 15, 8], [301, 286, 280],
                                                        [0.01, 0.002, 0.003]), PAGE),
        "loss_vs_forward_passes": (viz.loss_vs_forward_passes(
            {name: {"forward_passes": np.arange(1, 5), "loss": [0.7, 0.5, 0.4, 0.3]}
             for name in ("backprop", "weight_perturbation", "node_perturbation", "all_weights")}), PAGE),
        "network_diagram": (viz.network_diagram(  # Playground's default: 7 features, 3 hidden layers of 8
            [RNG.normal(size=(7, 8)), RNG.normal(size=(8, 8)), RNG.normal(size=(8, 8)), RNG.normal(size=(8, 1))],
            [RNG.uniform(-1, 1, (n, 10, 10)) for n in (7, 8, 8, 8, 1)],
            layer_names=["features", "hidden 1", "hidden 2", "hidden 3", "output"],
            node_names=[["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"], *[[f"h{j}" for j in range(8)]] * 3,
                        ["P(class 1)"]],
            title="Neurons over the plane · links: blue > 0, orange < 0"), 390),
        "backprop_diagram": (viz.network_diagram(
            [RNG.normal(size=(2, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(2, 1))],
            layer_names=["input", "hidden 1", "hidden 2", "output"],
            node_names=[["x1", "x2"], ["a1", "a2", "a3"], ["b1", "b2"], ["ŷ"]], gap=4.0, vgap=1.3,
            node_values=[RNG.uniform(-1, 1, n) for n in (2, 3, 2, 1)],
            node_text=[[f"∂L/∂a {v:+.3f}" for v in RNG.normal(size=n)] for n in (2, 3, 2, 1)],
            link_text=[np.vectorize(lambda v: f"{v:+.3f}")(RNG.normal(size=s)) for s in ((2, 3), (3, 2), (2, 1))],
            title="Backward: ∂L/∂a on the neurons, ∂L/∂w on the links", height=460), 700),
    }


def _cnn():
    glyph = RNG.uniform(size=(28, 28))
    names = ("edge (Laplacian)", "vertical edges (Sobel x)", "horizontal edges (Sobel y)", "blur (Gaussian)",
             "sharpen")
    return {
        "convolution_animation": (viz.convolution_animation(convolution_steps(
            np.round(RNG.uniform(size=(7, 7)), 1), classic_kernel("edge (Laplacian)"), stride=1, padding=1)), PAGE),
        "kernel_gallery": (viz.kernel_gallery(glyph, {n: (classic_kernel(n), apply_kernel(glyph, classic_kernel(n)))
                                                      for n in names}), PAGE),
        "pooling_comparison": (viz.pooling_comparison(glyph, {"max 2×2": pool2d(glyph, 2, mode="max"),
                                                              "average 2×2": pool2d(glyph, 2, mode="average")}), PAGE),
        "feature_map_grid": (viz.feature_map_grid({"conv2d": RNG.random((28, 28, 16)), "conv2d_1": RNG.random((14, 14, 32)),
                                                   "conv2d_2": RNG.random((7, 7, 64))}), 780),
        "filter_grid": (viz.filter_grid(RNG.normal(size=(3, 3, 1, 16))), PAGE),
        "confusion_matrix": (viz.confusion_matrix(RNG.integers(0, 10, 200), RNG.integers(0, 10, 200),
                                                  class_names=[f"glyph {k}" for k in range(10)]), HALF),
        "image_grid": (viz.image_grid(RNG.random((20, 8, 8)), np.arange(20) % 10, cols=10), HALF),
        "labelled_grid": (viz.labelled_grid(RNG.random((6, 8, 8, 3)), ["a red", "a blue"], ["circle", "square", "star"]),
                          HALF),
    }


def _optimization():
    xs, ys = np.linspace(-2, 2, 21), np.linspace(-1, 3, 11)
    zs = (1 - xs[None]) ** 2 + 10 * (ys[:, None] - xs[None] ** 2) ** 2
    paths = {n: np.column_stack([np.linspace(-1.5, 1, 9), np.linspace(2, 1, 9)])
             for n in ("SGD", "Momentum", "Nesterov", "Adagrad", "RMSProp", "Adam")}
    seconds = {run: np.cumsum([0.5, 0.5, 0.5]) for run in HISTORIES}
    records = {run: {e: {f"hidden layer {k}": RNG.normal(0, 1 + e, 200) for k in (1, 2, 3)} for e in range(0, 10, 2)}
               for run in ("none", "batch")}
    probe = RNG.normal(size=(32, 2))
    return {
        "learning_curves": (viz.learning_curves(HISTORIES, "loss", title="Loss, epoch 3 of 10 (train dashed, "
                                                "test solid)"), PAGE),
        "loss_vs_time": (viz.loss_vs_time(HISTORIES, seconds), PAGE),
        "gradient_variance_plot": (viz.gradient_variance_plot([1, 8, 64], [1.0, 0.1, 0.01], [1.0, 0.12, 0.015],
                                                              marks={"stochastic": 1, "minibatch": 8}), PAGE),
        "learning_rate_histogram": (viz.learning_rate_histogram({n: RNG.uniform(1e-4, 1e-2, 100)
                                                                 for n in ("Adagrad", "RMSProp", "Adam")}), PAGE),
        "trajectory_contour": (viz.trajectory_contour(xs, ys, zs, paths, minima=[(1, 1)], start=(-1.5, 2)), PAGE),
        "loss_per_step": (viz.loss_per_step({n: np.linspace(3, 1, 9) for n in paths}), HALF),
        "preactivation_histograms": (viz.preactivation_histograms(records, saturation=((-np.inf, -4), (4, np.inf))),
                                     PAGE),
        "moving_statistics": (viz.moving_statistics(RNG.random((11, 2)), RNG.random((11, 2)), RNG.random((10, 2)),
                                                    RNG.random((10, 2)), [0.5, 0.5], [0.2, 0.3]), PAGE),
        "mode_outputs": (viz.mode_outputs(probe, probe, probe, probe), PAGE),
        "normalization_cubes": (viz.normalization_cubes({n: RNG.random((4, 3, 6)) > 0.5 for n in
                                                         ("batch norm", "layer norm", "instance norm", "group norm")}),
                                PAGE),
    }


def _regularization():
    grid = np.linspace(-2, 2, 21)
    probs = RNG.random((9, 9))
    points = RNG.uniform(-2, 2, (40, 2))
    labels = (points[:, 0] > 0).astype(int)
    stops = {"batch": {"stopped_at": 2, "restored": 1}}
    weights = {run: RNG.normal(size=300) for run in HISTORIES}
    return {
        "mark_early_stopping": (viz.mark_early_stopping(viz.learning_curves(HISTORIES), HISTORIES, stops), HALF),
        "generalization_gap": (viz.generalization_gap(HISTORIES, stops=stops), HALF),
        "weight_histogram": (viz.weight_histogram(weights, title="Kernel weights per variant"), PAGE),
        "weight_magnitudes": (viz.weight_magnitudes(weights), PAGE),
        "decision_boundary": (viz.decision_boundary(probs, points, labels, points, labels, extent=(-2, 2, -2, 2),
                                                    classes=["arm from angle pi (-1)", "arm from angle 0 (+1)"]), 360),
        "dataset_scatter": (viz.dataset_scatter(points, labels, extent=(-2, 2, -2, 2)), PAGE),
        "ensemble_votes": (viz.ensemble_votes(RNG.random((5, 40)) > 0.3, RNG.random(40) > 0.2), PAGE),
        "penalty_balance": (viz.penalty_balance(grid, grid, grid[None] ** 2 + grid[:, None] ** 2, (1.0, 0.5), {
            kind: {"w": w, "radius": 0.6, "error_pull": (0.1, 0.1), "penalty_pull": (-0.1, 0.0), "level": 0.5}
            for kind, w in (("L1", (0.6, 0.0)), ("L2", (0.5, 0.3)))}, lam=1.2,
            path={"L1": np.zeros((3, 2)), "L2": np.zeros((3, 2))}), PAGE),
    }


def _generative():
    history = {"epoch": [0, 1, 2], "fid": [50, 20, 9], "inception_score": [1, 3, 5], "classes_covered": [0, 6, 10]}
    gan = {"d_loss": [0.7, 0.6, 0.65], "g_loss": [0.8, 0.9, 0.85]}
    axis = np.linspace(-2, 2, 10)
    images = RNG.random((8, 8, 8, 1))
    return {
        "gan_lab_figure": (viz.gan_lab_figure(RNG.normal(size=(30, 2)), RNG.normal(size=(20, 2)), axis, axis,
                                              RNG.random((10, 10))), PAGE),
        "step_curves": (viz.step_curves({"D loss": [1.0, 0.5], "G loss": [2.0, 1.0]}), PAGE),
        "adversarial_losses": (viz.gan.adversarial_losses({"minimax": gan, "non-saturating": gan, "wgan-gp": gan}),
                               PAGE),
        "image_columns": (viz.image_columns({"input": images, "reconstruction": images}), HALF),
        "growth_schedule": (viz.growth_schedule({"epoch": [0, 1, 2, 3, 4], "resolution": [7, 7, 14, 14, 28],
                                                 "alpha": [1.0, 1.0, 0.5, 1.0, 0.5]}, 2.5), HALF),
        "drag_figure": (viz.drag_figure(RNG.random((28, 28)), (5, 6), (9, 6), path=[[5, 6], [7, 6]],
                                        clickable=True), HALF),
        "evaluation_curves": (viz.evaluation_curves({"dcgan": history, "wgan-gp": history}), PAGE),
        "latent_scatter": (viz.latent_scatter(RNG.normal(size=(30, 2)), np.arange(30) % 10), HALF),
        "latent_manifold": (viz.latent_manifold(RNG.random((9, 8, 8, 1)), np.array([-1.0, 0.0, 1.0])), HALF),
        "codebook_usage": (viz.codebook_usage([5, 0, 3, 0, 7, 1]), HALF),
        "beta_tradeoff": (viz.beta_tradeoff([{"beta": 1, "kl": 20.0, "reconstruction": 90.0},
                                             {"beta": 4, "kl": 2.0, "reconstruction": 150.0}]), PAGE),
        "interpolation_strips": (viz.interpolation_strips({"GAN": RNG.random((8, 8, 8, 1)),
                                                           "VAE": RNG.random((8, 8, 8, 1))}), PAGE),
        "few_labels_curves": (viz.few_labels_curves({"pretrained encoder": {"accuracy": [0.5, 0.7],
                                                                            "val_accuracy": [0.4, 0.6]},
                                                     "from scratch": {"accuracy": [0.3, 0.5],
                                                                      "val_accuracy": [0.2, 0.3]}}, 20), PAGE),
    }


def _datasets():
    from toolkit.data import preview

    scenes = preview("shapes").take(slice(0, 6))
    return {"dataset_gallery": (viz.dataset_gallery([preview(n) for n in ("circle", "xor", "spiral", "digits")]),
                                PAGE),
            "scene_grid": (viz.scene_grid(scenes.images, scenes.boxes, scenes.classes, scenes.class_names,
                                          masks=scenes.masks, captions=[c[0] for c in scenes.captions]), PAGE)}


def _server():
    from toolkit.viz.server import server_load

    minutes = np.linspace(-10, 0, 30)
    return {"server_load": (server_load(minutes, {"sessions": np.full(30, 30), "runs training": np.full(30, 2),
                                                  "runs queued": np.arange(30)}, np.linspace(0.8, 1.2, 30), 2.5),
                            PAGE)}


FIGURES = {**_ffnn(), **_cnn(), **_optimization(), **_regularization(), **_generative(), **_datasets(),
           **_server()}


def _fonts(node, path=""):
    """(path, size) of every font size set anywhere in a figure's JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "size" and "font" in path.rsplit(".", 1)[-1] and isinstance(value, (int, float)):
                yield path, value
            else:
                yield from _fonts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _fonts(item, path)


def test_every_builder_is_in_the_sample():
    builders = {name for name in viz.__all__ if name not in ("grid", "confusion_counts", "playground_figures")}
    assert builders <= set(FIGURES)


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_font_is_at_least_14_px_and_set_on_the_figure(name):
    fig, _ = FIGURES[name]
    data = fig.to_plotly_json()
    layout = {k: v for k, v in data["layout"].items() if k != "template"}
    sizes = list(_fonts({"data": data["data"], "layout": layout, "frames": data.get("frames", [])}))
    small = [(path, size) for path, size in sizes if size < theme.SMALLEST_FONT]
    assert not small, f"{name}: fonts under {theme.SMALLEST_FONT} px: {small[:5]}"
    # Streamlit's template sets 12 px ticks and legend: the figure must set its own sizes.
    assert layout["font"]["size"] >= theme.SMALLEST_FONT and layout["title"]["font"]["size"] >= 18
    assert layout["legend"]["font"]["size"] >= theme.SMALLEST_FONT
    for axis in (v for k, v in layout.items() if k.startswith(("xaxis", "yaxis")) and v.get("visible") is not False):
        if axis.get("showticklabels") is not False:
            assert axis["tickfont"]["size"] >= theme.SMALLEST_FONT


@pytest.mark.parametrize("name", list(FIGURES))
def test_legend_above_the_plot_and_title_fits_the_width(name):
    fig, width = FIGURES[name]
    legend = fig.layout.legend
    assert legend.yref == "container" and legend.yanchor == "top"  # under the title, above the plot area
    title_bottom = theme.TITLE_TOP + theme.TITLE_LINE * theme.line_count(fig.layout.title.text)
    assert (1 - legend.y) * fig.layout.height >= title_bottom
    assert theme.text_width(fig.layout.title.text, theme.TITLE_SIZE) <= width


@pytest.mark.parametrize("name", list(FIGURES))
def test_annotations_in_a_row_do_not_overlap(name):
    """Subplot titles and column headers: each one's estimated extent at the page's width."""
    fig, width = FIGURES[name]
    plot_px = width - fig.layout.margin.l - fig.layout.margin.r
    rows = {}
    for note in fig.layout.annotations:
        if note.xref == "paper" and note.yref == "paper" and note.text and note.y is not None:
            size = note.font.size or theme.FONT_SIZE
            half = theme.text_width(note.text, size) / 2
            shift = {"left": half, "right": -half}.get(note.xanchor, 0)
            centre = note.x * plot_px + shift
            rows.setdefault(round(note.y, 3), []).append((centre - half, centre + half, note.text))
    for extents in rows.values():
        extents.sort()
        for (_, right, text), (left, _, other) in zip(extents, extents[1:]):
            assert right <= left + 1, f"{name}: {text!r} overlaps {other!r}"


@pytest.mark.parametrize("name", ["network_diagram", "backprop_diagram"])
def test_layer_names_of_a_network_diagram_do_not_overlap(name):
    """Names in one row are at least their own width apart (Playground's column is ~390 px)."""
    fig, width = FIGURES[name]
    names = next(trace for trace in fig.data if trace.name == "layer names")
    x_range = fig.layout.xaxis.range
    px_per_unit = (width - fig.layout.margin.l - fig.layout.margin.r) / (x_range[1] - x_range[0])
    rows = {}
    for x, y, text in zip(names.x, names.y, names.text):
        rows.setdefault(round(y, 3), []).append((x * px_per_unit, theme.text_width(text, theme.FONT_SIZE)))
    for row in rows.values():
        for (x0, w0), (x1, w1) in zip(row, row[1:]):
            assert x1 - x0 >= (w0 + w1) / 2, f"{name}: layer names overlap"


def test_a_run_keeps_its_colour_across_the_figures_of_a_page():
    colors = {}
    for fig in (viz.learning_curves(HISTORIES), viz.generalization_gap(HISTORIES),
                viz.loss_vs_time(HISTORIES, {run: [1, 2, 3] for run in HISTORIES}),
                viz.weight_histogram({run: RNG.normal(size=50) for run in HISTORIES})):
        for trace in fig.data:
            run = (trace.legendgroup or trace.name).split(" · ")[0]
            if run in HISTORIES and trace.line.color:
                colors.setdefault(run, set()).add(trace.line.color)
            elif run in HISTORIES:
                colors.setdefault(run, set()).add(trace.marker.color)
    assert {run: len(c) for run, c in colors.items()} == {run: 1 for run in HISTORIES}
    assert len({next(iter(c)) for c in colors.values()}) == len(HISTORIES)
    assert theme.run_colors(["b", "a"], {"a": "#000000"}) == {"b": theme.RUN_COLORS[0], "a": "#000000"}


def test_ordered_series_get_well_separated_colours():
    """Adjacent epochs on Normalization's histograms: a perceptual scale, not six near-identical blues."""
    rgb = [np.array([int(v) for v in c[4:-1].split(",")]) for c in theme.ordered_colors(6)]
    assert min(np.linalg.norm(a - b) for a, b in zip(rgb, rgb[1:])) > 40


def test_wrap_keeps_numbers_with_their_word_and_existing_breaks():
    text = theme.wrap("Accuracy per epoch, epoch 12 of 40 (train dashed, validation solid)", 200, 18)
    assert "epoch 12" in text.replace("<br>", "\n") and max(map(len, text.split("<br>"))) <= 200 / (0.58 * 18) + 6
    assert theme.wrap("a<br>b", 500, 18) == "a<br>b"


def test_apply_layout_grows_the_figure_for_its_legend_rows():
    one = go.Figure([go.Scatter(y=[1, 2], name="a"), go.Scatter(y=[2, 1], name="b")])
    many = go.Figure([go.Scatter(y=[1, 2], name=f"a long run name number {k}") for k in range(8)])
    short, tall = (theme.apply_layout(f, title="t", height=400) for f in (one, many))
    assert short.layout.height < tall.layout.height and tall.layout.margin.t > short.layout.margin.t
