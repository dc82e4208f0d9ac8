"""The masked autoencoder of the Masked image modeling page: reconstruction and linear probes at the defaults.

Trains ``MaeConfig()`` (20 epochs of 3,000 shape crops, 75 % of the 64 patches hidden) with the supervised
bound on (the same encoder trained with the shape labels for the same epochs), then the masking ratio 0.25
and the 8 × 8 patches of the page's other lessons. For each: training seconds, Eq. 5 on 1,000 held-out crops
against the no-context baseline (every hidden patch painted the mean visible colour), and linear-probe
accuracies on the frozen features (the untrained encoder's and the supervised one's as rows of the first).

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
            ("patch_size 8", lab.MaeConfig(patch_size=8, **epochs))]
    reconstruction, probes = [], []
    for name, config in runs:
        result = lab.run_mae(config)
        errors = result.reconstruction_errors
        reconstruction.append({"run": name, "train (s)": round(result.run.wall_time, 1),
                               "final loss": round(float(result.run.history["loss"][-1]), 4),
                               "Eq. 5 held-out": round(errors["mae"], 4),
                               "no-context baseline": round(errors["mean colour of the visible patches"], 4)})
        probes += [{"run": name, **row} for row in result.probes]
    _print(reconstruction)
    _print(probes)


if __name__ == "__main__":
    main()
