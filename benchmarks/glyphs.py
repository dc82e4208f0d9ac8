"""How fast `toolkit.data.glyphs` renders images, and how fast a cached set loads back.

Prints a markdown table: images per second for a cold render (cache disabled) of 1,000 and
10,000 glyphs, and the time to load 10,000 from the on-disk cache, with the machine's core
count. Run from the repository root:

    python benchmarks/glyphs.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from toolkit.data import glyphs  # noqa: E402
from toolkit.data.synthetic_glyphs import prototypes  # noqa: E402


def seconds(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    cores = os.cpu_count()
    prototype_time = seconds(lambda: prototypes(10))  # fonts rendered and thinned once per process
    rows = [("prototypes (8 fonts x 10 digits, once per process)", prototype_time, None)]
    for n in (1_000, 10_000):
        elapsed = seconds(lambda: glyphs(n=n, seed=0, cache=False))
        rows.append((f"render {n:,} glyphs (cold, cache disabled)", elapsed, n / elapsed))
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TOOLKIT_CACHE_DIR"] = folder
        write = seconds(lambda: glyphs(n=10_000, seed=0))
        read = seconds(lambda: glyphs(n=10_000, seed=0))
        size = sum(path.stat().st_size for path in Path(folder).iterdir())
    rows.append(("render + write cache, 10,000 glyphs", write, 10_000 / write))
    rows.append((f"load 10,000 glyphs from cache ({size / 2**20:.1f} MB)", read, 10_000 / read))
    print(f"glyphs benchmark, {cores} CPU cores (os.cpu_count())\n")
    print("| step | seconds | images/s |")
    print("| --- | ---: | ---: |")
    for step, elapsed, rate in rows:
        print(f"| {step} | {elapsed:.3f} | {'' if rate is None else f'{rate:,.0f}'} |")


if __name__ == "__main__":
    main()
