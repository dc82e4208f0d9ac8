"""Chapter 5 (detection) benchmarks: the five detectors at the page's defaults, and YOLO to its target.

Two markdown tables, with the core count and the load average (the machine may be shared):

1. Every detector trained at the Detection page's defaults (``DetectionConfig``: 2,000
   scenes, batch 32, Adam) and measured on 500 held-out scenes: training time, mAP@0.5,
   mAP@[.5:.95], CNN passes and inference time per image (selective search included for
   R-CNN and Fast R-CNN; the first search of a scene set is timed, later runs read it from
   the disk cache).
2. YOLO until mAP@0.5 >= 0.8 on the 500 held-out scenes (the issue's target: within 3
   minutes on 2 cores), evaluated after every chunk of epochs; the time counts training and
   tracing, not data generation or evaluation.

Timings are never asserted. Run from the repository root:

    python benchmarks/detection.py                 # both tables (several minutes on 2 cores)
    python benchmarks/detection.py --models yolo faster_rcnn --skip-target
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

from benchmarks.host import machine  # noqa: E402
from toolkit.data.shapes import SHAPES  # noqa: E402
from toolkit.detection.metrics import MAP_50_95, mean_average_precision  # noqa: E402
from toolkit.detection.training import DETECTOR_NAMES, DetectionConfig, detection_data, run_detectors  # noqa: E402
from toolkit.detection.yolo import YOLO  # noqa: E402
from toolkit.train import fit  # noqa: E402
from toolkit.train.compare import seeded_build  # noqa: E402

HELD_OUT = 500


def defaults_table(models, epochs) -> None:
    config = DetectionConfig(models=tuple(models), test=HELD_OUT,
                             **({"epochs": epochs} if epochs else {}))
    print(f"\n## 1. The detectors at the page's defaults ({config.n} scenes, {config.epochs} epochs, batch "
          f"{config.batch}), {HELD_OUT} held-out scenes\n")
    result = run_detectors(config)
    rows = result.table
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


def yolo_to_target(target=0.8, budget=180.0, chunk=2, scenes=4000) -> None:
    config = DetectionConfig(models=("yolo",), n=scenes, test=HELD_OUT)
    train, test = detection_data(config)
    y = {"boxes": train.boxes, "classes": train.classes}

    def build():
        model = YOLO(num_classes=len(SHAPES))
        model.compile(keras.optimizers.Adam(config.lr))
        return model

    model = seeded_build(build, config.seed)
    print(f"\n## 2. YOLO to mAP@0.5 >= {target} on {HELD_OUT} held-out scenes ({config.n} training scenes, "
          f"batch {config.batch}, Adam {config.lr:g})\n")
    print("| epochs | training s | mAP@0.5 | mAP@[.5:.95] |\n|---|---|---|---|")
    seconds, epochs = 0.0, 0
    while seconds < budget:
        start = time.perf_counter()
        fit(model, train.images, y, epochs=epochs + chunk, initial_epoch=epochs, batch_size=config.batch,
            seed=config.seed, verbose=0)
        seconds, epochs = seconds + time.perf_counter() - start, epochs + chunk
        found = model.detect(test.images, score_threshold=config.score, iou_threshold=config.nms)
        scores = [mean_average_precision(found, test.boxes, test.classes, num_classes=len(SHAPES),
                                          iou_thresholds=t) for t in ((0.5,), MAP_50_95)]
        print(f"| {epochs} | {seconds:.1f} | {scores[0]:.3f} | {scores[1]:.3f} |", flush=True)
        if scores[0] >= target:
            break


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", choices=DETECTOR_NAMES, default=list(DETECTOR_NAMES))
    parser.add_argument("--epochs", type=int, default=None, help="epochs of table 1 (default: the page's)")
    parser.add_argument("--skip-defaults", action="store_true")
    parser.add_argument("--skip-target", action="store_true")
    args = parser.parse_args(argv)
    print(machine())
    if not args.skip_defaults:
        defaults_table(args.models, args.epochs)
    if not args.skip_target:
        yolo_to_target()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
