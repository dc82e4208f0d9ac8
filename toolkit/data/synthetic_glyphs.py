"""Glyphs: an offline, MNIST-sized stand-in, rendered from TrueType fonts and warped to look handwritten.

Each character is rendered once per font at high resolution and turned into a signed distance
field (SDF) φ(v): the distance from point v to the stroke's edge, negative inside the stroke.
An image is drawn by sampling φ through a per-sample random warp and thresholding it with a
soft edge, which redraws the glyph with any pen width without rendering it again:

    A = s0 · s · R(θ) · [[1, -k], [0, 1]] · diag(a, 1)            forward map, glyph -> image (1)
    u = p - c - δ + α · e(p)                                       image pixel p, frame centre c (2)
    v = A⁻¹ u + m                                                  m: the glyph's centre of mass (3)
    x = clip(1/2 + (t/2 · (1 + β w(p)) - s0 s (φ(v) + h)) / b, 0, 1)   pixel value            (4)

- s0 fits the glyph's larger side into a 20-pixel box (20/28 of the frame, as MNIST); s, θ, k
  and a are the sampled scale, rotation, slant (shear, less the font's own slant) and aspect.
- e is Simard, Steinkraus & Platt's (2003) elastic distortion: white noise smoothed by a
  Gaussian of σ = 4 pixels, rescaled to unit standard deviation, so α is in pixels.
- h is the font's half stroke width (a stroke of width w and length L has area w L and
  perimeter 2 L), so φ + h is about the distance to the stroke's centre line and every font is
  redrawn with the same pen of width t; w, a second smoothed field, varies the width along the
  stroke by a relative β (pen pressure), with 1 + β w kept in [0.5, 1.5]. b softens the edge.
- Centring, as MNIST: Eq. 3 puts the font's centre of mass at c + δ. The pen and the warp move
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

from toolkit.data.arguments import check_int, check_seed, check_test_ratio
from toolkit.data.cache import cache_path, load_arrays, save_arrays
from toolkit.data.dataset import Dataset, stratified_split

GLYPHS_VERSION = 1
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
BOX_FRACTION = 20 / 28  # MNIST fits each digit into a 20x20 box of the 28x28 frame
CHUNK = 2048  # images warped per batch, bounds memory at a few tens of MB
DESCRIPTION = "Procedural handwriting-like digits (MNIST-sized, offline): fonts warped by affine + elastic distortions."

# Ranges of the sampled attributes, in the units of Eqs. 1-4 (output pixels for size 28).
ATTRIBUTE_RANGES = {
    "rotation": (-12.0, 12.0),
    "slant": (-0.15, 0.4),
    "scale": (0.82, 1.05),
    "aspect": (0.75, 1.15),
    "dx": (-1.0, 1.0),
    "dy": (-1.0, 1.0),
    "thickness": (2.0, 3.5),
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


def signed_distance(image: np.ndarray) -> np.ndarray:
    """φ: distance to the stroke edge in prototype pixels, negative inside the stroke."""
    stroke = image >= 0.5
    outside = ndimage.distance_transform_edt(~stroke)
    inside = ndimage.distance_transform_edt(stroke)
    return np.where(stroke, 0.5 - inside, outside - 0.5).astype(np.float32)


def glyph_geometry(image: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Centre of mass m = (row, col), larger side of the bounding box and half stroke width h."""
    stroke = image >= 0.5
    rows, cols = np.nonzero(stroke)
    extent = max(rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    # A stroke of width w and length L has area w L and perimeter about 2 L: w = 2 area / perimeter.
    perimeter = np.count_nonzero(stroke & ~ndimage.binary_erosion(stroke))
    half_width = stroke.sum() / perimeter
    return np.array(ndimage.center_of_mass(image), dtype=np.float32), float(extent), float(half_width)


@lru_cache(maxsize=4)
def prototypes(classes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """SDFs φ (F·K, CANVAS, CANVAS), centres m (F·K, 2), extents and half widths h (F·K,).

    Prototype font·K + label is that character in that font.
    """
    folder = font_folder()
    fields, centres, extents, half_widths = [], [], [], []
    for font_file in FONT_FILES:
        for character in CHARACTERS[:classes]:
            image = render_character(folder / font_file, character)
            centre, extent, half_width = glyph_geometry(image)
            fields.append(signed_distance(image))
            centres.append(centre)
            extents.append(extent)
            half_widths.append(half_width)
    return np.stack(fields), np.stack(centres), np.array(extents, np.float32), np.array(half_widths, np.float32)


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
    fields, centres, extents, half_widths = prototypes(classes)
    n, size = elastic.shape[:2]
    ratio = size / 28.0  # attribute ranges are stated for a 28-pixel frame
    index = attrs["font"] * classes + attrs["label"]  # prototype of each sample
    fit = BOX_FRACTION * size / extents[index]  # s0
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32)
    centre = (size - 1) / 2
    # Eq. 2: u = p - c - shift + alpha e(p), as (x, y)
    strength = (attrs["elastic"] * ratio)[:, None, None, None]
    u = np.stack([cols - centre, rows - centre], -1)[None] + strength * elastic - shift[:, None, None, :]
    # Eq. 3: v = A^-1 u + m, then sample phi at (prototype, row, col)
    v = np.einsum("nij,nhwj->nhwi", inverse_affine(attrs, fit), u)  # (N, H, W, 2) as (x, y)
    coordinates = np.stack(
        [
            np.broadcast_to(index[:, None, None], (n, size, size)).astype(np.float32),
            v[..., 1] + centres[index, 0][:, None, None],
            v[..., 0] + centres[index, 1][:, None, None],
        ]
    )  # (3, N, H, W)
    phi = ndimage.map_coordinates(fields, coordinates.reshape(3, -1), order=1, mode="nearest")
    phi = phi.reshape(n, size, size) + half_widths[index][:, None, None]  # φ + h
    centre_distance = phi * (fit * attrs["scale"])[:, None, None]  # in image pixels
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
    test_ratio = check_test_ratio(test_ratio)
    arrays = glyph_arrays(n, size, seed, classes, test_ratio, cache)
    return Dataset(
        name="glyphs",
        x_train=(arrays["x_train"][..., None] / np.float32(255)).astype(np.float32),  # (N, H, W, 1)
        y_train=arrays["train_label"].astype(np.int32),
        x_test=(arrays["x_test"][..., None] / np.float32(255)).astype(np.float32),
        y_test=arrays["test_label"].astype(np.int32),
        task="classification",
        classes=tuple(CHARACTERS[:classes]),
        description=DESCRIPTION,
        spec={"name": "glyphs", "n": n, "size": size, "seed": seed, "classes": classes, "test_ratio": test_ratio},
        attrs_train=split_attributes(arrays, "train"),
        attrs_test=split_attributes(arrays, "test"),
    )
