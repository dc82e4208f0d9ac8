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

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run without PYTHONPATH

from benchmarks.lessons import run_lessons  # noqa: E402
from toolkit.multimodal import coca_lab as lab  # noqa: E402


def main() -> None:
    run_lessons(__doc__.splitlines()[0], lab.PRESETS, lambda values: lab.run_coca(lab.CocaConfig(**values)).table(),
                {"epochs": 2})


if __name__ == "__main__":
    main()
