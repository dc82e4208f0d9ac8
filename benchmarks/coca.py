"""CoCa of the Contrastive captioners page: both losses, and each alone, at the page's defaults.

Trains ``CocaConfig()`` (15 epochs of 3,000 captioned shape crops, λ_con = λ_cap = 1) and the page's two other
lessons, the captioner alone (λ_con = 0, SimVLM's prefix language model) and the contrastive model alone
(λ_cap = 0, CLIP). For each: training seconds, how often the greedy captions of 1,000 held-out crops name the
right shape (and, where they name them, the right colour and size), and zero-shot shape accuracy from the
contrastive embeddings and from each prompt's likelihood as the caption.

    python benchmarks/coca.py [--quick]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from toolkit.multimodal import coca_lab as lab  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs each (a smoke run)")
    args = parser.parse_args()
    epochs = {"epochs": 2} if args.quick else {}
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}\n")
    rows = []
    for preset in lab.PRESETS:
        result = lab.run_coca(lab.CocaConfig(**{**preset.values, **epochs}))
        rows.append({"lesson": preset.title, **result.table()[0]})
    header = list(rows[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in header) + " |")


if __name__ == "__main__":
    main()
