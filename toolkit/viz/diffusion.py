"""Figures of the Diffusion page (toolkit.diffusion): the schedules, the noised values, the denoising chain.

- ``schedule_curves``: ᾱ_t (the share of the signal's variance left in x_t) against t / T for
  each schedule, with the step t looked at marked.
- ``value_histogram``: the values of x_0 and of x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε beside the N(0, 1)
  density that x_T should reach.
- ``denoising_grid``: rows of samples, columns the snapshots along the reverse chain (t = T … 0).
- ``stochastic_paths``: 1-D paths of the forward process from a few x_0 (Eq. 6 of ``schedules``
  iterated), their mean √ᾱ_t x_0 (the average changes added up) and the band ±2√(1 − ᾱ_t) (the
  random variations).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from toolkit.viz.images import image_grid
from toolkit.viz.theme import apply_layout, run_color


def schedule_curves(schedules: dict, t: int | None = None, *, title=None) -> go.Figure:
    """ᾱ_t against t / T for each ``NoiseSchedule`` of `schedules` (name -> schedule)."""
    fig = go.Figure()
    for index, (name, schedule) in enumerate(schedules.items()):
        steps = np.arange(schedule.steps + 1)
        fig.add_trace(go.Scatter(x=steps / schedule.steps, y=schedule.alpha_bars, mode="lines", name=name,
                                 line={"color": run_color(index), "width": 3},
                                 hovertemplate=f"{name}: t/T = %{{x:.3f}}, ᾱ = %{{y:.4f}}<extra></extra>"))
        if t is not None and t <= schedule.steps:
            fig.add_trace(go.Scatter(x=[t / schedule.steps], y=[schedule.alpha_bars[t]], mode="markers",
                                     showlegend=False, marker={"color": run_color(index), "size": 13},
                                     hovertemplate=f"{name} at t = {t}: ᾱ = %{{y:.4f}}<extra></extra>"))
    fig.update_yaxes(range=[-0.02, 1.02])
    return apply_layout(fig, title=title or "Signal left: ᾱ_t", x_title="t / T", y_title="ᾱ_t")


def value_histogram(x0, x_t, t: int, *, title=None) -> go.Figure:
    """Histograms of x_0's and x_t's values (density), with the N(0, 1) density of pure noise."""
    bins = {"start": -4.0, "end": 4.0, "size": 0.1}
    fig = go.Figure([
        go.Histogram(x=np.asarray(x0).ravel(), xbins=bins, histnorm="probability density", name="x₀ (the glyphs)",
                     marker={"color": run_color(0)}, opacity=0.55),
        go.Histogram(x=np.asarray(x_t).ravel(), xbins=bins, histnorm="probability density", name=f"x_t, t = {t}",
                     marker={"color": run_color(1)}, opacity=0.55)])
    grid = np.linspace(-4, 4, 161)
    fig.add_trace(go.Scatter(x=grid, y=np.exp(-grid ** 2 / 2) / np.sqrt(2 * np.pi), mode="lines", name="N(0, 1)",
                             line={"color": "#333333", "dash": "dash", "width": 2}))
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(range=[0, 1.2])  # x_0's spikes at -1 and 1 go higher: the noise is what matters
    return apply_layout(fig, title=title or f"Pixel values of x₀ and x_t (t = {t})", x_title="value",
                        y_title="density")


def denoising_grid(frames, rows: int = 5, *, title=None) -> go.Figure:
    """``[(t, images)]`` snapshots along the reverse chain as a grid: a row per sample, a column per t."""
    if not frames:
        raise ValueError("`frames` must hold at least one (t, images) snapshot.")
    rows = max(1, min(rows, len(frames[0][1])))
    tiles = np.stack([images[:rows] for _, images in frames], axis=1)  # (rows, frames, H, W, C)
    steps = ", ".join(str(t) for t, _ in frames)
    return image_grid(tiles.reshape((-1, *tiles.shape[2:])), cols=len(frames), max_images=rows * len(frames),
                      title=title or f"Denoising, left to right: t = {steps}")


def stochastic_paths(steps, paths, means, spreads, t: int | None = None, *, title=None) -> go.Figure:
    """Paths of the forward process: `paths` (T + 1, S, P) from S starts, `means` and `spreads` (T + 1, S)."""
    steps = np.asarray(steps)
    fig = go.Figure()
    for start in range(np.shape(paths)[1]):
        color, mean, spread = run_color(start), means[:, start], spreads[:, start]
        name = f"x₀ = {mean[0]:g}"
        fig.add_trace(go.Scatter(x=np.concatenate([steps, steps[::-1]]),
                                 y=np.concatenate([mean + 2 * spread, (mean - 2 * spread)[::-1]]),
                                 fill="toself", fillcolor=color, opacity=0.15, line={"width": 0}, hoverinfo="skip",
                                 legendgroup=name, showlegend=False))
        for path in np.asarray(paths)[:, start].T:
            fig.add_trace(go.Scatter(x=steps, y=path, mode="lines", line={"color": color, "width": 1},
                                     opacity=0.6, legendgroup=name, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=steps, y=mean, mode="lines", name=f"{name}: mean √ᾱ_t x₀",
                                 line={"color": color, "width": 4}, legendgroup=name,
                                 hovertemplate=f"{name}: t = %{{x}}, mean = %{{y:.3f}}<extra></extra>"))
    if t is not None:
        fig.add_vline(x=t, line={"color": "#333333", "dash": "dash", "width": 2})
    return apply_layout(fig, title=title or "Forward paths: average change and random variation",
                        x_title="step t", y_title="x_t")
