"""Autoencoder measurements of issue 8: VAE time-to-recognizable, and GAN vs VAE vs VQ-VAE measured.

1. VAE on 10,000 glyphs at the page's defaults (``AutoencoderLabConfig()`` with n = 10,000:
   conv, d = 16, β = 1, Adam 2e-3, batch 32). After every epoch: the per-pixel reconstruction
   MSE of 500 held-out glyphs, the ELBO, and 500 prior samples scored by the glyph classifier
   (FID, IS, share recognized, classes covered). The clock (training only, scoring excluded)
   stops at the first epoch with reconstruction MSE <= 0.0205 and FID <= 30 (samples that
   look like glyphs, though blurry: a VAE's samples stay below 50 % "recognized with
   confidence >= 0.9"), or at the time limit.
2. ``compare_generative_models``: GAN (the DCGAN of ``glyph_gan``), VAE and VQ-VAE trained on
   the same glyphs, epochs, batch size and seed; the filled table and the budget.

    python benchmarks/autoencoders.py [--minutes 2] [--compare-n 10000] [--compare-epochs 4] [--vae-only]

Timings depend on the machine's load (2 shared cores when these numbers were taken);
step counts are printed beside them; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from toolkit.data import glyphs  # noqa: E402
from toolkit.generative import autoencoder_lab as lab  # noqa: E402
from toolkit.generative.comparison import ComparisonConfig, compare_generative_models  # noqa: E402
from toolkit.generative.metrics import glyph_judge  # noqa: E402
from toolkit.generative.vae import elbo  # noqa: E402
from toolkit.train import Callback, fit  # noqa: E402

TARGET_MSE, TARGET_FID = 0.0205, 30.0


class EpochScores(Callback):
    """Scores the VAE after every epoch (the scoring time is not part of run.wall_time)."""

    def __init__(self, judge, real, held_out, steps_per_epoch):
        self.judge, self.real_features, self.held_out = judge, judge.features(real[:1000]), held_out
        self.steps_per_epoch, self.rows, self.reached = steps_per_epoch, [], None

    def on_progress(self, run):
        vae = run.model
        _, reconstructions = vae.reconstruct(self.held_out)
        report = self.judge.report(np.clip(vae.sample(500, seed=1), 0, 1), self.real_features)
        row = {"epoch": run.epochs_done, "steps": run.epochs_done * self.steps_per_epoch,
               "train s": run.wall_time, "recon MSE": float(np.mean((reconstructions - self.held_out) ** 2)),
               "ELBO": float(elbo(vae, self.held_out).mean()), "FID": report["fid"],
               "IS": report["inception_score"], "recognized": report["recognized"],
               "covered": report["classes_covered"]}
        self.rows.append(row)
        if self.reached is None and row["recon MSE"] <= TARGET_MSE and row["FID"] <= TARGET_FID:
            self.reached = row


def vae_until_recognizable(judge, minutes: float):
    config = lab.AutoencoderLabConfig(n=10_000)
    data = lab.training_data(config)
    steps = int(np.ceil(len(data.x_train) / config.batch))
    scores = EpochScores(judge, data.x_train, glyphs(n=1000, seed=3).x_test[:500], steps)
    model = lab.build_model(config, data.input_shape)
    started = time.perf_counter()
    fit(model, data.x_train, epochs=500, batch_size=config.batch,
        seed=config.seed, callbacks=[scores], steps_per_callback=steps,
        stop=lambda: scores.reached is not None or time.perf_counter() - started > 60 * minutes)
    return config, len(data.x_train), scores.rows, scores.reached


def print_rows(rows, columns):
    print(" | ".join(f"{c:>10}" for c in columns))
    for row in rows:
        print(" | ".join(f"{row[c]:>10.4g}" if isinstance(row[c], float) else f"{row[c]!s:>10}" for c in columns))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--compare-n", type=int, default=10_000)
    parser.add_argument("--compare-epochs", type=int, default=3)
    parser.add_argument("--vae-only", action="store_true", help="skip part 2 (the comparison)")
    args = parser.parse_args()
    print(f"cores visible: {os.cpu_count()} (shared machine: timings are noisy)")
    judge = glyph_judge()
    config, n_train, rows, reached = vae_until_recognizable(judge, args.minutes)
    print(f"\n1. VAE at page defaults ({config}) on {n_train} training glyphs, batch {config.batch}")
    print_rows(rows, ["epoch", "steps", "train s", "recon MSE", "ELBO", "FID", "IS", "recognized", "covered"])
    if reached:
        print(f"target (recon MSE <= {TARGET_MSE}, FID <= {TARGET_FID:g}) reached after "
              f"{reached['train s']:.1f} s of training, {reached['steps']} steps: FID {reached['FID']:.1f}")
    else:
        print("target not reached within the time limit")
    if args.vae_only:
        return

    comparison = compare_generative_models(ComparisonConfig(n=args.compare_n, epochs=args.compare_epochs),
                                           judge=judge)
    print(f"\n2. GAN vs VAE vs VQ-VAE, same budget: {comparison.budget}")
    print(f"{'property':<32} | {'measure':<58} | " + " | ".join(f"{m:>9}" for m in ("GAN", "VAE", "VQ-VAE")))
    for row in comparison.table:
        cells = " | ".join(f"{row[m]:>9.4g}" for m in ("GAN", "VAE", "VQ-VAE"))
        print(f"{row['property']:<32} | {row['measure']:<58} | {cells}")


if __name__ == "__main__":
    main()
