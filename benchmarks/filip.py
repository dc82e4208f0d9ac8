"""FILIP against CLIP on the CLIP page's data: the same scenes, captions, split, seed and batches.

Each at its own page's defaults: CLIP ``ClipConfig()`` (5,000 scenes of one or two shapes, 30 epochs at Adam
0.002, batch 128), FILIP ``FilipConfig()`` (the same data and batches, 25 epochs at 0.001); ``--epochs E`` trains
both for E. CLIP compares one pooled vector per side, FILIP every patch of the CNN's last 4 × 4 map with every
word (``toolkit.multimodal.filip``). Printed: epochs, learning rate, training seconds, recall@1/5 both ways on
the 500 held-out pairs, and zero-shot accuracy on 600 single shapes with the prompt "a {}".

    python benchmarks/filip.py [--epochs E]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from toolkit.data import shapes  # noqa: E402
from toolkit.multimodal import filip, lab  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="epochs of each (default: each page's own, 30 and 25)")
    args = parser.parse_args()
    epochs = {} if args.epochs is None else {"clip_epochs": args.epochs}
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}\n")
    rows = []
    clip_config, filip_config = lab.ClipConfig(**epochs), filip.FilipConfig(**epochs)
    clip_result = lab.run_clip(clip_config)
    rows.append(("CLIP (pooled u · v)", clip_config, clip_result.run.wall_time, clip_result.recalls(),
                 clip_result.zero_shot([lab.HAND_PROMPT])[0]))
    filip_result = filip.run_filip(filip_config)
    model = filip_result.model
    recalls = filip.filip_recalls(model, filip_result.test.images, filip_result.captions)
    images, labels = filip_result.probe
    zero_shot = float(np.mean(filip.filip_zero_shot(model, images, shapes.SHAPES, lab.HAND_PROMPT) == labels))
    rows.append(("FILIP (token-wise)", filip_config, filip_result.run.wall_time, recalls, zero_shot))
    print("| model | epochs | Adam η | train (s) | image→text R@1 | R@5 | text→image R@1 | R@5 | "
          "zero-shot 'a {}' |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, config, seconds, r, z in rows:
        print(f"| {name} | {config.clip_epochs} | {config.clip_lr:g} | {seconds:.1f} | {r['image → text'][1]:.3f} | "
              f"{r['image → text'][5]:.3f} | "
              f"{r['text → image'][1]:.3f} | {r['text → image'][5]:.3f} | {z:.3f} |")


if __name__ == "__main__":
    main()
