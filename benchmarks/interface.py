"""Frozen and Flamingo-mini of the LLMs-as-interface page: held-out answer accuracy per kind of question.

Trains ``InterfaceConfig()`` (both adapters in turn, from the same seed, around the shipped frozen language model
and the shipped vision encoder) and prints one row per model: the language model alone (no image), each adapter
(its training seconds), and the language model reading each scene's caption in words. Then the page's other
lessons, each with its own row.

    python benchmarks/interface.py [--quick]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run without PYTHONPATH

from benchmarks.lessons import run_lessons  # noqa: E402
from toolkit.multimodal import interface_lab as lab  # noqa: E402


def main() -> None:
    seen = set()

    def rows_of(values: dict) -> list[dict]:  # the rows without an image once: they are the same in every lesson
        rows = [row for row in lab.run_interface(lab.InterfaceConfig(**values)).table()
                if row["train (s)"] or row["model"] not in seen]
        seen.update(row["model"] for row in rows)
        return rows

    run_lessons(__doc__.splitlines()[0], lab.PRESETS, rows_of, {"epochs": 1})


if __name__ == "__main__":
    main()
