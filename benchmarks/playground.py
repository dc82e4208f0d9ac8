"""The Playground page's numbers: epochs/s while animating, the cost of one refresh, and
TensorFlow Playground side by side on its own settings. Timings are never asserted.

"Animating" is what the page does after a click on Train: ``PlaygroundSession.train`` with
a refresh at most every 0.25 s, and each refresh does the page's full work: one compiled
call for the 100×100 grid (output and every neuron) and the data points, the page's
figures (``toolkit.viz.playground_figures``: network with neuron pictures, output heatmap,
loss curves, confusion matrix) and ``fig.to_json()`` of each (Streamlit serializes them).
As on the page, the network is built and drawn once when the page loads (that time is
reported as "page load"); wall-clock time then starts at the click on Train, so it
includes tracing the training loop (the first chunk) and every refresh.

TensorFlow Playground's numbers were measured in headless Chromium (see issue 3): spiral,
noise 0, 50% train, batch 10, [8, 8, 8] tanh, lr 0.03, features x1 x2: 15.7 epochs/s and
test loss 0.48 / 0.44 / 0.37 / 0.33 after 5 / 10 / 15 / 20 s (epoch 325 at 20 s); its
default circle task (hidden [4, 2]) 36 epochs/s. Playground trains with SGD on the square
loss ½(o − t)² of a tanh output o and targets t = ±1; here the network has a sigmoid output
p trained with MSE and SGD at the same rate, and its test loss is reported in Playground's
units, 2·mean((p − y)²) (``toolkit.ffnn.playground.playground_loss``), next to our BCE/MSE.

    python benchmarks/playground.py
"""

import dataclasses
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from toolkit.ffnn.playground import PlaygroundConfig, PlaygroundSession, playground_loss  # noqa: E402
from toolkit.viz import playground_figures  # noqa: E402

REFRESH_SECONDS = 0.25
PLAYGROUND_SPIRAL = PlaygroundConfig(dataset="spiral", hidden=(8, 8, 8), activation="tanh", optimizer="sgd",
                                     learning_rate=0.03, batch_size=10, loss="mse", features=("x1", "x2"))
PLAYGROUND_CIRCLE = dataclasses.replace(PLAYGROUND_SPIRAL, dataset="circle", hidden=(4, 2))
PUBLISHED = {"spiral_loss": {5: 0.48, 10: 0.44, 15: 0.37, 20: 0.33}, "spiral_eps": 15.7, "circle_eps": 36.0}


def refresh(session, timings=None):
    """One full refresh of the page: snapshot, figures, JSON. Returns (snapshot, seconds by part)."""
    start = time.perf_counter()
    snapshot = session.snapshot()
    built = time.perf_counter()
    figures = playground_figures(snapshot, session.data, session.run.history)
    serialised = time.perf_counter()
    size = sum(len(figure.to_json()) for figure in figures.values())
    end = time.perf_counter()
    if timings is not None:
        timings.append((built - start, serialised - built, end - serialised, size))
    return snapshot


def animate(config, seconds):
    """Loads the page's network, then trains like a click on Train, for ``seconds`` of wall time.

    Returns (session, rows, refresh timings, seconds trained, page-load seconds); one row per
    refresh: (seconds since the click, epoch, test loss, Playground-units test loss, accuracy).
    """
    loading = time.perf_counter()
    session = PlaygroundSession(config)
    refresh(session)  # the page draws the untrained network when it loads
    start = time.perf_counter()
    page_load = start - loading
    rows, timings = [], []

    def on_refresh(_):
        snapshot = refresh(session, timings)
        p = snapshot.test_outputs
        pg = playground_loss(p[:, 0], session.data.y_test) if p.shape[1] == 1 else float("nan")
        rows.append((time.perf_counter() - start, snapshot.epoch, snapshot.test_loss, pg, snapshot.test_accuracy))

    session.train(10_000, on_refresh=on_refresh, refresh_seconds=REFRESH_SECONDS,
                  stop=lambda: time.perf_counter() - start > seconds)
    return session, rows, timings, time.perf_counter() - start, page_load


def at(rows, second):
    """The last refresh row at or before ``second``."""
    before = [row for row in rows if row[0] <= second]
    return before[-1] if before else None


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def refresh_cost(config, repeats=20):
    session = PlaygroundSession(config)
    session.train(20)
    timings = []
    for _ in range(3):
        refresh(session)
    for _ in range(repeats):
        refresh(session, timings)
    return np.median(np.array(timings), axis=0)


def main():
    print(f"Playground page benchmark · os.cpu_count() = {os.cpu_count()} · "
          f"load average {os.getloadavg()[0]:.1f} at start\n")

    page = PlaygroundConfig()
    print(f"## One full refresh (median of 20), page defaults: {page.dataset}, features "
          f"{','.join(page.features)}, hidden {list(page.hidden)} {page.activation}, {page.optimizer}\n")
    big = dataclasses.replace(page, dataset="spiral_k", arms=5, hidden=(32,) * 8,
                              features=("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"))
    rows = []
    for name, config in (("page defaults (7-8-8-8-1)", page), ("largest: 7-32×8-5, 5 classes", big)):
        snap, build, json_, size = refresh_cost(config)
        rows.append((name, f"{1000 * snap:.1f}", f"{1000 * build:.1f}", f"{1000 * json_:.1f}",
                     f"**{1000 * (snap + build + json_):.1f}**", f"{size / 1e3:.0f} kB"))
    table(["network", "grid + neurons + points (1 call), ms", "figures, ms", "to_json, ms", "total, ms",
           "JSON"], rows)

    print("## Epochs/s while animating (refresh every 0.25 s, full work), 10 s from the click\n")
    rows = []
    for name, config in (("page defaults (spiral, 7 features, Adam 0.003, from scratch)", page),
                         ("page defaults, Keras built-ins", dataclasses.replace(page, from_scratch=False)),
                         ("Playground spiral (SGD 0.03)", PLAYGROUND_SPIRAL),
                         ("Playground circle default", PLAYGROUND_CIRCLE)):
        session, trace, timings, wall, page_load = animate(config, 10.0)
        run = session.run
        refresh_share = sum(sum(t[:3]) for t in timings) / wall
        rows.append((name, f"{page_load:.1f} s", run.epochs_done, f"{run.epochs_done / wall:.0f}",
                     f"{run.epochs_per_second:.0f}", len(timings), f"{100 * refresh_share:.0f}%"))
    table(["task", "page load (build + first draw)", "epochs in 10 s after the click",
           "epochs/s (wall: trace + training + refreshes)", "epochs/s (training chunks only)",
           "refreshes", "time refreshing"], rows)

    print("## Side by side with TensorFlow Playground (spiral, noise 0, 50% train, batch 10, "
          "[8, 8, 8] tanh, lr 0.03, x1 x2)\n")
    session, trace, _, wall, _ = animate(PLAYGROUND_SPIRAL, 20.0)
    rows = []
    for second in (5, 10, 15, 20):
        row = at(trace, second)
        rows.append((f"{second} s", PUBLISHED["spiral_loss"][second]) + (
            ("no refresh yet", "-", "-", "-") if row is None else
            (row[1], f"{row[3]:.3f}", f"{row[2]:.3f}", f"{row[4]:.1%}")))
    table(["after", "Playground test loss", "our epoch", "our test loss (Playground units)",
           "our test MSE", "our test accuracy"], rows)
    spiral_eps = session.run.epochs_done / wall
    circle, _, _, circle_wall, _ = animate(PLAYGROUND_CIRCLE, 10.0)
    table(["task", "TensorFlow Playground epochs/s", "this page epochs/s (animating)", "target"], [
        ("spiral [8, 8, 8]", PUBLISHED["spiral_eps"], f"{spiral_eps:.0f}", "≥ 40"),
        ("circle default [4, 2]", PUBLISHED["circle_eps"], f"{circle.run.epochs_done / circle_wall:.0f}", "≥ 100"),
    ])
    hit = next((row for row in trace if row[3] <= 0.33), None)
    print(f"Test loss ≤ 0.33 (Playground units) first reached at "
          f"{'never' if hit is None else f'{hit[0]:.1f} s (epoch {hit[1]})'} (target ≤ 10 s).\n")

    print("## Page defaults on spiral: time to ≥ 90% test accuracy (from the click, animating)\n")
    rows = []
    for seed in (0, 1, 2):
        session, trace, _, _, _ = animate(dataclasses.replace(page, seed=seed), 10.0)
        hit = next((row for row in trace if row[4] >= 0.9), None)
        rows.append((seed, "not within 10 s" if hit is None else f"{hit[0]:.1f} s", "-" if hit is None else hit[1],
                     f"{trace[-1][4]:.1%}" if trace else "-"))
    table(["seed (data and weights)", "≥ 90% test accuracy at", "epoch", "test accuracy at 10 s"], rows)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
