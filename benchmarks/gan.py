"""GAN measurements of issue 7: DCGAN time-to-recognizable, FID per epoch, conditional accuracy, 2-D lab speed.

1. DCGAN on 10,000 glyphs at the page's default settings (``GlyphGanConfig()`` with
   n = 10,000): after every epoch 500 samples are scored by the glyph classifier of
   ``toolkit.generative.metrics``; the clock (training time only, scoring excluded) stops when
   >= 80 % of the samples are recognized with confidence >= 0.9 and the 10 classes are covered.
   Per epoch: optimizer steps, training seconds, FID, IS, share recognized, classes covered.
   Quality after N steps does not depend on the machine's load, seconds do: the table also
   gives steps/s (first epoch, which traces the graph, excluded) and the load average, and
   ``--quiet-steps-per-s R`` prints the time to target on a machine that trains R steps/s.
2. Conditional GAN, its own defaults (``GlyphGanConfig.for_model``): share of samples the classifier assigns to their requested class.
3. 2-D GAN lab: generator steps per second while drawing, as the page does (chunks of 25 steps,
   then a snapshot, the Plotly figures built and serialised to JSON).
4. The shipped glyph classifier: seconds to load it (the pages once trained it, about 30 s).

    python benchmarks/gan.py [--minutes 4] [--conditional-epochs 10] [--only dcgan] [--quiet-steps-per-s R]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from toolkit.generative import glyph_gan as gg  # noqa: E402
from toolkit.generative.gan_lab import GanLab, GanLabConfig  # noqa: E402
from toolkit.generative.metrics import glyph_judge  # noqa: E402
from toolkit.train import Callback  # noqa: E402
from toolkit.viz import gan_lab_figure, step_curves  # noqa: E402

TARGET_RECOGNIZED, TARGET_CLASSES = 0.8, 10


class AfterEachScoring(Callback):
    """Calls `fn(run)` after every progress report (placed after an unthrottled GanMonitor)."""

    def __init__(self, fn):
        self.fn = fn

    def on_progress(self, run):
        self.fn(run)


def dcgan_until_recognizable(judge, minutes: float) -> list[dict]:
    """Trains the default DCGAN one epoch at a time, scored every epoch, until the target or the time limit."""
    config = gg.GlyphGanConfig(n=10_000, epochs=500)
    data = gg.training_data(config)
    monitor = gg.GanMonitor(judge)  # not throttled here: every epoch is scored
    monitor.use_real(data[0])
    rows, reached = [], None
    steps_per_epoch = len(data[0]) // config.batch

    def record(run):
        nonlocal reached
        e = monitor.evaluations[run.name]
        rows.append({"epoch": run.epochs_done, "steps": run.epochs_done * steps_per_epoch,
                     "train s": run.wall_time, "fid": e["fid"][-1],
                     "is": e["inception_score"][-1], "recognized": e["recognized"][-1],
                     "covered": e["classes_covered"][-1]})
        if reached is None and rows[-1]["recognized"] >= TARGET_RECOGNIZED and rows[-1]["covered"] >= TARGET_CLASSES:
            reached = rows[-1]

    started = time.perf_counter()
    gg.train(config, callbacks=[monitor, AfterEachScoring(record)], steps_per_callback=steps_per_epoch, data=data,
             stop=lambda: reached is not None or time.perf_counter() - started > 60 * minutes)
    return rows, reached


def conditional_accuracy(judge, epochs: int) -> list[tuple[int, float, float]]:
    config = gg.GlyphGanConfig.for_model("conditional", n=10_000, epochs=epochs)
    data = gg.training_data(config)
    rows = []

    def record(run):
        rows.append((run.epochs_done, run.wall_time, gg.conditional_accuracy(run.model, judge)))

    gg.train(config, callbacks=[AfterEachScoring(record)], steps_per_callback=len(data[0]) // config.batch, data=data)
    return rows


def lab_speed(steps: int = 2000) -> tuple[float, float]:
    """(G steps/s drawing included, G steps/s training only) of the default 2-D lab."""
    lab = GanLab(GanLabConfig())
    lab.train(25)  # traces the compiled loop

    def draw(run):
        snapshot = lab.snapshot()
        gan_lab_figure(snapshot.real, snapshot.fake, snapshot.grid_x, snapshot.grid_y, snapshot.d_values,
                       arrows=snapshot.arrows, anchors=snapshot.anchors).to_json()
        step_curves({"D": snapshot.history["d_loss"], "G": snapshot.history["g_loss"]}).to_json()

    started = time.perf_counter()
    lab.play(steps, callbacks=AfterEachScoring(draw), chunk=25)
    drawn = steps / (time.perf_counter() - started)
    started = time.perf_counter()
    lab.train(steps)
    return drawn, steps / (time.perf_counter() - started)


def steps_per_second(rows) -> float:
    """Training steps per second after the first epoch (which includes tracing the graph)."""
    if len(rows) < 3:
        return float("nan")
    first, last = rows[1], rows[-1]  # rows[0] is epoch 1, whose time includes tracing
    return (last["steps"] - first["steps"]) / max(last["train s"] - first["train s"], 1e-9)


def dcgan_table(judge, minutes, quiet_rate=None):
    c = gg.GlyphGanConfig()
    load_before = os.getloadavg()[0]
    rows, reached = dcgan_until_recognizable(judge, minutes)
    rate, load_after = steps_per_second(rows), os.getloadavg()[0]
    print(f"DCGAN, 10,000 glyphs, default settings ({c.loss}, Adam G {c.g_lr:g} / D {c.d_lr:g}, batch {c.batch}, "
          f"F = {c.filters}, d = {c.latent_dim}, label smoothing {c.label_smoothing:g}, "
          f"samples from the EMA of G (decay {c.ema_decay:g}))\n")
    print("| epoch | steps | training s | FID | IS | recognized (p >= 0.9) | classes covered |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['epoch']} | {r['steps']} | {r['train s']:.0f} | {r['fid']:.2f} | {r['is']:.2f} | "
              f"{r['recognized']:.1%} | {r['covered']:.0f} |")
    print(f"\n{rate:.1f} training steps/s after the first epoch; 1-min load average {load_before:.1f} before, "
          f"{load_after:.1f} after, on {os.cpu_count()} cores")
    if reached:
        print(f"time to target: epoch {reached['epoch']}, step {reached['steps']}, "
              f"{reached['train s']:.0f} s of training on this machine (target <= 120 s)")
        if quiet_rate:
            seconds = reached["train s"] - reached["steps"] / rate + reached["steps"] / quiet_rate
            print(f"  at {quiet_rate:g} steps/s (a quiet machine): about {seconds:.0f} s "
                  "(this run's graph tracing included)")
        print()
    else:
        best = max(rows, key=lambda r: r["recognized"])
        print(f"target NOT reached within {minutes:g} min; best: {best['recognized']:.0%} recognized, "
              f"{best['covered']:.0f} classes (epoch {best['epoch']}, step {best['steps']})\n")


def conditional_table(judge, epochs):
    c = gg.GlyphGanConfig.for_model("conditional")
    print(f"Conditional GAN, 10,000 glyphs, its defaults (d = {c.latent_dim}, projection {c.projection}, "
          f"batch {c.batch}, Adam {c.g_lr:g}): accuracy of 1,000 samples on their requested class\n")
    print("| epoch | training s | accuracy |")
    print("| ---: | ---: | ---: |")
    for epoch, seconds, accuracy in conditional_accuracy(judge, epochs):
        print(f"| {epoch} | {seconds:.0f} | {accuracy:.1%} |")


def lab_table():
    drawn, raw = lab_speed()
    print("\n2-D GAN lab (8 Gaussians, G and D 2x32 ReLU, Adam, batch 128)\n")
    print("| measure | generator steps / s |")
    print("| --- | ---: |")
    print(f"| training + snapshot + both figures to JSON every 25 steps | {drawn:.0f} |")
    print(f"| training only | {raw:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0, help="time limit of the DCGAN run")
    parser.add_argument("--conditional-epochs", type=int, default=15)
    parser.add_argument("--only", choices=("dcgan", "conditional", "lab"), help="run one measurement")
    parser.add_argument("--quiet-steps-per-s", type=float, help="DCGAN steps/s of a quiet machine, for an estimate")
    args = parser.parse_args()
    print(f"GAN benchmark, {os.cpu_count()} CPU cores (os.cpu_count())\n")
    started = time.perf_counter()
    judge = glyph_judge()
    print(f"shipped glyph classifier: test accuracy {judge.test_accuracy:.3f}, loaded in "
          f"{time.perf_counter() - started:.2f} s\n")

    if args.only in (None, "dcgan"):
        dcgan_table(judge, args.minutes, args.quiet_steps_per_s)
    if args.only in (None, "conditional"):
        conditional_table(judge, args.conditional_epochs)
    if args.only in (None, "lab"):
        lab_table()


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
