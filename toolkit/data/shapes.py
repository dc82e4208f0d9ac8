"""Shapes: generated scenes of coloured shapes, with boxes, instance masks, captions and questions.

A scene is a `size` × `size` canvas holding a few objects; each object is one of six shapes
(the class), six colours and three sizes, placed at random. The same scenes serve detection
(boxes and classes), instance segmentation (masks), captioning (several phrasings per scene,
so caption metrics have several references) and visual question answering.

Each (shape, size) is drawn once as a stamp: pixel p = (x, y), measured from the object's centre
in units of its radius r (6, 9 or 13 px on 64 px, scaled with `size`), is inside when at least
half of its 4 × 4 sub-pixel samples are:

    circle   |p| ≤ 1                                                                  (1)
    others   p inside the shape's polygon (square, triangle, diamond, star, cross)    (2)

Objects are painted in order, so a later one occludes an earlier one; the instance mask of
object m is its visible part, and its box is that mask's extent (xyxy, half-open, in pixels):

    V_m = F_m \\ (F_{m+1} ∪ … ∪ F_{M-1})          F_m: the stamp's pixels where m is placed   (3)
    box_m = [min x, min y, max x + 1, max y + 1] over V_m                                   (4)

A placement is redrawn until every object stays recognisable, |V_m| ≥ 0.4 |F_m| (overlap=True),
or until no two boxes touch, with one pixel between them (overlap=False). An object that finds
no place in `PLACEMENT_TRIES` draws sends its scene back to be redrawn with new sizes; a scene
redrawn more than `SMALL_AFTER` times gets small objects only (crowded scenes, overlap=False).

Relations in captions compare box centres, d = c_a − c_b: a is left / right of b when
|dx| ≥ |dy|, else above / below; in front of / behind when both |dx| and |dy| are under 3 px
(at 64 px), the later object being in front.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toolkit.validation import check_bool, check_choice, check_int, check_seed

SHAPES = ("circle", "square", "triangle", "diamond", "star", "cross")
COLOURS = {
    "red": (0.86, 0.16, 0.14),
    "green": (0.14, 0.63, 0.2),
    "blue": (0.16, 0.32, 0.88),
    "yellow": (0.96, 0.8, 0.08),
    "magenta": (0.82, 0.18, 0.76),
    "cyan": (0.08, 0.74, 0.8),
}
SIZES = ("small", "medium", "large")
BACKGROUNDS = ("plain", "noise", "texture")
DESCRIPTION = ("Scenes of coloured shapes on 64×64 canvases: boxes, classes and instance masks "
               "for detection, captions and questions for vision and language.")

COLOUR_NAMES = tuple(COLOURS)
PALETTE = np.array(list(COLOURS.values()), np.float32)  # (6, 3), rows in COLOUR_NAMES order
RADII = (6.0, 9.0, 13.0)  # stamp radius r per size, in pixels of a 64-pixel canvas
MIN_VISIBLE = 0.4  # Eq. 3 check: the visible share of each object's pixels
PLACEMENT_TRIES = 30
SMALL_AFTER = 3
MAX_SCENES = 20_000  # scenes one call draws
MAX_REDRAWS = 50
BACKGROUND_GREY = 0.9
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six")
PLURALS = {shape: shape + ("es" if shape.endswith("ss") else "s") for shape in SHAPES}
ROWS, COLUMNS = ("top", "middle", "bottom"), ("left", "centre", "right")
# Relation of a to b: (short wording, long wording, the inverse relation of b to a).
RELATIONS = {
    "left": ("left of", "to the left of", "right"),
    "right": ("right of", "to the right of", "left"),
    "above": ("above", "above", "below"),
    "below": ("below", "below", "above"),
    "front": ("in front of", "in front of", "behind"),
    "behind": ("behind", "behind", "front"),
}


@dataclass(frozen=True, eq=False)
class Scenes:
    """N scenes with up to M objects each; per-object arrays are padded with -1 after `counts[i]`.

    images (N, S, S, 3) float32 in [0, 1]; boxes (N, M, 4) float32 xyxy pixels of each object's
    visible extent (Eq. 4); classes, colours, sizes (N, M) int32 indexing SHAPES, COLOURS and
    SIZES; masks (N, M, S, S) bool, the visible pixels (Eq. 3); counts (N,) int32; captions and
    questions one tuple per scene; `toolkit.data.load(**spec)` rebuilds the scenes.
    """

    images: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray
    masks: np.ndarray
    colours: np.ndarray
    sizes: np.ndarray
    counts: np.ndarray
    captions: tuple
    questions: tuple
    spec: dict

    class_names = SHAPES
    task = "detection"

    @property
    def name(self) -> str:
        return self.spec["name"]

    @property
    def num_classes(self) -> int:
        return len(SHAPES)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """(S, S, 3), the shape of one image."""
        return tuple(self.images.shape[1:])

    def __len__(self) -> int:
        return len(self.images)

    def __repr__(self) -> str:
        return (f"Scenes(n={len(self)}, input_shape={self.input_shape}, "
                f"objects={self.counts.min(initial=0)}-{self.counts.max(initial=0)}, spec={self.spec})")

    def take(self, index) -> Scenes:
        """The scenes at `index` (an index array, boolean mask or slice); `spec` still names the full set."""
        order = np.atleast_1d(np.arange(len(self))[index])
        arrays = {name: getattr(self, name)[order]
                  for name in ("images", "boxes", "classes", "masks", "colours", "sizes", "counts")}
        return Scenes(**arrays, captions=tuple(self.captions[i] for i in order),
                      questions=tuple(self.questions[i] for i in order), spec=self.spec)

    def split(self, n_test: int) -> tuple[Scenes, Scenes]:
        """(train, test): the test split is the last `n_test` scenes."""
        n_test = check_int("n_test", n_test, 1, len(self) - 1)
        return self.take(slice(0, len(self) - n_test)), self.take(slice(len(self) - n_test, len(self)))


def scenes(n=1000, *, seed=0, size=64, min_objects=1, max_objects=3, background="plain",
           overlap=True) -> Scenes:
    """`n` scenes of `size` × `size` pixels with `min_objects` to `max_objects` objects each.

    Args:
        n: number of scenes, in [1, 20000].
        seed: the same seed gives the same scenes, captions and questions.
        size: canvas side in pixels, in [32, 128]; object sizes scale with it.
        min_objects, max_objects: objects per scene, 1 <= min_objects <= max_objects <= 6;
            the arrays are padded to M = max_objects.
        background: "plain" (light grey), "noise" (grey with Gaussian noise) or "texture"
            (low-contrast stripes or checks).
        overlap: whether objects may occlude each other (each stays at least 40 % visible).
    """
    n = check_int("n", n, 1, MAX_SCENES)
    seed = check_seed(seed)
    size = check_int("size", size, 32, 128)
    max_objects = check_int("max_objects", max_objects, 1, 6)
    min_objects = check_int("min_objects", min_objects, 1, max_objects)
    check_choice("background", background, BACKGROUNDS)
    check_bool("overlap", overlap)
    spec = {"name": "shapes", "n": n, "seed": seed, "size": size, "min_objects": min_objects,
            "max_objects": max_objects, "background": background, "overlap": overlap}
    rng = np.random.default_rng(seed)
    counts = rng.integers(min_objects, max_objects + 1, n).astype(np.int32)
    present = np.arange(max_objects) < counts[:, None]  # (N, M)
    classes, colours, sizes = (np.where(present, rng.integers(0, k, (n, max_objects)), -1).astype(np.int32)
                               for k in (len(SHAPES), len(COLOURS), len(SIZES)))
    stamps = Stamps.draw(size)
    masks = place(rng, stamps, classes, sizes, size, overlap)
    boxes = mask_boxes(masks)
    images = paint(masks, colours, backgrounds(rng, background, n, size))
    objects = [[column[:k] for column in scene] for scene, k in zip(
        zip(boxes.tolist(), classes.tolist(), colours.tolist(), sizes.tolist()), counts.tolist())]
    captions = tuple(scene_captions(*scene, size) for scene in objects)
    questions = tuple(scene_questions(*scene[1:], pick) for scene, pick in zip(objects, rng.random(n).tolist()))
    return Scenes(images, boxes, classes, masks, colours, sizes, counts, captions, questions, spec)


# ---------------------------------------------------------------- stamps (Eqs. 1-2)
def polygon(shape: str) -> np.ndarray:
    """Vertices (V, 2) as (x, y) of a polygonal shape of radius 1, y pointing down."""
    turns = {"triangle": 3, "star": 10}.get(shape)
    if turns:
        angles = -np.pi / 2 + 2 * np.pi * np.arange(turns) / turns
        radius = np.where(np.arange(turns) % 2, 0.45, 1.0) if shape == "star" else np.ones(turns)
        return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    arm = 0.32
    corners = {
        "square": [(-0.8, -0.8), (0.8, -0.8), (0.8, 0.8), (-0.8, 0.8)],
        "diamond": [(0, -1), (0.7, 0), (0, 1), (-0.7, 0)],
        "cross": [(-arm, -1), (arm, -1), (arm, -arm), (1, -arm), (1, arm), (arm, arm), (arm, 1),
                  (-arm, 1), (-arm, arm), (-1, arm), (-1, -arm), (-arm, -arm)],
    }[shape]
    return np.array(corners, float)


def inside(shape: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Eqs. 1-2: whether points (x, y), in radii from the centre, are inside `shape` (even-odd rule)."""
    if shape == "circle":
        return x ** 2 + y ** 2 <= 1.0
    vertices = polygon(shape)
    result = np.zeros(x.shape, bool)
    for (x1, y1), (x2, y2) in zip(vertices, np.roll(vertices, -1, axis=0)):
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        result ^= crosses & (x < at)
    return result


def stamp(shape: str, radius: float) -> np.ndarray:
    """The (h, w) bool pixels of one object, cropped to its extent: half of 4 × 4 sub-pixels inside."""
    side = 2 * int(np.ceil(radius)) + 3
    sub = (np.arange(side * 4) + 0.5) / 4 - side / 2  # sub-pixel centres, in pixels from the centre
    y, x = np.meshgrid(sub / radius, sub / radius, indexing="ij")
    cover = inside(shape, x, y).reshape(side, 4, side, 4).mean(axis=(1, 3))
    pixels = cover >= 0.5
    rows, cols = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    return pixels[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


@dataclass(frozen=True)
class Stamps:
    """Every (shape, size) stamp as pixel offsets; stamp t = shape * len(SIZES) + size."""

    rows: np.ndarray    # (P,) row of each stamp pixel, from the stamp's top
    cols: np.ndarray    # (P,) column, from the stamp's left
    start: np.ndarray   # (T + 1,) stamp t's pixels are rows[start[t]:start[t + 1]]
    height: np.ndarray  # (T,)
    width: np.ndarray   # (T,)

    @classmethod
    def draw(cls, canvas: int) -> Stamps:
        pictures = [stamp(shape, r * canvas / 64) for shape in SHAPES for r in RADII]
        where = [np.nonzero(p) for p in pictures]
        return cls(rows=np.concatenate([w[0] for w in where]), cols=np.concatenate([w[1] for w in where]),
                   start=np.cumsum([0] + [p.sum() for p in pictures]),
                   height=np.array([p.shape[0] for p in pictures]),
                   width=np.array([p.shape[1] for p in pictures]))

    @property
    def area(self) -> np.ndarray:
        """|F| of each stamp, in pixels."""
        return np.diff(self.start)

    def paste(self, ids: np.ndarray, top: np.ndarray, left: np.ndarray, canvas: int) -> np.ndarray:
        """(K, canvas, canvas) bool: stamp ids[k] with its top-left pixel at (top[k], left[k])."""
        lengths = self.area[ids]
        owner = np.repeat(np.arange(len(ids)), lengths)
        # index of each pasted pixel inside its own stamp's run of pixels
        offset = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        pixel = np.repeat(self.start[ids], lengths) + offset
        masks = np.zeros((len(ids), canvas, canvas), bool)
        masks[owner, top[owner] + self.rows[pixel], left[owner] + self.cols[pixel]] = True
        return masks


# ---------------------------------------------------------------- placement (Eq. 3)
def place(rng, stamps: Stamps, classes, sizes, canvas: int, overlap: bool) -> np.ndarray:
    """Visible masks (N, M, S, S) of objects placed at random; `sizes` of redrawn scenes change in place."""
    n, m = classes.shape
    masks = np.zeros((n, m, canvas, canvas), bool)
    corners = np.zeros((n, m, 2), int)  # (top, left) of each placed stamp
    pending = np.arange(n)
    for redraw in range(MAX_REDRAWS):
        if redraw:
            drawn = 0 if redraw > SMALL_AFTER else rng.integers(0, len(SIZES), (len(pending), m))
            sizes[pending] = np.where(classes[pending] >= 0, drawn, -1)
            masks[pending] = False
        pending = place_scenes(rng, stamps, classes, sizes, masks, corners, pending, overlap)
        if not len(pending):
            return masks
    raise RuntimeError(f"{len(pending)} scenes found no placement after {MAX_REDRAWS} redraws.")


def place_scenes(rng, stamps, classes, sizes, masks, corners, batch, overlap) -> np.ndarray:
    """Places every object of the scenes `batch` in order; returns the scenes in which one found no place."""
    canvas = masks.shape[-1]
    failed = []
    for j in range(classes.shape[1]):
        todo = batch[classes[batch, j] >= 0]
        for _ in range(PLACEMENT_TRIES):
            if not len(todo):
                break
            ids = classes[todo, j] * len(SIZES) + sizes[todo, j]
            top = (rng.random(len(todo)) * (canvas - stamps.height[ids] + 1)).astype(int)
            left = (rng.random(len(todo)) * (canvas - stamps.width[ids] + 1)).astype(int)
            new = stamps.paste(ids, top, left, canvas)
            ok = (fits_visibly(stamps, classes, sizes, masks, todo, j, new) if overlap
                  else fits_apart(stamps, classes, sizes, corners, todo, j, top, left, ids))
            kept = todo[ok]
            masks[kept, :j] &= ~new[ok][:, None]  # Eq. 3: the new object hides what is under it
            masks[kept, j] = new[ok]
            corners[kept, j] = np.stack([top[ok], left[ok]], axis=1)
            todo = todo[~ok]
        failed.append(todo)
        batch = np.setdiff1d(batch, todo)
    return np.concatenate(failed)


def fits_visibly(stamps, classes, sizes, masks, todo, j, new) -> np.ndarray:
    """Eq. 3 check: every earlier object keeps at least MIN_VISIBLE of its pixels under `new`."""
    if j == 0:
        return np.ones(len(todo), bool)
    visible = (masks[todo, :j] & ~new[:, None]).sum(axis=(2, 3))  # (K, j)
    earlier = classes[todo, :j] * len(SIZES) + sizes[todo, :j]  # all placed: objects fill slots in order
    return np.all(visible >= MIN_VISIBLE * stamps.area[earlier], axis=1)


def fits_apart(stamps, classes, sizes, corners, todo, j, top, left, ids) -> np.ndarray:
    """Whether the new box keeps one free pixel between itself and every earlier box."""
    if j == 0:
        return np.ones(len(todo), bool)
    earlier = classes[todo, :j] * len(SIZES) + sizes[todo, :j]  # all placed: objects fill slots in order
    other_top, other_left = corners[todo, :j, 0], corners[todo, :j, 1]
    apart = ((top + stamps.height[ids])[:, None] < other_top) | (other_top + stamps.height[earlier] < top[:, None]) \
        | ((left + stamps.width[ids])[:, None] < other_left) | (other_left + stamps.width[earlier] < left[:, None])
    return np.all(apart, axis=1)


def mask_boxes(masks: np.ndarray) -> np.ndarray:
    """Eq. 4: (N, M, 4) float32 xyxy extents of the masks, -1 where a mask is empty."""
    size = masks.shape[-1]
    rows, cols = masks.any(axis=3), masks.any(axis=2)  # (N, M, S) each
    boxes = np.stack([cols.argmax(-1), rows.argmax(-1),
                      size - cols[..., ::-1].argmax(-1), size - rows[..., ::-1].argmax(-1)], axis=-1)
    return np.where(rows.any(-1)[..., None], boxes, -1).astype(np.float32)


# ---------------------------------------------------------------- pixels
def backgrounds(rng, kind: str, n: int, size: int) -> np.ndarray:
    """(N, S, S, 3) float32 backgrounds: plain grey, grey with Gaussian noise, or faint stripes / checks."""
    if kind == "plain":
        return np.full((n, size, size, 3), BACKGROUND_GREY, np.float32)
    if kind == "noise":
        grey = np.clip(BACKGROUND_GREY - 0.05 + 0.07 * rng.standard_normal((n, size, size), dtype=np.float32), 0, 1)
    else:
        patterns = textures(size)
        grey = patterns[rng.integers(0, len(patterns), n)]
    return np.repeat(grey[..., None], 3, axis=-1)


def textures(size: int) -> np.ndarray:
    """(56, S, S) float32 grey levels: stripes (a square wave along one of 4 directions) and checks
    (two crossed square waves), with periods of 4 to 10 pixels at 64 px, 0.05 in contrast."""
    y, x = np.mgrid[:size, :size] * 64 / size  # in pixels of a 64-pixel canvas
    patterns = []
    for angle in np.arange(4) * np.pi / 4:
        along, across = x * np.cos(angle) + y * np.sin(angle), y * np.cos(angle) - x * np.sin(angle)
        for period in range(4, 11):
            stripes = np.floor(2 * along / period) % 2
            patterns += [stripes, (stripes + np.floor(2 * across / period)) % 2]
    return (BACKGROUND_GREY - 0.06 + 0.05 * np.array(patterns)).astype(np.float32)


def paint(masks: np.ndarray, colours: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Each visible pixel of `background` (N, S, S, 3) set to its object's colour, in place; returns it."""
    shown = np.zeros(masks.shape[:1] + masks.shape[2:], np.uint8)  # (N, S, S): colour id + 1, 0 = background
    for m in range(masks.shape[1]):  # visible masks are disjoint: one object per pixel
        np.copyto(shown, (colours[:, m] + 1).astype(np.uint8)[:, None, None], where=masks[:, m])
    ids = shown.reshape(-1)
    objects = np.flatnonzero(ids)
    background.reshape(-1, 3)[objects] = PALETTE[ids[objects] - 1]
    return background


# ---------------------------------------------------------------- words
def relation(box_a, box_b, canvas: int) -> str:
    """Where object a, painted after object b, is relative to b: a key of RELATIONS (module docstring)."""
    dx = (box_a[0] + box_a[2] - box_b[0] - box_b[2]) / 2
    dy = (box_a[1] + box_a[3] - box_b[1] - box_b[3]) / 2
    if max(abs(dx), abs(dy)) < 3 * canvas / 64:
        return "front"
    if abs(dx) >= abs(dy):
        return "left" if dx < 0 else "right"
    return "above" if dy < 0 else "below"


def position(box, canvas: int) -> str:
    """ "top left", "centre", "bottom", ...: the third of the canvas holding the box centre."""
    col, row = (min(int(3 * (box[k] + box[k + 2]) / 2 / canvas), 2) for k in (0, 1))
    if row == 1:
        return COLUMNS[col]
    return ROWS[row] if col == 1 else f"{ROWS[row]} {COLUMNS[col]}"


def listed(items: list[str]) -> str:
    """ "a", "a and b", "a, b and c" """
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def scene_captions(boxes, classes, colours, sizes, canvas) -> tuple[str, ...]:
    """Three (one object) or four phrasings: relations forwards, relations backwards, a list, positions.

    Arguments are one scene's objects as lists, without padding.
    """
    count = len(classes)
    a = [f"a {SIZES[s]} {COLOUR_NAMES[c]} {SHAPES[k]}" for k, c, s in zip(classes, colours, sizes)]
    short = [f"{COLOUR_NAMES[c]} {SHAPES[k]}" for k, c in zip(classes, colours)]
    where = [f"{a[i]} at the {position(boxes[i], canvas)}" for i in range(count)]
    listing = f"{NUMBER_WORDS[count]} shape{'s' if count > 1 else ''}: {listed(a)}"
    if count == 1:
        return a[0], listing, where[0]
    rel = [None] + [relation(boxes[i], boxes[i - 1], canvas) for i in range(1, count)]  # object i to i - 1
    forwards = [f"{a[0]} {RELATIONS[RELATIONS[rel[1]][2]][0]} {a[1]}"]
    forwards += [f"{a[i]} {RELATIONS[rel[i]][0]} the {short[i - 1]}" for i in range(2, count)]
    backwards = [f"{a[1]} {RELATIONS[rel[1]][1]} {a[0]}"]
    backwards += [f"the {short[i - 1]} {RELATIONS[RELATIONS[rel[i]][2]][1]} {a[i]}" for i in range(2, count)]
    return ", and ".join(forwards), ", and ".join(backwards), listing, listed(where)


def scene_questions(classes, colours, sizes, pick: float) -> tuple[tuple[str, str], ...]:
    """(question, answer) pairs about one scene's objects (lists, without padding).

    Colour and size are asked only of a shape that appears once, shape only of a colour that
    appears once; `pick` in [0, 1) chooses the absent shape asked about.
    """
    present = sorted(set(classes))
    pairs = [("how many shapes?", str(len(classes)))]
    pairs += [(f"how many {PLURALS[SHAPES[k]]}?", str(classes.count(k))) for k in present]
    for k in present:
        if classes.count(k) == 1:
            i = classes.index(k)
            pairs += [(f"what colour is the {SHAPES[k]}?", COLOUR_NAMES[colours[i]]),
                      (f"what size is the {SHAPES[k]}?", SIZES[sizes[i]])]
    pairs += [(f"what shape is {COLOUR_NAMES[c]}?", SHAPES[classes[colours.index(c)]])
              for c in sorted(set(colours)) if colours.count(c) == 1]
    pairs.append((f"is there a {SHAPES[present[0]]}?", "yes"))
    absent = [k for k in range(len(SHAPES)) if k not in present]
    if absent:
        missing = SHAPES[absent[int(pick * len(absent))]]
        pairs += [(f"how many {PLURALS[missing]}?", "0"), (f"is there a {missing}?", "no")]
    return tuple(pairs)
