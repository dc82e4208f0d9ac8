"""Glyphs: an offline, MNIST-sized stand-in, rendered from TrueType fonts and warped to look handwritten.

Each character is rendered once per font at high resolution and thinned to its centre line
(Zhang & Suen 1984 thinning); D(v) is the distance from point v to that line. An image is drawn
by sampling D through a per-sample random warp and thresholding it with a soft edge, which
redraws every font with the same round pen, as handwriting is, at any width:

    A = s0 · s · R(θ) · [[1, -k], [0, 1]] · diag(a, 1)       forward map, glyph -> image   (1)
    u = p - c - δ + α · e(p)                                  image pixel p, frame centre c (2)
    v = A⁻¹ u + m                                             m: centre of mass of the line (3)
    x = clip(1/2 + (t/2 · (1 + β w(p)) - s0 s D(v)) / b, 0, 1)     pixel value              (4)

- s0 fits the centre line's larger side into 18 of the 28 pixels, so that with the pen the
  glyph fills about MNIST's 20x20 box; s, θ, k and a are the sampled scale, rotation, slant
  (shear, less the font's own slant) and aspect.
- e is Simard, Steinkraus & Platt's (2003) elastic distortion: white noise smoothed by a
  Gaussian of σ = 4 pixels, rescaled to unit standard deviation, so α is in pixels.
- t is the pen width in pixels; w, a second smoothed field, varies it along the stroke by a
  relative β (pen pressure), with 1 + β w kept in [0.5, 1.5]; b softens the edge (the blur).
- Centring, as MNIST: Eq. 3 puts the line's centre of mass at c + δ. The pen and the warp move
  the mass a little, so the image is drawn twice, the second time with δ corrected by the first
  image's error; the centre of mass then lands at c + (dx, dy) to a fraction of a pixel.

Images are white on black, divided by their maximum and quantised to 256 grey levels (as
MNIST's bytes), returned as (N, size, size, 1) float32 in [0, 1]. Attribute ranges are stated
for a 28-pixel frame and scale with `size`.

| symbol | attribute (attrs key)      |   | symbol | attribute (attrs key) |
| θ      | rotation, degrees          |   | t      | thickness, pixels     |
| k      | slant                      |   | b      | blur, pixels          |
| s, a   | scale, aspect              |   | α      | elastic, pixels       |
| dx, dy | dx, dy, pixels             |   | font   | font (index in FONT_FILES) |
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import ndimage

from toolkit.validation import check_float, check_int, check_seed
from toolkit.data.cache import cache_path, load_arrays, save_arrays
from toolkit.data.dataset import Dataset, stratified_split

GLYPHS_VERSION = 2  # bump whenever the rendering changes, so stale cache files are never read
CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Fonts shipped with matplotlib and the slant (shear) already drawn into each; the sampled
# `slant` is the glyph's total slant, so k in Eq. 1 is slant minus the font's own.
FONTS = {
    "DejaVuSans.ttf": 0.0,
    "DejaVuSans-Oblique.ttf": 0.2,
    "DejaVuSerif.ttf": 0.0,
    "DejaVuSerif-Italic.ttf": 0.2,
    "STIXGeneral.ttf": 0.0,
    "STIXGeneralItalic.ttf": 0.25,
    "cmss10.ttf": 0.0,
    "cmtt10.ttf": 0.0,
}
FONT_FILES = tuple(FONTS)
FONT_SLANTS = np.array(list(FONTS.values()), np.float32)
CANVAS = 96  # side of the high-resolution prototype, in prototype pixels
GLYPH_HEIGHT = 60  # font size used for the prototypes
BOX_FRACTION = 18 / 28  # centre line in 18 px: with the pen, about MNIST's 20x20 box in 28x28
CHUNK = 2048  # images warped per batch, bounds memory at a few tens of MB
DESCRIPTION = "Handwriting-like digits rendered offline (an MNIST stand-in): font centre lines redrawn with a pen, affine + elastic warps."

# Ranges of the sampled attributes, in the units of Eqs. 1-4 (output pixels for size 28).
ATTRIBUTE_RANGES = {
    "rotation": (-12.0, 12.0),
    "slant": (-0.15, 0.4),
    "scale": (0.82, 1.05),
    "aspect": (0.75, 1.15),
    "dx": (-1.0, 1.0),
    "dy": (-1.0, 1.0),
    "thickness": (1.8, 3.2),
    "blur": (0.6, 1.2),
    "elastic": (0.3, 1.4),
}
ELASTIC_SIGMA = 4.0  # smoothing of the elastic field, in pixels of a 28-pixel image (Simard: 4)
PRESSURE_SIGMA = 6.0
PRESSURE_AMPLITUDE = 0.2  # relative change of the stroke width, one standard deviation


def font_folder() -> Path:
    """matplotlib's bundled TrueType folder, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("glyphs renders the DejaVu/STIX fonts shipped with matplotlib; install it with `pip install matplotlib`.")
    return Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf"


def render_character(font_file: Path, character: str) -> np.ndarray:
    """One character, white on black, centred on a CANVAS x CANVAS float image in [0, 1]."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(font_file), GLYPH_HEIGHT)
    image = Image.new("L", (CANVAS, CANVAS), 0)
    ImageDraw.Draw(image).text((CANVAS / 2, CANVAS / 2), character, fill=255, font=font, anchor="mm")
    return np.asarray(image, dtype=np.float32) / 255.0


def neighbours(strokes: np.ndarray) -> list[np.ndarray]:
    """The 8 neighbours P2..P9 (N, NE, E, SE, S, SW, W, NW) of every pixel of (M, H, W) masks."""
    padded = np.pad(strokes, ((0, 0), (1, 1), (1, 1)))
    height, width = strokes.shape[1:]
    steps = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
    return [padded[:, 1 + dy : 1 + dy + height, 1 + dx : 1 + dx + width] for dy, dx in steps]


def thinning_pass(skeleton: np.ndarray, step: int) -> np.ndarray:
    """One sub-iteration of Zhang & Suen (1984): the boundary pixels it deletes."""
    p2, p3, p4, p5, p6, p7, p8, p9 = ring = neighbours(skeleton)
    count = sum(pixel.astype(np.uint8) for pixel in ring)  # B(P1)
    transitions = sum((~ring[i] & ring[(i + 1) % 8]).astype(np.uint8) for i in range(8))  # A(P1)
    if step == 0:
        corner = ~(p2 & p4 & p6) & ~(p4 & p6 & p8)
    else:
        corner = ~(p2 & p4 & p8) & ~(p2 & p6 & p8)
    return skeleton & (count >= 2) & (count <= 6) & (transitions == 1) & corner


def thin(strokes: np.ndarray) -> np.ndarray:
    """Centre lines of (M, H, W) stroke masks, one pixel wide (Zhang-Suen thinning), all at once."""
    skeleton = strokes.copy()
    while True:
        removed = False
        for step in (0, 1):
            delete = thinning_pass(skeleton, step)
            removed |= bool(delete.any())
            skeleton &= ~delete
        if not removed:
            return skeleton


def glyph_geometry(skeleton: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre of mass m = (row, col) and larger bounding-box side of one centre line, in prototype pixels."""
    rows, cols = np.nonzero(skeleton)
    extent = max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    return np.array([rows.mean(), cols.mean()], np.float32), float(extent)


@lru_cache(maxsize=4)
def prototypes(classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance fields D (F·K, CANVAS, CANVAS), centres m (F·K, 2) and extents (F·K,).

    Prototype font·K + label is that character in that font; D is the distance to its centre line.
    """
    folder = font_folder()
    images = [render_character(folder / font, character) for font in FONT_FILES for character in CHARACTERS[:classes]]
    skeletons = thin(np.stack(images) >= 0.5)  # (F·K, CANVAS, CANVAS)
    fields = np.stack([ndimage.distance_transform_edt(~skeleton) for skeleton in skeletons]).astype(np.float32)
    centres, extents = zip(*(glyph_geometry(skeleton) for skeleton in skeletons))
    return fields, np.stack(centres), np.array(extents, np.float32)


def sample_attributes(n: int, classes: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Balanced labels, a font and every warp parameter of Eqs. 1-4, one per image."""
    attrs = {"label": rng.permutation(np.arange(n) % classes).astype(np.int32)}
    attrs["font"] = rng.integers(0, len(FONT_FILES), n).astype(np.int32)
    for name, (low, high) in ATTRIBUTE_RANGES.items():
        attrs[name] = rng.uniform(low, high, n).astype(np.float32)
    return attrs


def inverse_affine(attrs: dict[str, np.ndarray], fit: np.ndarray) -> np.ndarray:
    """A⁻¹ of Eq. 1 for every sample, (N, 2, 2), acting on (x, y) column vectors."""
    theta = np.deg2rad(attrs["rotation"])
    cos, sin = np.cos(theta), np.sin(theta)
    zero, one = np.zeros_like(theta), np.ones_like(theta)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)  # (N, 2, 2)
    k = attrs["slant"] - FONT_SLANTS[attrs["font"]]  # shear still to apply
    shear = np.stack([np.stack([one, -k], -1), np.stack([zero, one], -1)], -2)
    aspect = np.stack([np.stack([attrs["aspect"], zero], -1), np.stack([zero, one], -1)], -2)
    # Eq. 1: A = s0 s R S D
    forward = (fit * attrs["scale"])[:, None, None] * rotation @ shear @ aspect
    return np.linalg.inv(forward)


def smooth_fields(shape: tuple[int, ...], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """White Gaussian noise (N, H, W, C) smoothed over H, W by G_sigma, rescaled to unit std."""
    noise = rng.standard_normal(shape).astype(np.float32)
    smooth = ndimage.gaussian_filter(noise, sigma=(0, sigma, sigma, 0), mode="reflect")
    # Std of a smoothed unit white-noise field: the L2 norm of the Gaussian kernel.
    impulse = np.zeros((int(8 * sigma) + 1,) * 2, np.float32)
    impulse[len(impulse) // 2, len(impulse) // 2] = 1
    return smooth / np.linalg.norm(ndimage.gaussian_filter(impulse, sigma))


def sample_fields(n: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Elastic fields e (N, H, W, 2) of Eq. 2 and pen widths 1 + β w (N, H, W) of Eq. 4."""
    ratio = size / 28.0
    elastic = smooth_fields((n, size, size, 2), ELASTIC_SIGMA * ratio, rng)
    elastic -= elastic.mean(axis=(1, 2), keepdims=True)  # deform without moving the glyph
    pressure = smooth_fields((n, size, size, 1), PRESSURE_SIGMA * ratio, rng)[..., 0]
    return elastic, np.clip(1 + PRESSURE_AMPLITUDE * pressure, 0.5, 1.5)


def draw(attrs: dict[str, np.ndarray], elastic: np.ndarray, pen: np.ndarray, shift: np.ndarray, classes: int) -> np.ndarray:
    """Eqs. 2-4 with the glyph's centre of mass moved by `shift` (N, 2) pixels: (N, H, W) in [0, 1]."""
    fields, centres, extents = prototypes(classes)
    n, size = elastic.shape[:2]
    ratio = size / 28.0  # attribute ranges are stated for a 28-pixel frame
    index = attrs["font"] * classes + attrs["label"]  # prototype of each sample
    fit = BOX_FRACTION * size / extents[index]  # s0
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    centre = (size - 1) / 2
    # Eq. 2: u = p - c - shift + alpha e(p), as (x, y)
    strength = (attrs["elastic"] * ratio)[:, None, None, None]
    u = np.stack([cols - centre, rows - centre], -1)[None] + strength * elastic - shift[:, None, None, :]
    # Eq. 3: v = A^-1 u + m, then sample D at (prototype, row, col)
    v = np.einsum("nij,nhwj->nhwi", inverse_affine(attrs, fit), u)  # (N, H, W, 2) as (x, y)
    coordinates = np.stack(
        [
            np.broadcast_to(index[:, None, None], (n, size, size)).astype(np.float32),
            v[..., 1] + centres[index, 0][:, None, None],
            v[..., 0] + centres[index, 1][:, None, None],
        ]
    )  # (3, N, H, W)
    distance = ndimage.map_coordinates(fields, coordinates.reshape(3, -1), order=1, mode="nearest")
    centre_distance = distance.reshape(n, size, size) * (fit * attrs["scale"])[:, None, None]  # in image pixels
    # Eq. 4: soft threshold of the distance to the centre line at the local half width
    half_width = (attrs["thickness"] * ratio / 2)[:, None, None] * pen
    blur = (attrs["blur"] * ratio)[:, None, None]
    return np.clip(0.5 + (half_width - centre_distance) / blur, 0.0, 1.0)


def centre_of_mass(images: np.ndarray) -> np.ndarray:
    """Centre of mass (x, y) of each image (N, H, W), relative to the frame's centre; 0 if blank."""
    size = images.shape[1]
    offsets = np.arange(size, dtype=np.float32) - (size - 1) / 2
    mass = images.sum(axis=(1, 2))
    x = images.sum(axis=1) @ offsets
    y = images.sum(axis=2) @ offsets
    return np.stack([x, y], -1) / np.maximum(mass, 1e-6)[:, None]


def warp_chunk(attrs: dict[str, np.ndarray], size: int, rng: np.random.Generator, classes: int) -> np.ndarray:
    """One chunk of images (N, size, size) in [0, 1], centre of mass at c + (dx, dy)."""
    elastic, pen = sample_fields(len(attrs["label"]), size, rng)
    target = np.stack([attrs["dx"], attrs["dy"]], -1) * (size / 28.0)
    first = draw(attrs, elastic, pen, target, classes)
    # Eq. 3 centres the font's own mass; the pen and the warp move it a little, so correct once.
    error = centre_of_mass(first) - target
    return draw(attrs, elastic, pen, target - error, classes)


def to_grey_levels(images: np.ndarray) -> np.ndarray:
    """Divide each image by its maximum and quantise to uint8, like MNIST's 256 grey levels."""
    peak = images.max(axis=(1, 2), keepdims=True)
    return np.round(255 * images / np.maximum(peak, 1e-6)).astype(np.uint8)


def render_glyphs(n: int, size: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """n images (n, size, size) uint8 and their attributes, warped in chunks of CHUNK."""
    attrs = sample_attributes(n, classes, rng)
    images = np.empty((n, size, size), np.uint8)
    for start in range(0, n, CHUNK):
        chunk = {name: values[start : start + CHUNK] for name, values in attrs.items()}
        images[start : start + CHUNK] = to_grey_levels(warp_chunk(chunk, size, rng, classes))
    return images, attrs


def generate_splits(n: int, size: int, seed: int, classes: int, test_ratio: float) -> dict[str, np.ndarray]:
    """The arrays that define a glyphs dataset, as stored in the cache."""
    rng = np.random.default_rng(seed)
    images, attrs = render_glyphs(n, size, classes, rng)
    train, test = stratified_split(attrs["label"], test_ratio, rng)
    arrays = {"x_train": images[train], "x_test": images[test]}
    for name, values in attrs.items():
        arrays[f"train_{name}"] = values[train]
        arrays[f"test_{name}"] = values[test]
    return arrays


def glyph_arrays(n: int, size: int, seed: int, classes: int, test_ratio: float, use_cache: bool) -> dict[str, np.ndarray]:
    """`generate_splits`, read from the cache when it holds this call's file, else written to it."""
    arguments = {"n": n, "size": size, "seed": seed, "classes": classes, "test_ratio": test_ratio}
    path = cache_path("glyphs", GLYPHS_VERSION, arguments)
    arrays = load_arrays(path) if use_cache else None
    if arrays is None:
        arrays = generate_splits(**arguments)
        if use_cache:
            save_arrays(path, arrays)
    return arrays


def split_attributes(arrays: dict[str, np.ndarray], split: str) -> dict[str, np.ndarray]:
    prefix = f"{split}_"
    return {name[len(prefix) :]: values for name, values in arrays.items() if name.startswith(prefix) and name != f"{split}_label"}


def glyphs(n: int = 10_000, size: int = 28, seed: int = 0, classes: int = 10, test_ratio: float = 0.2, cache: bool = True) -> Dataset:
    """n handwriting-like glyphs (Eqs. 1-4), classes 0-9 then A-Z, (N, size, size, 1) float32 in [0, 1].

    The first call with given arguments renders and stores the arrays under `cache_dir()`;
    later calls load them. `cache=False` always renders and writes nothing. `attrs_train`
    and `attrs_test` hold each image's font id and warp parameters (module docstring).
    """
    n = check_int("n", n, 10, 200_000)
    size = check_int("size", size, 16, 64)
    seed = check_seed(seed)
    classes = check_int("classes", classes, 2, len(CHARACTERS))
    test_ratio = check_float("test_ratio", test_ratio, 0.0, 1.0, open_low=True, open_high=True)
    arrays = glyph_arrays(n, size, seed, classes, test_ratio, cache)
    return Dataset(
        name="glyphs",
        x_train=(arrays["x_train"][..., None] / np.float32(255)).astype(np.float32),  # (N, H, W, 1)
        y_train=arrays["train_label"].astype(np.int32),
        x_test=(arrays["x_test"][..., None] / np.float32(255)).astype(np.float32),
        y_test=arrays["test_label"].astype(np.int32),
        task="classification",
        classes=tuple(CHARACTERS[:classes]),
        description=DESCRIPTION if classes <= 10 else DESCRIPTION.replace("digits", f"digits and letters A-{CHARACTERS[classes - 1]}"),
        spec={"name": "glyphs", "n": n, "size": size, "seed": seed, "classes": classes, "test_ratio": test_ratio},
        attrs_train=split_attributes(arrays, "train"),
        attrs_test=split_attributes(arrays, "test"),
    )
