"""A student's own image as CNN input, validated and drawn like the training glyphs; and a student's own model.

An upload is checked before it is decoded (size in bytes, then size in pixels, so a small
file that decompresses to a huge image is refused too), then converted the way MNIST was
made: greyscale, white strokes on black (a light background is inverted), cropped to the
ink, scaled so that its longer side fills 20/28 of the frame (the whole frame for the 8×8
digits), centred and divided by its maximum:

    (1) g = grey(x) in [0, 1];  g <- 1 − g  if the border is lighter than the middle
    (2) box = bounding box of {g > 0.2 · max g};  resize it into ⌊fill · size⌋ pixels
    (3) image = g / max g                         (size, size, 1) float32 in [0, 1]

Every failure is a ValueError with one sentence saying what was wrong and what to upload.

``model_from_upload`` loads a student's ``.keras`` classifier as an untrusted file: bounded in size (packed and
unpacked), only Keras and toolkit classes (a Lambda layer is code and is refused before anything is built), Keras's
``safe_mode``, then checked against the page's input shape and classes.
"""

from __future__ import annotations

import io

import numpy as np

UPLOAD_TYPES = ("png", "jpg", "jpeg", "bmp", "gif", "webp")


def image_from_upload(data: bytes, size: int = 28, *, max_bytes: int = 2 * 2**20, max_side: int = 4096,
                      name: str = "The uploaded file") -> np.ndarray:
    """`data` (the bytes of an image file) as a (size, size, 1) float32 glyph in [0, 1] (Eqs. 1-3)."""
    from PIL import Image, UnidentifiedImageError

    _check_bytes(data, name, max_bytes, "a PNG or JPEG image of one character",
                 "a smaller image (a character needs only a few kilobytes)")
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


# ---------------------------------------------------------------- a student's own model
MODEL_TYPES = ("keras",)
MAX_MODEL_MB = 20  # a .keras file of the page's networks is well under 1 MB; LeNet-5 about 0.3 MB
MAX_UNPACKED_RATIO = 4  # the archive may unpack to at most this many times the limit (a zip bomb does not)


def model_from_upload(data: bytes, input_shape, classes: int, *, max_bytes: int = MAX_MODEL_MB * 2**20,
                      name: str = "The uploaded file"):
    """`data` (the bytes of a ``.keras`` file) as a Keras classifier of (H, W, C) `input_shape` images into `classes`,
    loaded as an untrusted file should be:

    1. size: at most `max_bytes`, and its archive unpacks to at most ``MAX_UNPACKED_RATIO`` times that;
    2. content: a ``.keras`` archive (config.json inside) whose layers are Keras's or the toolkit's only: a
       ``Lambda`` layer (Python code) or any other custom class is refused before anything is built;
    3. loading: ``toolkit.load_model(..., safe_mode=True, compile=False)``, which never deserializes code;
    4. fit: the model takes `input_shape` and gives `classes` outputs.

    Every refusal is a ValueError with one sentence saying what was wrong and what to upload.
    """
    import json
    import os
    import tempfile
    import zipfile

    import keras

    from toolkit import saving

    _check_bytes(data, name, max_bytes, "a model saved with model.save('name.keras')",
                 "a smaller model (this page's networks take well under 1 MB)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_RATIO * max_bytes:
                raise ValueError(f"{name} unpacks to {unpacked / 2**20:.0f} MB, more than "
                                 f"{MAX_UNPACKED_RATIO * max_bytes / 2**20:.0f} MB; upload a model saved with "
                                 "model.save('name.keras').")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError(f"{name} is not a .keras file (a zip archive holding config.json); save your model with "
                         "model.save('name.keras') and upload that file.") from None
    if _holds(config, "Lambda"):
        raise ValueError(f"{name} holds a Lambda layer, that is Python code, which this app never runs; rebuild the "
                         "model from Keras and toolkit layers only.")
    classes_found = {}
    saving._collect_classes(config, classes_found)
    foreign = sorted(path for registered, path in classes_found.items() if not saving._is_toolkit(registered))
    if foreign:
        raise ValueError(f"{name} needs {', '.join(f'`{path}`' for path in foreign)}, which is neither a Keras nor a "
                         "toolkit class; this app loads models built from Keras and toolkit layers only.")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "upload.keras")
        with open(path, "wb") as file:
            file.write(data)
        try:
            model = saving.load_model(path, compile=False, safe_mode=True)
        except Exception as error:  # Keras's messages vary: one sentence, its first line
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ValueError(f"{name} could not be loaded as a Keras model ({first[:200]}).") from None
    return _checked_classifier(model, input_shape, classes, name, keras)


def _holds(node, class_name: str) -> bool:
    if isinstance(node, dict):
        return node.get("class_name") == class_name or any(_holds(value, class_name) for value in node.values())
    if isinstance(node, list):
        return any(_holds(value, class_name) for value in node)
    return False


def _checked_classifier(model, input_shape, classes: int, name: str, keras):
    if not isinstance(model, keras.Model) or not getattr(model, "inputs", None) or len(model.inputs) != 1:
        raise ValueError(f"{name} is not a model with one image input; upload a classifier of "
                         f"{'×'.join(map(str, input_shape))} images.")
    expected = tuple(int(v) for v in input_shape)
    got = tuple(model.inputs[0].shape[1:])
    if len(got) != len(expected) or any(g is not None and g != e for g, e in zip(got, expected)):
        raise ValueError(f"{name} takes inputs of shape {got}, but this page's images are {expected}; train it on "
                         "the page's dataset.")
    outputs = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else None
    if outputs != classes:
        raise ValueError(f"{name} gives {outputs} outputs, but this page's dataset has {classes} classes.")
    return model


def _check_bytes(data, name: str, max_bytes: int, wanted: str, smaller: str) -> None:
    """Refuses an empty upload (asking for `wanted`) or one over `max_bytes` (asking for `smaller`)."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValueError(f"{name} is empty; upload {wanted}.")
    if len(data) > max_bytes:
        raise ValueError(f"{name} is {len(data) / 2**20:.1f} MB, more than the {max_bytes / 2**20:.0f} MB limit; "
                         f"upload {smaller}.")
