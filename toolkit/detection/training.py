"""The five detectors of the notes' story trained side by side on the same scenes, and measured.

``run_detectors(DetectionConfig(...))`` is the one call of the Detection & segmentation page
and of ``benchmarks/detection.py``: every chosen detector is built from the same seed, trained
by ``toolkit.train.fit`` on the same training scenes and batches, then detects the held-out
scenes. The results table is the notes' story in numbers:

    R-CNN        one CNN pass per proposal          (selective search, then P crops)
    Fast R-CNN   one CNN pass per image             (ROI pooling of the same proposals)
    Faster R-CNN one pass, proposals from the RPN   (no selective search)
    YOLO         one pass, no proposals at all      (the grid regresses boxes directly)
    Mask R-CNN   Faster R-CNN + ROI Align + a mask per detection

    (1) mAP@0.5       mean over classes of the area under precision-recall, IoU >= 0.5
    (2) mAP@[.5:.95]  the mean of (1) over IoU thresholds 0.5, 0.55, ..., 0.95
    (3) time per image = (proposal search + detection) wall time / held-out images

R-CNN and Fast R-CNN train on proposals made of jittered ground-truth boxes and selective
search's best (``two_stage.training_proposals``) and detect on selective search alone; both
are computed once per scene set and cached on disk (``toolkit.data.cache``).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable, NamedTuple

import keras
import numpy as np

from toolkit.config import Config, setting
from toolkit.data.cache import cache_path, load_arrays, save_arrays
from toolkit.data.shapes import BACKGROUNDS, SHAPES, Scenes, scenes
from toolkit.detection.metrics import MAP_50_95, Detections, mean_average_precision
from toolkit.train import fit
from toolkit.train.compare import seeded_build

PROPOSALS_VERSION = 1
MAP_SCORE = 0.05  # lowest score kept for mAP
PROPOSALS_PER_IMAGE = 100  # R-CNN used ~2000 on 500×375 photos; 100 cover a 64×64 scene


class Detector(NamedTuple):
    """One row of the notes' story: the model class, what it needs as input, what it introduced."""

    title: str
    build: Callable[..., keras.Model]
    proposals: str  # "selective search", "RPN" or "none (grid)"
    passes: str  # CNN passes per image, in words
    introduced: str

    @property
    def needs_proposals(self) -> bool:
        return self.proposals == "selective search"


@functools.cache
def detectors() -> dict[str, Detector]:
    """name -> ``Detector``, in the notes' order (imported on first use: the models load TensorFlow)."""
    from toolkit.detection.faster_rcnn import FasterRCNN
    from toolkit.detection.mask_rcnn import MaskRCNN
    from toolkit.detection.rcnn import RCNN, FastRCNN
    from toolkit.detection.yolo import YOLO

    return {
        "rcnn": Detector("R-CNN", RCNN, "selective search", "P (one per proposal)",
                         "a CNN classifies each warped proposal (2014)"),
        "fast_rcnn": Detector("Fast R-CNN", FastRCNN, "selective search", "1",
                              "one CNN pass per image, ROI pooling of the proposals (2015)"),
        "faster_rcnn": Detector("Faster R-CNN", FasterRCNN, "RPN", "1",
                                "a Region Proposal Network replaces selective search, end to end (2015)"),
        "yolo": Detector("YOLO", YOLO, "none (grid)", "1", "one pass regresses boxes on an S×S grid (2016)"),
        "mask_rcnn": Detector("Mask R-CNN", MaskRCNN, "RPN", "1", "ROI Align and a mask head per detection (2017)"),
    }


DETECTOR_NAMES = ("rcnn", "fast_rcnn", "faster_rcnn", "yolo", "mask_rcnn")
# What each detector computes for an image x with proposals b_1..b_P (the page shows the chosen ones).
MODEL_FORMULAS = {
    "rcnn": r"\text{R-CNN: } \text{CNN}(\text{warp}(x[b_p])),\ p = 1..P",
    "fast_rcnn": r"\text{Fast R-CNN: } \text{RoIPool}(\text{CNN}(x), b_p)",
    "faster_rcnn": r"\text{Faster R-CNN: } b_p \in \text{top}_P\,\text{RPN}(\text{CNN}(x))",
    "yolo": r"\text{YOLO: } \text{score}_{ijk} = \hat C_{ij}\,\hat p_i(k)",
    "mask_rcnn": r"\text{Mask R-CNN: } L = L_{\text{cls}} + L_{\text{box}} + L_{\text{mask}}",
}


@dataclasses.dataclass(frozen=True)
class DetectionConfig(Config):
    """The Detection & segmentation page's settings (field names are its URL names).

    The defaults compare the two ends of the notes' story on 1,000 scenes for 10 epochs: YOLO
    (one pass; trained first, about 20 s on 2 cores) and Faster R-CNN (two stages, RPN
    proposals; about 100 s). Measured on 500 held-out scenes: mAP@0.5 0.82 and 0.93,
    mAP@[.5:.95] 0.43 and 0.59, 0.9 and 8.7 ms per image (``tests/detection/test_page_defaults.py``, ``benchmarks/detection.py``).
    """

    models: tuple = setting(("yolo", "faster_rcnn"), choices=DETECTOR_NAMES, min_count=1,
                            label="Detectors", help="Each trains in turn, in this order, from the same seed on the "
                                                    "same scenes.",
                            formula=MODEL_FORMULAS)
    n: int = setting(1000, lo=200, hi=10_000, step=100, widget="number", label="Training scenes")
    test: int = setting(200, lo=20, hi=1000, step=20, widget="number", label="Held-out scenes")
    epochs: int = setting(10, lo=1, hi=100, widget="number", label="Epochs")
    batch: int = setting(32, choices=(8, 16, 32, 64, 128), label="Batch size")
    lr: float = setting(3e-3, lo=1e-5, hi=0.1, step=1e-4, label="Learning rate (Adam)")
    max_objects: int = setting(3, lo=1, hi=6, label="Objects per scene (at most)")
    background: str = setting("plain", choices=BACKGROUNDS, label="Background")
    score: float = setting(0.3, lo=0.0, hi=1.0, step=0.05, label="Score threshold",
                           formula=r"\text{keep } \hat b \text{ if } s(\hat b) \ge \tau_s")
    nms: float = setting(0.5, lo=0.05, hi=1.0, step=0.05, label="NMS IoU threshold",
                         formula=r"\text{drop } \hat b' \text{ if } \mathrm{IoU}(\hat b, \hat b') > \tau_{\mathrm{NMS}},"
                                 r"\ s(\hat b) > s(\hat b')")
    seed: int = setting(0, lo=0, hi=9999, widget="number", label="Seed")

    def scene_args(self) -> dict:
        """``scenes(**...)`` of the training and held-out scenes together (held-out last)."""
        return {"n": self.n + self.test, "seed": self.seed, "max_objects": self.max_objects,
                "background": self.background}


def detection_data(config: DetectionConfig) -> tuple[Scenes, Scenes]:
    """(training scenes, held-out scenes) of `config`."""
    return scenes(**config.scene_args()).split(config.test)


def cached_proposals(kind: str, data: Scenes, count: int, seed: int) -> tuple[np.ndarray, float]:
    """((N, count, 4) proposals of `data`, seconds per image it took to make them): "train"
    mixes jittered ground truth into selective search (R-CNN's training regions), "test" is
    selective search alone. Cached on disk with the time measured when they were made."""
    from toolkit.detection.two_stage import search_proposals, training_proposals

    arguments = {**{k: v for k, v in data.spec.items() if k != "name"}, "rows": len(data), "count": count,
                 "proposal_seed": seed}
    path = cache_path(f"proposals-{kind}", PROPOSALS_VERSION, arguments)
    cached = load_arrays(path)
    if cached is not None and cached["proposals"].shape[0] == len(data):
        return cached["proposals"], float(cached["seconds"])
    start = time.perf_counter()
    proposals = (training_proposals(data, count, seed) if kind == "train" else
                 search_proposals(data.images, count, seed))
    seconds = (time.perf_counter() - start) / max(len(data), 1)
    save_arrays(path, {"proposals": proposals, "seconds": np.float64(seconds)})
    return proposals, seconds


def model_inputs(detector: Detector, data: Scenes, proposals: np.ndarray | None):
    """What the detector's `fit` and `detect` take as x for `data`."""
    if detector.needs_proposals:
        return {"images": data.images, "proposals": proposals}
    return data.images


def targets(data: Scenes, detector_name: str) -> dict:
    """The y of ``fit``: padded boxes and classes (and instance masks for Mask R-CNN)."""
    y = {"boxes": data.boxes, "classes": data.classes}
    if detector_name == "mask_rcnn":
        y["masks"] = data.masks
    return y


@dataclasses.dataclass
class Measurement:
    """One detector on the held-out scenes (`detections` down to score ``MAP_SCORE``)."""

    title: str
    detections: list
    map_50: float
    map_50_95: float
    ms_per_image: float
    passes: int
    proposals: str
    parameters: int
    train_seconds: float

    def row(self) -> dict:
        return {"Detector": self.title, "Proposals from": self.proposals,
                "CNN passes per image": self.passes, "mAP@0.5": round(self.map_50, 3),
                "mAP@[.5:.95]": round(self.map_50_95, 3), "ms per image": round(self.ms_per_image, 1),
                "Training (s)": round(self.train_seconds, 1), "Parameters": self.parameters}

    def shown(self, score: float, count: int) -> list[Detections]:
        """The first `count` images' detections with a score of at least `score` (what the page draws)."""
        return [Detections(d.boxes[d.scores >= score], d.scores[d.scores >= score], d.classes[d.scores >= score],
                           None if d.masks is None else d.masks[d.scores >= score])
                for d in self.detections[:count]]


class DetectionResults:
    """The runs of one comparison, the held-out scenes and each detector's measurement."""

    def __init__(self, config: DetectionConfig, runs: dict, test: Scenes, measurements: dict):
        self.config, self.runs, self.test, self.measurements = config, runs, test, measurements

    @property
    def table(self) -> list[dict]:
        return [measurement.row() for measurement in self.measurements.values()]


def measure(title: str, model, detector: Detector, test: Scenes, x_test, search_seconds: float,
            config: DetectionConfig, train_seconds: float) -> Measurement:
    """Detections of the held-out scenes, their mAP (1)-(2) and the time per image (3).

    mAP reads the whole precision-recall curve, so detections are kept down to ``MAP_SCORE``
    (as COCO evaluations do); the page's score threshold only chooses what is drawn."""
    start = time.perf_counter()
    found = model.detect(x_test, score_threshold=MAP_SCORE, iou_threshold=config.nms)
    seconds = time.perf_counter() - start + (search_seconds * len(test) if detector.needs_proposals else 0.0)
    scores = {threshold: mean_average_precision(found, test.boxes, test.classes, num_classes=len(SHAPES),
                                                iou_thresholds=threshold)
              for threshold in ((0.5,), MAP_50_95)}
    return Measurement(title, found, scores[(0.5,)], scores[MAP_50_95], 1000 * seconds / len(test),
                       model.forward_passes(1), detector.proposals, model.count_params(), train_seconds)


def run_detectors(config: DetectionConfig, data: tuple[Scenes, Scenes] | None = None, *, callbacks=(),
                  stop=None) -> DetectionResults:
    """Trains every detector of `config.models` in turn and measures it on the held-out scenes."""
    train, test = data if data is not None else detection_data(config)
    chosen = {name: detectors()[name] for name in config.models}
    proposals, search_seconds = _proposals(chosen, train, test, config.seed)
    runs, measurements = {}, {}
    for name, detector in chosen.items():
        model = seeded_build(lambda: _compiled(detector, config), config.seed)
        x_train = model_inputs(detector, train, proposals.get("train"))
        x_test = model_inputs(detector, test, proposals.get("test"))
        run = fit(model, x_train, targets(train, name), epochs=config.epochs, batch_size=config.batch,
                  validation_data=(x_test, targets(test, name)), seed=config.seed, callbacks=callbacks, stop=stop,
                  name=detector.title, config={"detector": name, "scenes": train.spec})
        runs[detector.title] = run
        measurements[detector.title] = measure(detector.title, model, detector, test, x_test, search_seconds,
                                               config, run.wall_time)
        if run.status == "stopped":
            break
    return DetectionResults(config, runs, test, measurements)


def _compiled(detector: Detector, config: DetectionConfig) -> keras.Model:
    seeded = {} if detector.title == "YOLO" else {"seed": config.seed}  # YOLO draws no regions
    model = detector.build(num_classes=len(SHAPES), **seeded)
    model.compile(keras.optimizers.Adam(config.lr))
    return model


def _proposals(chosen: dict, train: Scenes, test: Scenes, seed: int) -> tuple[dict, float]:
    """Training and held-out proposals when a chosen detector needs selective search, and the
    search's seconds per held-out image (part of those detectors' time per image)."""
    if not any(detector.needs_proposals for detector in chosen.values()):
        return {}, 0.0
    test_proposals, seconds = cached_proposals("test", test, PROPOSALS_PER_IMAGE, seed)
    return {"train": cached_proposals("train", train, PROPOSALS_PER_IMAGE, seed)[0], "test": test_proposals}, seconds
