"""The Diffusion page's figures (toolkit.viz.diffusion): the schedules' ᾱ_t with the step marked, the value
histograms beside N(0, 1), the denoising chain as rows of samples and columns of steps, the forward paths
with their mean and band."""

import json

import numpy as np
import pytest

from toolkit.diffusion.schedules import NoiseSchedule
from toolkit.viz.diffusion import denoising_grid, schedule_curves, stochastic_paths, value_histogram
from toolkit.viz.theme import run_color


def test_schedule_curves_draw_alpha_bar_against_t_over_t_and_mark_the_step():
    schedules = {"linear": NoiseSchedule("linear", 100), "cosine": NoiseSchedule("cosine", 100)}
    fig = schedule_curves(schedules, 25)
    curves = [trace for trace in fig.data if trace.mode == "lines"]
    marks = [trace for trace in fig.data if trace.mode == "markers"]
    assert [c.name for c in curves] == ["linear", "cosine"] and len(marks) == 2
    np.testing.assert_allclose(curves[1].y, schedules["cosine"].alpha_bars)
    assert curves[0].x[-1] == 1.0 and marks[1].x[0] == 0.25 and marks[1].y[0] == schedules["cosine"].alpha_bars[25]
    assert marks[0].marker.color == curves[0].line.color == run_color(0)
    assert fig.layout.xaxis.title.text == "t / T" and json.loads(fig.to_json())["data"]


def test_value_histogram_overlays_x0_x_t_and_the_unit_gaussian():
    rng = np.random.default_rng(0)
    fig = value_histogram(rng.choice([-1.0, 1.0], 500), rng.normal(size=500), 900)
    assert [trace.name for trace in fig.data] == ["x₀ (the glyphs)", "x_t, t = 900", "N(0, 1)"]
    gaussian = fig.data[2]
    assert max(gaussian.y) == pytest.approx(1 / np.sqrt(2 * np.pi), rel=1e-3)
    assert fig.layout.barmode == "overlay" and "900" in fig.layout.title.text


def test_denoising_grid_puts_each_sample_on_a_row_and_each_step_in_a_column():
    frames = [(t, np.full((8, 4, 4, 1), t / 100, np.float32)) for t in (100, 50, 0)]
    fig = denoising_grid(frames, rows=2)
    mosaic = np.asarray(fig.data[0].z, float)
    assert mosaic.shape == (2 * 4 + 1, 3 * 4 + 2)  # 2 rows and 3 columns of 4×4 tiles, 1 px between
    np.testing.assert_allclose(mosaic[:4, :4], 1.0)  # row 1, t = 100 (first column)
    np.testing.assert_allclose(mosaic[5:, -4:], 0.0)  # row 2, t = 0 (last column)
    assert "t = 100, 50, 0" in fig.layout.title.text
    with pytest.raises(ValueError, match="at least one"):
        denoising_grid([])


def test_stochastic_paths_draw_each_start_in_one_colour_with_its_mean_and_band():
    steps = np.arange(11)
    paths = np.random.default_rng(0).normal(size=(11, 2, 3))
    means, spreads = np.ones((11, 2)) * [-0.5, 0.5], np.full((11, 2), 0.1)
    fig = stochastic_paths(steps, paths, means, spreads, t=4)
    named = [trace for trace in fig.data if trace.showlegend is not False]
    assert [trace.name for trace in named] == ["x₀ = -0.5: mean √ᾱ_t x₀", "x₀ = 0.5: mean √ᾱ_t x₀"]
    assert len(fig.data) == 2 * (1 + 3 + 1)  # per start: the band, three paths, the mean
    band = fig.data[0]
    assert {trace.line.color for trace in fig.data[1:5]} == {run_color(0)} == {band.fillcolor}
    assert max(band.y) == pytest.approx(-0.5 + 0.2) and fig.layout.shapes[0].x0 == 4

