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

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run without PYTHONPATH

from benchmarks.lessons import run_lessons  # noqa: E402
from toolkit.multimodal import stair  # noqa: E402


def main() -> None:
    run_lessons(__doc__.splitlines()[0], stair.PRESETS,
                lambda values: stair.run_stair(stair.StairConfig(**values)).table(), {"epochs": 2})


if __name__ == "__main__":
    main()
