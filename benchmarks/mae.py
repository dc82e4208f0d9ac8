"""The MAE, BEiT and DINO of the Masked image modeling page: hidden patches put back, DINO's clusters, linear probes.

Trains ``MaeConfig()`` (20 epochs of 3,000 shape crops, 75 % of the 64 patches hidden) with the supervised
bound on (the same encoder trained with the shape labels for the same epochs), then the masking ratio 0.25
and the 8 × 8 patches of the page's other lessons, then BEiT at its lesson's 40 % and at the MAE's 75 %. For
each: training seconds, the held-out hidden patches against a guess without context (for the MAE Eq. 5 against
every hidden patch painted the mean visible colour; for BEiT the tokens named right against the most common
visible token), and linear-probe accuracies on the frozen features (the untrained encoder's and the supervised
one's as rows of the first). Then DINO at its lesson and with centring or sharpening switched off (its page
lessons): the collapse measures of its teacher on the held-out crops, and its probe rows.

    python benchmarks/mae.py [--quick]

Timings depend on the machine's load; nothing asserts them.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from toolkit.multimodal import mae_lab as lab  # noqa: E402


def _print(rows) -> None:
    header = list(rows[0])
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row[k]) for k in header))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs each (a smoke run)")
    args = parser.parse_args()
    epochs = {"epochs": 2} if args.quick else {}
    print(f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}\n")
    runs = [("defaults + supervised bound", lab.MaeConfig(supervised=True, **epochs)),
            ("mask_ratio 0.25", lab.MaeConfig(mask_ratio=0.25, **epochs)),
            ("patch_size 8", lab.MaeConfig(patch_size=8, **epochs)),
            ("BEiT (lesson)", lab.MaeConfig(methods=("beit",), **epochs)),
            ("BEiT at 75 %", lab.MaeConfig(methods=("beit",), beit_ratio=0.75, **epochs))]
    runs += [(f"DINO ({preset.name})", lab.MaeConfig(**{**preset.values, **epochs})) for preset in lab.PRESETS
             if "dino" in preset.values.get("methods", ())]
    reconstruction, probes, clusters, seconds = [], [], [], []
    for name, config in runs:
        result = lab.run_mae(config)
        reconstruction += [{"run": name, **row, "final loss": round(float(result.runs[row["method"]].history["loss"][-1]), 4)}
                           for row in result.table()]
        probes += [{"run": name, **row} for row in result.probes]
        clusters += [{"run": name, **row} for row in result.cluster_rows]
        seconds += [{"run": name, "method": method, "epochs": run.epochs_done, "train (s)": round(run.wall_time, 1)}
                    for method, run in result.runs.items()]
    for rows in (seconds, reconstruction, clusters, probes):
        _print(rows)


if __name__ == "__main__":
    main()
