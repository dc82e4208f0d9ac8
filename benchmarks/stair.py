"""STAIR of the Sparse vocabulary embeddings page: its three lessons at the page's defaults.

Trains ``StairConfig()`` (15 epochs of 3,000 captioned shape crops, λ = 0.01, grounded captions) and the page's
two other lessons: without grounding (the caption may weigh any word) and λ = 0.1 (every word switched off).
For each: training seconds, the share of exactly-zero weights and the words per crop and per caption on 1,000
held-out crops, the FLOPs of their image embeddings, how often the heaviest shape / colour / size word of w(x)
names the crop's shape / colour / size (no prompt), and zero-shot shape accuracy with the prompt "a {shape}".

    python benchmarks/stair.py [--quick]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from toolkit.multimodal import stair  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs each (a smoke run)")
    args = parser.parse_args()
    epochs = {"epochs": 2} if args.quick else {}
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}\n")
    rows = []
    for preset in stair.PRESETS:
        result = stair.run_stair(stair.StairConfig(**{**preset.values, **epochs}))
        rows.append({"lesson": preset.title, **result.table()[0]})
    header = list(rows[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in header) + " |")


if __name__ == "__main__":
    main()
