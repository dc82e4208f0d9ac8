"""Selective search: region proposals by grouping similar pixels, the step before R-CNN classifies them.

Selective search (Uijlings et al. 2013) proposes the boxes where objects may be without
looking at any class: it over-segments the image into small regions of similar colour, then
greedily merges the two most similar neighbouring regions until one region is left. Every
region met on the way, from the first segments to the whole image, is a proposal, so objects
of every size get a box.

The first regions come from graph-based segmentation (Felzenszwalb & Huttenlocher 2004). The
pixels are the vertices of an 8-connected grid graph whose edges weigh the colour distance of
the two (Gaussian-smoothed) pixels, in 0-255 units as in the paper. Taking the edges from the
lightest up, two components C1, C2 merge when the edge is no heavier than both of their
internal differences plus a threshold that favours larger components for smaller k:

    (1) w(p, q) = 255 · ‖I_σ(p) − I_σ(q)‖₂
    (2) Int(C) = the heaviest edge of C's minimum spanning tree     (the last edge that merged into C)
    (3) τ(C) = k / |C|
    (4) merge C1, C2 along edge e  when  w(e) ≤ min(Int(C1) + τ(C1), Int(C2) + τ(C2))

then components smaller than ``min_size`` pixels join their neighbour along the lightest edge.
Selective search merges the neighbours r_i, r_j of highest similarity, a sum of the chosen
strategies (c = the region's 75-bin colour histogram, 25 bins per channel, L1-normalised;
size(·) in pixels; BB_ij the box around both):

    (5) s_colour(r_i, r_j) = Σ_k min(c_i^k, c_j^k)
    (6) s_size(r_i, r_j) = 1 − (size(r_i) + size(r_j)) / size(im)
    (7) s_fill(r_i, r_j) = 1 − (size(BB_ij) − size(r_i) − size(r_j)) / size(im)
    (8) the merged region r_t: size_t = size_i + size_j,  c_t = (size_i c_i + size_j c_j) / size_t,
        its box the union of the two boxes

The proposals are ranked as in the paper: the region created last (the whole image) has
position 1, the one before it position 2, and so on; each position is multiplied by a random
number in [0, 1] (seeded), so large regions come first without crowding out small ones:

    (9) v_i = RND_i · i,  proposals sorted by increasing v_i, identical boxes kept once.

Symbols -> names: k = ``k``, σ = ``sigma``, Int(C) = ``internal``, |C| = ``size``.
Boxes are xyxy in pixels ([x_min, y_min, x_max, y_max), a region of columns 10..19 has
x_min = 10, x_max = 20). The segmentation and the grouping are NumPy.
"""

from __future__ import annotations

import numbers

import numpy as np
from keras import ops

from toolkit.detection.boxes import iou
from toolkit.validation import (check_choices, check_float, check_int, check_nonnegative, check_positive_int,
                                check_seed)

STRATEGIES = ("colour", "size", "fill")
HISTOGRAM_BINS = 25  # per channel, as in the paper
RECALL_COUNTS = (1, 5, 10, 20, 50, 100, 200)


def felzenszwalb(image, *, k: float = 100.0, sigma: float = 0.8, min_size: int = 20) -> np.ndarray:
    """Graph-based segmentation, Eqs. 1-4: (H, W) int32 region labels 0..n-1, numbered in raster order.

    Args:
        image: (H, W, 3) or (H, W) floats in [0, 1].
        k: Eq. 3's scale; larger k, larger regions.
        sigma: standard deviation of the Gaussian smoothing applied first (0: none).
        min_size: regions smaller than this many pixels are merged into a neighbour.
    """
    k = check_float("k", k, 0.0, None, open_low=True)
    sigma = check_nonnegative("sigma", sigma)
    min_size = check_int("min_size", min_size, 0)
    colours = gaussian_smooth(_as_colour_image(image), sigma)
    height, width = colours.shape[:2]
    first, second, weights = _grid_edges(colours)
    order = np.argsort(weights, kind="stable")  # Eq. 4 visits the edges from the lightest up
    first, second, weights = first[order], second[order], weights[order]
    forest = _Forest(height * width)
    _merge_by_threshold(forest, first.tolist(), second.tolist(), weights.tolist(), k)
    roots = forest.roots()
    between = roots[first] != roots[second]  # only these edges can still join two components
    _merge_small(forest, first[between].tolist(), second[between].tolist(), weights[between].tolist(), min_size)
    return _raster_labels(forest.roots(), height, width)


def _as_colour_image(image) -> np.ndarray:
    image = np.asarray(image, np.float64)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or min(image.shape[:2]) < 2:
        raise ValueError(f"`image` must be (H, W, C) or (H, W) with H, W >= 2, received shape {image.shape}.")
    return image


def gaussian_smooth(image: np.ndarray, sigma: float) -> np.ndarray:
    """(H, W, C) image blurred by a separable Gaussian (truncated at 4σ, mirrored borders, as scipy.ndimage)."""
    if sigma == 0:
        return image
    radius = int(4.0 * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    for axis in (0, 1):
        pads = [(0, 0)] * image.ndim
        pads[axis] = (radius, radius)
        padded = np.pad(image, pads, mode="symmetric")
        n = image.shape[axis]
        image = sum(t * np.take(padded, np.arange(i, i + n), axis=axis) for i, t in enumerate(taps))
    return image


def _grid_edges(colours: np.ndarray):
    """Eq. 1 on the 8-connected grid: (first pixel, second pixel, weight), pixels numbered r·W + c."""
    height, width = colours.shape[:2]
    index = np.arange(height * width).reshape(height, width)
    # right, down, down-right, down-left neighbours: (rows, cols) slices of the pixel and of its neighbour
    offsets = [((slice(None), slice(0, -1)), (slice(None), slice(1, None))),
               ((slice(0, -1), slice(None)), (slice(1, None), slice(None))),
               ((slice(0, -1), slice(0, -1)), (slice(1, None), slice(1, None))),
               ((slice(0, -1), slice(1, None)), (slice(1, None), slice(0, -1)))]
    first = np.concatenate([index[a].ravel() for a, _ in offsets])
    second = np.concatenate([index[b].ravel() for _, b in offsets])
    weights = np.concatenate([255.0 * np.linalg.norm(colours[a] - colours[b], axis=-1).ravel() for a, b in offsets])
    return first, second, weights


class _Forest:
    """Union-find over the pixels: each tree is one component C with its |C| and Int(C) at the root."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.size = [1] * n
        self.internal = [0.0] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving
            x = parent[x]
        return x

    def union(self, a: int, b: int, weight: float) -> None:
        """Merge the trees of roots a and b (the smaller under the larger); Eq. 2: Int = the merging edge."""
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        self.internal[a] = weight

    def roots(self) -> np.ndarray:
        """(n,) the root of every vertex."""
        return np.array([self.find(p) for p in range(len(self.parent))])


def _merge_by_threshold(forest: _Forest, first, second, weights, k: float) -> None:
    """Eq. 4 over the sorted edges."""
    find, size, internal = forest.find, forest.size, forest.internal
    for a, b, w in zip(first, second, weights):
        a, b = find(a), find(b)
        # Eq. 4 with Eq. 3: w(e) <= min(Int(C1) + k/|C1|, Int(C2) + k/|C2|)
        if a != b and w <= internal[a] + k / size[a] and w <= internal[b] + k / size[b]:
            forest.union(a, b, w)


def _merge_small(forest: _Forest, first, second, weights, min_size: int) -> None:
    """Components under `min_size` pixels join the neighbour across their lightest edge."""
    find, size = forest.find, forest.size
    for a, b, w in zip(first, second, weights):
        a, b = find(a), find(b)
        if a != b and (size[a] < min_size or size[b] < min_size):
            forest.union(a, b, w)


def _raster_labels(roots: np.ndarray, height: int, width: int) -> np.ndarray:
    """Each pixel's component (its root), numbered 0, 1, ... in the order their first pixel appears (row by row)."""
    _, first_pixel, inverse = np.unique(roots, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first_pixel))
    return rank[inverse].reshape(height, width).astype(np.int32)


def selective_search(image, *, k=100.0, strategies=STRATEGIES, max_proposals: int = 200,
                     sigma: float = 0.8, min_size: int = 20, seed: int = 0) -> np.ndarray:
    """Proposals (P, 4) xyxy in pixels, best ranked first (Eq. 9), P <= max_proposals.

    Args:
        image: (H, W, 3) floats in [0, 1].
        k: Felzenszwalb's scale (Eq. 3), or a sequence of scales: one hierarchy per scale, all
            ranked together (the paper's diversification over starting segmentations).
        strategies: the similarities summed (Eqs. 5-7), a non-empty subset of STRATEGIES.
        max_proposals: how many of the ranked, deduplicated boxes to keep.
        sigma, min_size: Felzenszwalb's smoothing and smallest region.
        seed: the random factors of Eq. 9.
    """
    scales = _scales(k)
    strategies = check_choices("strategies", strategies, STRATEGIES, min_count=1)
    max_proposals = check_positive_int("max_proposals", max_proposals)
    rng = np.random.default_rng(check_seed(seed))
    image = _as_colour_image(image)
    boxes, priorities = [], []
    for scale in scales:
        labels = felzenszwalb(image, k=scale, sigma=sigma, min_size=min_size)
        hierarchy = hierarchical_grouping(image, labels, strategies)
        boxes.append(hierarchy)
        # Eq. 9: position i = 1 for the last region created, RND_i uniform in [0, 1)
        priorities.append(rng.random(len(hierarchy)) * np.arange(len(hierarchy), 0, -1))
    return _ranked_unique(np.concatenate(boxes), np.concatenate(priorities))[:max_proposals]


def _scales(k) -> tuple[float, ...]:
    values = k if isinstance(k, (tuple, list)) else (k,)
    if not values or not all(isinstance(v, numbers.Real) for v in values):
        raise ValueError(f"`k` must be a positive number or a non-empty sequence of them, received k={k!r}.")
    return tuple(check_float("k", v, 0.0, None, open_low=True) for v in values)


def _ranked_unique(boxes: np.ndarray, priorities: np.ndarray) -> np.ndarray:
    """Boxes by increasing priority (a stable sort), each distinct box kept at its best place."""
    ranked = boxes[np.argsort(priorities, kind="stable")]
    _, first = np.unique(ranked, axis=0, return_index=True)
    return ranked[np.sort(first)].astype(np.float32)


def hierarchical_grouping(image, labels: np.ndarray, strategies=STRATEGIES) -> np.ndarray:
    """Greedy grouping (Eqs. 5-8): the boxes of all 2n − 1 regions, in the order they were created.

    The first n rows are the segments of `labels` (n of them), then one row per merge; the last
    row is the box of the whole image's region.
    """
    regions = _Regions(np.asarray(image, np.float64), labels)
    similarity = {pair: regions.similarity(*pair, strategies) for pair in _neighbour_pairs(labels)}
    while similarity:
        i, j = max(similarity, key=similarity.get)  # ties: the pair found first
        t = regions.merge(i, j)
        touching = {a if b in (i, j) else b for a, b in similarity if a in (i, j) or b in (i, j)} - {i, j}
        similarity = {pair: s for pair, s in similarity.items() if i not in pair and j not in pair}
        similarity.update({(n, t): regions.similarity(n, t, strategies) for n in sorted(touching)})
    return regions.boxes[:regions.count]


def _neighbour_pairs(labels: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (a, b), a < b, of regions that touch horizontally or vertically, sorted."""
    pairs = [np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()], axis=1),
             np.stack([labels[:-1, :].ravel(), labels[1:, :].ravel()], axis=1)]
    pairs = np.sort(np.concatenate(pairs), axis=1)
    pairs = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)
    return [(int(a), int(b)) for a, b in pairs]


class _Regions:
    """Size, box and colour histogram of every region, with room for the n − 1 merged ones."""

    def __init__(self, image: np.ndarray, labels: np.ndarray):
        n = int(labels.max()) + 1
        height, width, channels = image.shape
        self.image_size = height * width
        self.count = n
        self.sizes = np.zeros(2 * n - 1)
        self.sizes[:n] = np.bincount(labels.ravel(), minlength=n)
        self.boxes = np.zeros((2 * n - 1, 4), np.float32)
        self.boxes[:n] = _segment_boxes(labels, n)
        self.histograms = np.zeros((2 * n - 1, channels * HISTOGRAM_BINS))
        self.histograms[:n] = colour_histograms(image, labels, n)

    def similarity(self, i: int, j: int, strategies) -> float:
        """The sum of Eqs. 5-7 chosen in `strategies`."""
        both = self.sizes[i] + self.sizes[j]
        terms = {"colour": lambda: np.minimum(self.histograms[i], self.histograms[j]).sum(),  # Eq. 5
                 "size": lambda: 1.0 - both / self.image_size,  # Eq. 6
                 "fill": lambda: 1.0 - (_area(_union(self.boxes[i], self.boxes[j])) - both) / self.image_size}  # Eq. 7
        return float(sum(terms[s]() for s in strategies))

    def merge(self, i: int, j: int) -> int:
        """Eq. 8: region t = r_i ∪ r_j, stored in the next free row; returns t."""
        t = self.count
        self.sizes[t] = self.sizes[i] + self.sizes[j]
        self.boxes[t] = _union(self.boxes[i], self.boxes[j])
        self.histograms[t] = (self.sizes[i] * self.histograms[i] + self.sizes[j] * self.histograms[j]) / self.sizes[t]
        self.count += 1
        return t


def _segment_boxes(labels: np.ndarray, n: int) -> np.ndarray:
    """(n, 4) xyxy box of each label's pixels (x_max, y_max one past the last column, row)."""
    rows, cols = np.indices(labels.shape)
    flat = labels.ravel()
    boxes = np.stack([np.full(n, np.inf), np.full(n, np.inf), np.full(n, -np.inf), np.full(n, -np.inf)], axis=1)
    np.minimum.at(boxes[:, 0], flat, cols.ravel())
    np.minimum.at(boxes[:, 1], flat, rows.ravel())
    np.maximum.at(boxes[:, 2], flat, cols.ravel() + 1)
    np.maximum.at(boxes[:, 3], flat, rows.ravel() + 1)
    return boxes


def colour_histograms(image: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """(n, C·25) per-region histograms of the channel values, each L1-normalised (Eq. 5's c_i)."""
    channels = image.shape[2]
    bins = np.minimum((np.clip(image, 0.0, 1.0) * HISTOGRAM_BINS).astype(int), HISTOGRAM_BINS - 1)
    columns = bins + HISTOGRAM_BINS * np.arange(channels)  # (H, W, C): channel c's bins after c·25
    index = labels[..., None] * channels * HISTOGRAM_BINS + columns
    counts = np.bincount(index.ravel(), minlength=n * channels * HISTOGRAM_BINS).reshape(n, -1)
    return counts / counts.sum(axis=1, keepdims=True)


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.concatenate([np.minimum(a[:2], b[:2]), np.maximum(a[2:], b[2:])])


def _area(box: np.ndarray) -> float:
    return float((box[2] - box[0]) * (box[3] - box[1]))


def proposal_recall(proposals_per_image, boxes, classes, counts=RECALL_COUNTS, iou_threshold: float = 0.5) -> dict:
    """{count: recall}: the fraction of ground-truth boxes that one of an image's first `count`
    proposals covers with IoU >= `iou_threshold`.

    Args:
        proposals_per_image: one (P, 4) xyxy array per image, best ranked first.
        boxes: (N, M, 4) ground-truth boxes, padded with -1.
        classes: (N, M) class ids, -1 for padding (only the rows with a class count).
        counts: the numbers of proposals kept.
    """
    iou_threshold = check_float("iou_threshold", iou_threshold, 0.0, 1.0, open_low=True)
    counts = tuple(check_positive_int("counts", c) for c in counts)
    boxes, classes = np.asarray(boxes, np.float32), np.asarray(classes)
    if len(proposals_per_image) != len(boxes):
        raise ValueError(f"`proposals_per_image` must have one array per image ({len(boxes)}), "
                         f"received {len(proposals_per_image)}.")
    # per image: (objects, proposals) IoU; the first proposal reaching the threshold for each object
    first_hit = np.concatenate([_first_hit(np.asarray(p, np.float32).reshape(-1, 4), b[c >= 0], iou_threshold)
                                for p, b, c in zip(proposals_per_image, boxes, classes)])
    total = max(len(first_hit), 1)
    return {c: float(np.sum(first_hit < c) / total) for c in counts}


def _first_hit(proposals: np.ndarray, truth: np.ndarray, iou_threshold: float) -> np.ndarray:
    """For each ground-truth box, the rank of the first proposal with IoU >= threshold (inf if none)."""
    if not len(proposals):
        return np.full(len(truth), np.inf)
    hits = ops.convert_to_numpy(iou(truth, proposals)) >= iou_threshold  # (objects, proposals)
    return np.where(hits.any(axis=1), hits.argmax(axis=1), np.inf)
