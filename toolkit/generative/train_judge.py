"""Trains the shipped glyph classifier once: ``python -m toolkit.generative.train_judge``.

The GAN and autoencoder pages score samples with ``metrics.glyph_judge()``, which loads
``assets/glyph_judge.keras`` in a fraction of a second instead of training the classifier
in front of the student. This script is how that file was made (rerun it after changing
``metrics.judge_network`` or the glyph renderer, and bump ``metrics.JUDGE_VERSION``): it
trains on ``glyphs(**SHIPPED_RECIPE)``, checks the accuracy on the held-out split and on
freshly rendered glyphs of another seed, and writes the model and a JSON of those facts.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FRESH_SEED, FRESH_N = 7, 2000  # glyphs the judge never saw, as in tests/generative/test_metrics.py
MIN_ACCURACY = 0.97


def main() -> None:
    from toolkit.data import glyphs
    from toolkit.generative.metrics import (
        JUDGE_VERSION, SHIPPED, SHIPPED_RECIPE, load_glyph_judge, save_glyph_judge, train_glyph_judge,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(SHIPPED), help="where to write the .keras file")
    args = parser.parse_args()
    started = time.perf_counter()
    judge = train_glyph_judge(**SHIPPED_RECIPE)
    seconds = time.perf_counter() - started
    fresh = glyphs(n=FRESH_N, seed=FRESH_SEED, cache=False)
    fresh_accuracy = judge.accuracy(fresh.x_train, fresh.y_train)
    print(f"trained in {seconds:.0f} s on {os.cpu_count()} cores; held-out accuracy {judge.test_accuracy:.4f}, "
          f"fresh glyphs (seed {FRESH_SEED}) {fresh_accuracy:.4f}")
    if min(judge.test_accuracy, fresh_accuracy) < MIN_ACCURACY:
        raise SystemExit(f"accuracy below {MIN_ACCURACY}: not written")
    save_glyph_judge(judge, args.out, **SHIPPED_RECIPE, version=JUDGE_VERSION,
                     fresh_accuracy=round(fresh_accuracy, 4), fresh_glyphs={"n": FRESH_N, "seed": FRESH_SEED},
                     train_seconds=round(seconds, 1), cores=os.cpu_count())
    started = time.perf_counter()
    again = load_glyph_judge(args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e3:.0f} kB); loads in "
          f"{time.perf_counter() - started:.2f} s; reloaded accuracy {again.accuracy(fresh.x_train, fresh.y_train):.4f}")


if __name__ == "__main__":
    main()
