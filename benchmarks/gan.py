"""GAN measurements of issue 7: DCGAN time-to-recognizable, FID per epoch, conditional accuracy, 2-D lab speed.

1. DCGAN on 10,000 glyphs at the page's default settings (``GlyphGanConfig()`` with
   n = 10,000): after every epoch 500 samples are scored by the glyph classifier of
   ``toolkit.generative.metrics``; the clock (training time only, scoring excluded) stops when
   >= 80 % of the samples are recognized with confidence >= 0.9 and the 10 classes are covered.
   FID, IS, share recognized and classes covered per epoch are printed.
2. Conditional GAN, same settings: share of samples the classifier assigns to their requested class.
3. 2-D GAN lab: generator steps per second while drawing, as the page does (chunks of 25 steps,
   then a snapshot, the Plotly figures built and serialised to JSON).

    python benchmarks/gan.py [--minutes 4] [--conditional-epochs 10]

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
from toolkit.viz import gan_lab_figure, step_curves  # noqa: E402

TARGET_RECOGNIZED, TARGET_CLASSES = 0.8, 10


def dcgan_until_recognizable(judge, minutes: float) -> list[dict]:
    """Trains the default DCGAN one epoch at a time until the target or the time limit."""
    config = gg.GlyphGanConfig(n=10_000)
    images, _, _ = gg.training_data(config)
    monitor = gg.GanMonitor(images, judge=judge)
    rows, reached = [], None

    def record(_monitor, run):
        nonlocal reached
        e = monitor.evaluations[run.name]
        rows.append({"epoch": run.epochs_done, "train s": run.wall_time, "fid": e["fid"][-1],
                     "is": e["inception_score"][-1], "recognized": e["recognized"][-1],
                     "covered": e["classes_covered"][-1]})
        if reached is None and rows[-1]["recognized"] >= TARGET_RECOGNIZED and rows[-1]["covered"] >= TARGET_CLASSES:
            reached = rows[-1]

    monitor.on_update = record
    started = time.perf_counter()
    gg.train(config, 500, monitor=monitor, steps_per_callback=len(images) // config.batch_size,
             stop=lambda: reached is not None or time.perf_counter() - started > 60 * minutes)
    return rows, reached


def conditional_accuracy(judge, epochs: int) -> list[tuple[int, float, float]]:
    config = gg.GlyphGanConfig(n=10_000, model="conditional")
    images, _, _ = gg.training_data(config)
    rows = []

    def record(_monitor, run):
        rows.append((run.epochs_done, run.wall_time, gg.conditional_accuracy(run.model, judge)))

    monitor = gg.GanMonitor(images, judge=judge, score=False, on_update=record)
    gg.train(config, epochs, monitor=monitor, steps_per_callback=len(images) // config.batch_size)
    return rows[1:]  # row 0 is the untrained generator


def lab_speed(steps: int = 2000) -> tuple[float, float]:
    """(G steps/s drawing included, G steps/s training only) of the default 2-D lab."""
    lab = GanLab(GanLabConfig())
    lab.train(25)  # traces the compiled loop
    started = time.perf_counter()
    for snapshot in lab.play(steps, frame_steps=25):
        gan_lab_figure(snapshot.real, snapshot.fake, snapshot.grid_x, snapshot.grid_y, snapshot.d_values,
                       arrows=snapshot.arrows, anchors=snapshot.anchors).to_json()
        step_curves({"D": snapshot.history["d_loss"], "G": snapshot.history["g_loss"]}).to_json()
    drawn = steps / (time.perf_counter() - started)
    started = time.perf_counter()
    lab.train(steps)
    return drawn, steps / (time.perf_counter() - started)


def dcgan_table(judge, minutes):
    rows, reached = dcgan_until_recognizable(judge, minutes)
    print("DCGAN, 10,000 glyphs, default settings (non-saturating, Adam 1e-3, batch 64, F = 32, d = 64)\n")
    print("| epoch | training s | FID | IS | recognized (p >= 0.9) | classes covered |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['epoch']} | {r['train s']:.0f} | {r['fid']:.2f} | {r['is']:.2f} | {r['recognized']:.0%} | {r['covered']:.0f} |")
    if reached:
        print(f"\ntarget reached after epoch {reached['epoch']}: {reached['train s']:.0f} s of training\n")
    else:
        best = max(rows, key=lambda r: r["recognized"])
        print(f"\ntarget NOT reached within {minutes:g} min; best: {best['recognized']:.0%} recognized, "
              f"{best['covered']:.0f} classes (epoch {best['epoch']})\n")


def conditional_table(judge, epochs):
    print("Conditional GAN, 10,000 glyphs: accuracy on the requested class\n")
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
    args = parser.parse_args()
    print(f"GAN benchmark, {os.cpu_count()} CPU cores (os.cpu_count())\n")
    started = time.perf_counter()
    judge = glyph_judge()
    print(f"glyph classifier: test accuracy {judge.test_accuracy:.3f} (ready in {time.perf_counter() - started:.0f} s)\n")

    if args.only in (None, "dcgan"):
        dcgan_table(judge, args.minutes)
    if args.only in (None, "conditional"):
        conditional_table(judge, args.conditional_epochs)
    if args.only in (None, "lab"):
        lab_table()


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
