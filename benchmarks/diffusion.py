"""Chapter 10 benchmarks: the Diffusion page's DDPMs at its defaults, their samplers, and the trilemma.

Markdown tables, with the core count and the load average (the machine may be shared):

1. FID and the judge's scores of each DDPM's samples against its training time (the page's
   defaults; issue 20's target: recognizable glyphs, the judge confident on ≥ 80 % of them, within
   5 minutes on 2 cores), measured after chosen epochs of the same run.
2. Steps vs quality vs time: DDIM with 5 to 100 steps and DDPM with all T = 1,000 steps, for the
   latent and the pixel DDPM (the pixel rows on fewer samples: DDPM takes a minute or more).
3. The generative trilemma: GAN, VAE (3 epochs, batch 32, as 'Compare generative models') and the
   two DDPMs on the same glyphs: FID, recognized, classes covered, network evaluations, seconds.
4. Text-to-image (the Text-to-image page's defaults): training seconds of the autoencoder and the
   caption-conditioned DDPM, the prompt table (shape, colour, size asked for, per guidance scale)
   and the seconds to draw 108 samples.

Timings are never asserted. Run from the repository root:

    python benchmarks/diffusion.py              # about 10 minutes on 2 cores
    python benchmarks/diffusion.py --text-only  # section 4 alone, about a minute
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.host import machine  # noqa: E402
from toolkit.diffusion import lab  # noqa: E402
from toolkit.train import Callback  # noqa: E402

CHECKPOINTS = {"latent DDPM": (5, 10, 20, 40), "pixel DDPM": (1, 2, 3)}
FID_SAMPLES = 200


class ScoreAtEpochs(Callback):
    """The judge's report of 200 samples (DDIM 50, w = 2) at chosen epochs, with the seconds trained."""

    def __init__(self, monitor, judge, real_features):
        self.monitor, self.judge, self.real = monitor, judge, real_features
        self.rows = []

    def on_progress(self, run):
        model = self.monitor.model
        if model is None or run.name != model.name or run.epochs_done not in CHECKPOINTS.get(run.name, ()):
            return
        if any(r[0] == run.name and r[1] == run.epochs_done for r in self.rows):
            return
        labels = lab.digit_labels(FID_SAMPLES)
        report = self.judge.report(model.sample(labels, seed=2), self.real)
        self.rows.append((run.name, run.epochs_done, run.wall_time, report["fid"], report["recognized"]))


def text_to_image() -> None:
    from toolkit.diffusion import text_lab

    reader = text_lab.shape_reader()
    config = text_lab.TextDiffusionConfig()
    result = text_lab.run_text_diffusion(config, reader=reader)
    seconds = {name: run.wall_time for name, run in result.runs.items()}
    print(f"\n## 4. Text-to-image (page defaults: {config.n:,} crops; autoencoder {seconds['autoencoder']:.1f} s, "
          f"caption DDPM {seconds['text DDPM']:.1f} s)\n")
    columns = list(result.table()[0])
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in result.table():
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    started = time.perf_counter()
    result.model.sample(text_lab.every_prompt(), sampling_steps=lab.SCORE_STEPS, seed=9)
    print(f"\n108 samples (DDIM {lab.SCORE_STEPS} steps, w = 2): {time.perf_counter() - started:.2f} s.")


def main() -> None:
    from toolkit.generative.metrics import glyph_judge

    print(f"# Diffusion benchmarks ({machine()})\n")
    if "--text-only" in sys.argv[1:]:
        text_to_image()
        return
    judge = glyph_judge()
    config = lab.DiffusionConfig(rivals=lab.RIVALS)
    _, held_out = lab.glyph_images(config)
    monitor = lab.DiffusionMonitor()
    scores = ScoreAtEpochs(monitor, judge, judge.features(held_out[0]))
    started = time.perf_counter()
    result = lab.run_diffusion(config, callbacks=[scores], monitor=monitor, judge=judge)
    total = time.perf_counter() - started
    autoencoder = result.runs["autoencoder"].wall_time
    print(f"## 1. Samples vs training time (page defaults; {total:.0f} s for the whole call, rivals included)\n")
    print(f"The latent DDPM's seconds include its autoencoder ({autoencoder:.1f} s, "
          f"{config.autoencoder_epochs} epochs).\n")
    print("| model | epoch | training (s) | FID ↓ | recognized ↑ |\n|---|---|---|---|---|")
    for name, epoch, seconds, fid, recognized in scores.rows:
        seconds += autoencoder if name == "latent DDPM" else 0.0
        print(f"| {name} | {epoch} | {seconds:.1f} | {fid:.1f} | {recognized:.3f} |")
    print("\n## 2. Steps vs quality vs time (w = 2, the same noise for every row)\n")
    print("| model | samples | sampler | steps | seconds | recognized ↑ | digit asked for ↑ |\n|---|---|---|---|---|---|---|")
    for name, count in (("latent DDPM", 100), ("pixel DDPM", 20)):
        for row in lab.step_sweep(result.models[name], judge, count=count):
            print(f"| {name} | {count} | {row['sampler']} | {row['steps']} | {row['seconds']:.2f} | "
                  f"{row['recognized ↑']:.3f} | {row['digit asked for ↑']:.3f} |")
    print("\n## 3. The generative trilemma (the same glyphs; DDPMs: DDIM 50 steps, w = 2)\n")
    columns = list(result.table()[0])
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for row in result.table():
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    text_to_image()


if __name__ == "__main__":
    main()
