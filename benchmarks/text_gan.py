"""Text-to-image GAN (GAN-CLS): caption agreement with and without the matching-aware term.

Trains ``TextGanConfig()`` (the page's defaults) twice from the same seed and batches: with the
wrong-text term (Eq. 3 of ``toolkit.generative.text_gan``) and without it (Eq. 4, a plain
conditional GAN). Each then draws 10 samples of each of the 40 captions "a {thin|bold}
{upright|slanted} {digit}", read by the shipped glyph judge: the share whose class, thickness
(side of 2.5 px), slant (side of 0.125), and class and thickness together agree with the caption
(chance: 0.10, 0.50, 0.50, 0.05), and the mean judged thickness of the "bold" and the "thin" samples.

    python benchmarks/text_gan.py [--epochs E] [--seeds 0 1]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from toolkit.generative import text_gan as tg  # noqa: E402
from toolkit.generative.metrics import glyph_judge  # noqa: E402

COLUMNS = ("class", "thickness", "slant", "class and thickness", "bold thickness", "thin thickness")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=tg.TextGanConfig().epochs)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    arguments = parser.parse_args()
    print(f"Text-to-image GAN benchmark, {os.cpu_count()} CPU cores (os.cpu_count()), "
          f"defaults {dataclasses.asdict(tg.TextGanConfig())} but epochs={arguments.epochs}\n")
    judge = glyph_judge()
    print(f"{'D':<28} {'seed':>4} " + " ".join(f"{c:>20}" for c in COLUMNS) + f" {'train s':>8}")
    for seed in arguments.seeds:
        for aware in (True, False):
            config = tg.TextGanConfig(matching_aware=aware, epochs=arguments.epochs, seed=seed)
            started = time.perf_counter()
            result = tg.run_text_gan(config, judge=judge)
            seconds = time.perf_counter() - started
            name = "matching-aware (GAN-CLS)" if aware else "plain conditional"
            print(f"{name:<28} {seed:>4} " + " ".join(f"{result.agreement[c]:>20.3f}" for c in COLUMNS)
                  + f" {seconds:>8.1f}", flush=True)
    print("\nchance: class 0.100, thickness 0.500, slant 0.500, class and thickness 0.050; "
          "thickness in px (the data's range 1.8-3.2)")


if __name__ == "__main__":
    main()
