"""StyleGAN-mini against the DCGAN at an equal time budget, and the style-mixing statistics.

1. StyleGAN-mini at the StyleGAN page's defaults (``StyleGanConfig()``): training seconds, epochs,
   FID, Inception Score, share recognized, classes covered (500 samples scored by the shipped glyph
   judge, as the pages do).
2. The DCGAN at the GANs-on-glyphs page's defaults (``GlyphGanConfig()``) trained for the same
   number of seconds (it stops at the end of the epoch that passes the StyleGAN's time), same scores.
3. Style mixing of the trained StyleGAN, per crossover c = 0..6, on a 20 x 20 grid: how often the judge
   reads the class of the coarse (row) source and of the fine (column) source in a mixed glyph (pairs whose
   sources differ in class), and the correlation of its stroke thickness with each source's; once with each
   source's noise maps mixed like its styles (as the page draws it), once with one noise map for all (w alone).

    python benchmarks/stylegan.py [--epochs E]

Timings depend on the machine's load (printed first); nothing asserts them.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from benchmarks.host import machine  # noqa: E402
from toolkit.generative import glyph_gan as gg  # noqa: E402
from toolkit.generative import stylegan as sg  # noqa: E402
from toolkit.generative.metrics import glyph_judge  # noqa: E402

COLUMNS = ("fid", "inception_score", "recognized", "classes_covered")


def row(name: str, seconds: float, evaluations: dict) -> str:
    scores = " ".join(f"{evaluations[key][-1]:>9.3f}" for key in COLUMNS)
    return f"{name:<16} {evaluations['epoch'][-1]:>6} {seconds:>8.1f} {scores}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="StyleGAN epochs (default: the page's)")
    args = parser.parse_args()
    print(f"StyleGAN benchmark, {machine()}\n")
    judge = glyph_judge()
    config = sg.StyleGanConfig(**({"epochs": args.epochs} if args.epochs else {}))
    start = time.perf_counter()
    style = sg.run_stylegan(config, judge=judge)
    budget = time.perf_counter() - start
    start = time.perf_counter()
    dcgan = gg.run_glyph_gan(gg.GlyphGanConfig(epochs=500), judge=judge,
                             stop=lambda: time.perf_counter() - start > budget)
    dcgan_seconds = time.perf_counter() - start
    print(f"{'model':<16} {'epochs':>6} {'seconds':>8} " + " ".join(f"{key[:9]:>9}" for key in COLUMNS))
    print(row("StyleGAN-mini", budget, style.evaluations))
    print(row("DCGAN", dcgan_seconds, dcgan.evaluations))
    print(f"\n(seconds include scoring every {gg.SCORE_SECONDS:g} s at most; StyleGAN FID per scoring: "
          + ", ".join(f"{f:.1f}" for f in style.evaluations["fid"]) + ")")
    print(f"\nStyle mixing, 20 x 20 grid (page default c = {sg.DEFAULT_CROSSOVER})")
    for shared in (False, True):
        print("one noise map for every glyph (w alone)" if shared else "each source's noise mixed with its styles")
        print(f"{'c':>2} {'pairs':>6} {'class=coarse':>13} {'class=fine':>11} {'thick~coarse':>13} {'thick~fine':>11}")
        for crossover in range(sg.STYLE_LAYERS + 1):
            s = sg.mixing_statistics(style.generator, judge, crossover, shared_noise=shared)
            print(f"{crossover:>2} {s['pairs']:>6} {s['class_of_coarse']:>13.3f} {s['class_of_fine']:>11.3f} "
                  f"{s['thickness_vs_coarse']:>13.3f} {s['thickness_vs_fine']:>11.3f}")


if __name__ == "__main__":
    main()
