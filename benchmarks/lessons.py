"""What the lesson benchmarks share (``coca.py``, ``stair.py``, ``interface.py``): train every lesson of a page at its
settings and print one Markdown table of the rows its result reports, as the README quotes them.

Not a benchmark itself: ``python benchmarks/<page>.py [--quick]`` runs one.
"""

from __future__ import annotations

import argparse
import os
from typing import Callable, Iterable


def markdown_table(rows: list[dict]) -> str:
    """`rows` (dicts with the same keys) as a Markdown table, the keys as its header."""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(row[k]) for k in header) + " |" for row in rows])


def run_lessons(description: str, presets: Iterable, rows_of: Callable[[dict], list[dict]], quick: dict) -> None:
    """Parses ``--quick`` (then each lesson's settings are updated with `quick`), prints the machine's cores and
    load, then the table: for each preset, ``rows_of(its settings)`` with the lesson's title in front."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: {quick}")
    args = parser.parse_args()
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}\n")
    rows = [{"lesson": preset.title, **row} for preset in presets
            for row in rows_of({**preset.values, **(quick if args.quick else {})})]
    print(markdown_table(rows))
