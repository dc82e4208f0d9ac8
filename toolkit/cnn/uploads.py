"""A student's own image as CNN input: validated, then drawn like the training glyphs.

An upload is checked before it is decoded (size in bytes, then size in pixels, so a small
file that decompresses to a huge image is refused too), then converted the way MNIST was
made: greyscale, white strokes on black (a light background is inverted), cropped to the
ink, scaled so that its longer side fills 20/28 of the frame (the whole frame for the 8×8
digits), centred and divided by its maximum:

    (1) g = grey(x) in [0, 1];  g <- 1 − g  if the border is lighter than the middle
    (2) box = bounding box of {g > 0.2 · max g};  resize it into ⌊fill · size⌋ pixels
    (3) image = g / max g                         (size, size, 1) float32 in [0, 1]

Every failure is a ValueError with one sentence saying what was wrong and what to upload.
"""

from __future__ import annotations

import io

import numpy as np

UPLOAD_TYPES = ("png", "jpg", "jpeg", "bmp", "gif", "webp")


def image_from_upload(data: bytes, size: int = 28, *, max_bytes: int = 2 * 2**20, max_side: int = 4096,
                      name: str = "The uploaded file") -> np.ndarray:
    """`data` (the bytes of an image file) as a (size, size, 1) float32 glyph in [0, 1] (Eqs. 1-3)."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValueError(f"{name} is empty; upload a PNG or JPEG image of one character.")
    if len(data) > max_bytes:
        raise ValueError(f"{name} is {len(data) / 2**20:.1f} MB, more than the {max_bytes / 2**20:.0f} MB limit; "
                         "upload a smaller image (a character needs only a few kilobytes).")
    try:
        picture = Image.open(io.BytesIO(data))
        if max(picture.size) > max_side:
            raise ValueError(f"{name} is {picture.size[0]}×{picture.size[1]} pixels, more than "
                             f"{max_side}×{max_side}; upload a smaller image.")
        picture.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValueError(f"{name} is not an image that can be read; upload a "
                         f"{', '.join(t.upper() for t in UPLOAD_TYPES[:2])} or other common image file.") from None
    return glyph_from_grey(_grey(picture), size)


def _grey(picture) -> np.ndarray:
    """Eq. 1: greyscale in [0, 1], transparent pixels shown on white."""
    from PIL import Image

    rgba = picture.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(white, rgba).convert("L"), np.float32) / 255.0


def glyph_from_grey(grey: np.ndarray, size: int = 28) -> np.ndarray:
    """Eqs. 1-3 on a (H, W) greyscale array in [0, 1]: white ink on black, centred, (size, size, 1)."""
    from PIL import Image

    grey = np.asarray(grey, np.float32)
    ink = 1.0 - grey if _border(grey).mean() > 0.5 else grey  # Eq. 1: the strokes become the bright part
    ink = np.clip(ink - np.median(_border(ink)), 0, None)  # the background becomes 0
    if ink.max() <= 1e-3:
        raise ValueError("The image is blank (no strokes found); upload a dark character on a light "
                         "background or a light one on a dark background.")
    rows, cols = np.nonzero(ink > 0.2 * ink.max())  # Eq. 2: the ink's bounding box
    crop = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    fill = 20 / 28 if size >= 16 else 1.0
    scale = max(1, int(fill * size)) / max(crop.shape)
    shape = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))  # PIL: (W, H)
    small = np.asarray(Image.fromarray(crop).resize(shape, Image.BILINEAR), np.float32)
    canvas = np.zeros((size, size), np.float32)
    top, left = (size - small.shape[0]) // 2, (size - small.shape[1]) // 2
    canvas[top:top + small.shape[0], left:left + small.shape[1]] = np.clip(small, 0, None)
    return (canvas / max(canvas.max(), 1e-6))[..., None]  # Eq. 3


def _border(image: np.ndarray) -> np.ndarray:
    """The pixels of the outermost rows and columns."""
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
