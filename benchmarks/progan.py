"""Progressive GAN against the DCGAN of "GANs on glyphs" at an equal wall-clock budget.

Both train on the same 2,000 glyphs (``toolkit.data.glyphs(2000, seed=0)``) with their page's
defaults: ``ProGanConfig()`` (7×7 → 14×14 → 28×28, each new block faded in) and ``GlyphGanConfig()``
(DCGAN, 28×28 from the first step). The ProGAN runs its whole default schedule first; its wall
time (set-up, tracing and scoring included) is then the budget the DCGAN trains for (``--seconds``
sets a budget for both instead). Each is scored at its end by the shipped glyph classifier on 500
samples at 28×28: FID against real glyphs and the share recognized with confidence >= 0.9.

    python benchmarks/progan.py [--seconds S]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from toolkit.generative import glyph_gan as gg  # noqa: E402
from toolkit.generative import progan as pg  # noqa: E402
from toolkit.generative.metrics import glyph_judge  # noqa: E402


def _deadline(seconds):
    end = None if seconds is None else time.perf_counter() + seconds
    return lambda: end is not None and time.perf_counter() > end


def _row(name, result, seconds):
    return {"model": name, "epochs done": result.run.epochs_done, "seconds": round(seconds, 1),
            "FID": round(result.evaluations["fid"][-1], 1), "recognized": f"{result.evaluations['recognized'][-1]:.0%}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=None, help="budget of each model (default: ProGAN's run)")
    args = parser.parse_args()
    judge = glyph_judge()
    rows = []
    started = time.perf_counter()
    progan = pg.run_progan(pg.ProGanConfig(), judge=judge,
                           stop=_deadline(args.seconds))
    budget = time.perf_counter() - started
    rows.append(_row("ProGAN (ProGanConfig())", progan, budget))
    started = time.perf_counter()
    dcgan = gg.run_glyph_gan(gg.GlyphGanConfig(epochs=500), judge=judge, stop=_deadline(args.seconds or budget))
    rows.append(_row("DCGAN (GlyphGanConfig())", dcgan, time.perf_counter() - started))
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print(f"ProGAN seconds per epoch by stage: "
          + ", ".join(f"{r}×{r}: {s:.2f}" for r, s in progan.seconds_per_epoch.items()))
    header = list(rows[0])
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row[k]) for k in header))


if __name__ == "__main__":
    main()
