"""A student's uploaded image: good files become centred glyphs, bad ones get one clear sentence."""

import io

import numpy as np
import pytest
from PIL import Image

from toolkit.cnn import image_from_upload


def png_bytes(array, mode="L", fmt="PNG"):
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format=fmt)
    return buffer.getvalue()


def dark_bar_on_white(height=60, width=40):
    image = np.full((height, width), 255, np.uint8)
    image[10:50, 18:24] = 0  # a dark vertical stroke, like "1" written with a pen
    return image


@pytest.mark.parametrize("size", [28, 8])
def test_a_dark_stroke_on_white_becomes_a_bright_centred_glyph(size):
    glyph = image_from_upload(png_bytes(dark_bar_on_white()), size)
    assert glyph.shape == (size, size, 1) and glyph.dtype == np.float32
    assert glyph.max() == 1.0 and glyph.min() == 0.0
    assert glyph[0].max() == 0 and glyph[:, 0].max() == 0 if size == 28 else True  # black border
    rows, cols = np.nonzero(glyph[..., 0] > 0.5)
    assert abs(rows.mean() - (size - 1) / 2) < 1.5 and abs(cols.mean() - (size - 1) / 2) < 1.5
    assert rows.max() - rows.min() + 1 >= (20 if size == 28 else 7)  # the long side fills the box


def test_colour_jpeg_and_transparent_png_are_read():
    rgb = np.stack([dark_bar_on_white()] * 3, axis=-1)
    assert image_from_upload(png_bytes(rgb, "RGB", "JPEG")).max() == 1.0
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[5:35, 18:22] = (0, 0, 0, 255)  # black ink on a transparent background
    assert image_from_upload(png_bytes(rgba, "RGBA")).max() == 1.0


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The uploaded file is empty"),
    (b"%PDF-1.4 not an image at all", "The uploaded file is not an image that can be read"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "The uploaded file is not an image that can be read"),
    (b"x" * (2 * 2**20 + 1), r"The uploaded file is 2\.0 MB, more than the 2 MB limit"),
])
def test_bad_files_get_one_sentence(data, message):
    with pytest.raises(ValueError, match=message) as info:
        image_from_upload(data)
    assert "\n" not in str(info.value)


def test_huge_dimensions_are_refused_before_decoding():
    data = png_bytes(np.zeros((1, 5000), np.uint8))  # a few hundred bytes, 5000 pixels wide
    with pytest.raises(ValueError, match="5000×1 pixels, more than 4096×4096"):
        image_from_upload(data)


def test_a_blank_image_is_refused():
    with pytest.raises(ValueError, match="The image is blank"):
        image_from_upload(png_bytes(np.full((30, 30), 255, np.uint8)))
