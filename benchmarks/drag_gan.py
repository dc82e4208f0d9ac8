"""DragGAN measurements: how close the handle gets to the target, per step count, for both latents.

The generator is the DragGAN page's default (``DragGeneratorConfig()``: the glyph DCGAN, 4
epochs on 2,000 glyphs). Each draw picks a sample (seed of z), a handle on one of its strokes
(a pixel > 0.5 at least 3 pixels inside the image) and a target 3-6 pixels away in a random
direction, then drags at ``DragConfig``'s defaults for at most the largest step count; the
distance after k steps is read from the recorded handles (a drag that reached its target keeps
its last distance). Per latent ("map": G's 7x7 map h, "z"): mean ||t - p|| after 0, 10, 20,
40 and 80 steps, the share of draws within 1 pixel, and at the end the share of glyphs the
shipped glyph classifier still reads as their first class, and its mean confidence after.

    python benchmarks/drag_gan.py [--draws 12] [--seed 0]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from toolkit.generative import drag  # noqa: E402
from toolkit.generative import glyph_gan as gg  # noqa: E402
from toolkit.generative.metrics import glyph_judge  # noqa: E402

STEPS = (0, 10, 20, 40, 80)


def draws(gan, count: int, seed: int) -> list[dict]:
    """`count` (sample, handle, target) settings with the handle on a stroke."""
    rng, out = np.random.default_rng(seed), []
    while len(out) < count:
        sample = int(rng.integers(0, 10_000))
        image = gan.generate_numpy(drag.sample_latent(gan.latent_dim, sample, gan.noise))[0, :, :, 0]
        ys, xs = np.nonzero(image[3:25, 3:25] > 0.5)
        if not len(xs):
            continue
        i = rng.integers(len(xs))
        handle = np.array([xs[i] + 3, ys[i] + 3])
        angle, length = rng.uniform(0, 2 * np.pi), rng.uniform(3, 6)
        target = np.clip(np.round(handle + length * np.array([np.cos(angle), np.sin(angle)])), 0, 27).astype(int)
        if np.array_equal(target, handle):
            continue
        out.append(dict(sample=sample, handle_x=int(handle[0]), handle_y=int(handle[1]),
                        target_x=int(target[0]), target_y=int(target[1])))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    start = time.perf_counter()
    gan = gg.train(drag.DragGeneratorConfig()).model
    print(f"generator: DragGeneratorConfig() trained in {time.perf_counter() - start:.1f} s")
    judge, settings = glyph_judge(), draws(gan, args.draws, args.seed)
    print(f"{'latent':>7} | " + " | ".join(f"{k:>2} steps" for k in STEPS)
          + " | within 1 px | same class | confidence | s/step")
    for latent in drag.LATENTS:
        distances, kept, confidence, seconds, steps = [], [], [], 0.0, 0
        for each in settings:
            config = drag.DragConfig(latent=latent, steps=max(STEPS), **each)
            start = time.perf_counter()
            result = drag.run_drag(gan, config)
            seconds, steps = seconds + time.perf_counter() - start, steps + len(result.distances) - 1
            distances.append([result.distances[min(k, len(result.distances) - 1)] for k in STEPS])
            before, after = judge.probabilities(result.frames[[0, -1]])
            kept.append(after.argmax() == before.argmax())
            confidence.append(after.max())
        mean = np.mean(distances, axis=0)
        within = np.mean(np.asarray(distances)[:, -1] < 1)
        print(f"{latent:>7} | " + " | ".join(f"{d:8.2f}" for d in mean)
              + f" | {within:11.0%} | {np.mean(kept):10.0%} | {np.mean(confidence):10.0%}"
              + f" | {seconds / max(steps, 1):.3f}")


if __name__ == "__main__":
    main()
