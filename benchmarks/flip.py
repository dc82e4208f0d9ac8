"""FLIP against the ViT CLIP on the CLIP page's data: the same scenes, captions, split, seed and batches.

The ViT CLIP (r = 0) and FLIP at several patch-drop ratios r (``toolkit.multimodal.flip``), each for the page's
epochs (``FlipConfig()``: 15, batch 64), and FLIP at r = 0.5 for 4/3 of them (about the ViT CLIP's time). Printed:
patches read per scene while training, training seconds and seconds per epoch, recall@1/5 both ways on the 500
held-out pairs (every patch read), zero-shot accuracy on 600 single shapes with "a {}".

    python benchmarks/flip.py [--epochs E]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from toolkit.data import load  # noqa: E402
from toolkit.multimodal import flip, lab  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = flip.FlipConfig().clip_epochs
    parser.add_argument("--epochs", type=int, default=default, help=f"epochs of each run (default: the page's {default})")
    args = parser.parse_args()
    config = flip.FlipConfig(clip_epochs=args.epochs, flip_epochs=args.epochs)
    data = load(**lab.clip_data_spec(config))
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}\n")
    print("| model | patches read | epochs | train (s) | s / epoch | image→text R@1 | R@5 | text→image R@1 | R@5 "
          "| zero-shot 'a {}' |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    runs = [(0.0, args.epochs), (0.25, args.epochs), (0.5, args.epochs), (0.75, args.epochs),
            (0.5, round(args.epochs * 4 / 3))]
    for ratio, epochs in runs:
        result = flip.run_flip(config, data, ratio=ratio, epochs=epochs)
        row = flip.FlipComparison(result, None).table()[0]
        print(f"| {row['model']} | {row['patches read']} | {row['epochs']} | {row['train (s)']} | {row['s / epoch']} | "
              f"{row['image→text R@1']} | {row['image→text R@5']} | {row['text→image R@1']} | "
              f"{row['text→image R@5']} | {row[f'zero-shot {lab.HAND_PROMPT!r}']} |", flush=True)


if __name__ == "__main__":
    main()
