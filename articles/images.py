"""
Uploaded images: checked by decoding them, stored under names we choose.

A file's name and the browser's content type say nothing about what it is, so
the checks open it with Pillow: only JPEG, PNG, GIF and WebP; dimensions read
from the header and refused above a pixel budget before anything decodes the
pixels (a 20 kB PNG can declare 20,000 × 20,000); the whole image decoded, so
truncated files fail here and not later in a resize; and no markup inside, so a
GIF that is also an HTML page (a polyglot) cannot be served as one.
"""

import io
import re
import uuid
import warnings
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from PIL import Image

FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
MAX_PIXELS = 40_000_000  # 8000 × 5000: more than any camera a newsroom uses
MAX_BYTES = 15 * 1024 * 1024
# What browsers sniff as markup (https://mimesniff.spec.whatwg.org/#identifying-a-resource-with-an-unknown-mime-type).
_MARKUP = re.compile(rb"<(?:script|html|svg|!doctype|body|iframe|head|\?xml)", re.IGNORECASE)


def validate_image(file):
    """Raise ValidationError unless ``file`` is a JPEG, PNG, GIF or WebP image we are willing to serve."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            f"The image is {filesizeformat(size)}; the limit is {filesizeformat(MAX_BYTES)}.", code="too_large"
        )
    data = _read(file)
    if _MARKUP.search(data):
        raise ValidationError("The file contains web page markup; upload a plain image.", code="markup")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below its own (much larger) limit: ours is checked just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        if image.format not in FORMATS:
            raise ValidationError(
                f"{image.format or 'This'} images are not accepted: use JPEG, PNG, GIF or WebP.", code="format"
            )
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ValidationError(
                f"The image is {width:,} × {height:,} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels.",
                code="too_many_pixels",
            )
        image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow's own, larger limit: the header declares far too many pixels.
        raise ValidationError(
            f"The image declares more than {MAX_PIXELS // 1_000_000} megapixels.", code="too_many_pixels"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "The file is not a readable image (it may be truncated or corrupt).", code="invalid"
        ) from exc
    return image.format


@deconstructible
class RandomName:
    """An ``upload_to`` that names files ``folder/YYYY/MM/<random>.<ext>``: never the uploader's file name."""

    def __init__(self, folder):
        self.folder = folder

    def __call__(self, instance, filename):
        ext = PurePosixPath(filename).suffix.lower().lstrip(".")
        ext = "jpg" if ext == "jpeg" else ext
        if ext not in FORMATS.values():
            ext = "img"
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"

    def __eq__(self, other):
        return isinstance(other, RandomName) and other.folder == self.folder


def _read(file):
    position = file.tell() if hasattr(file, "tell") else None
    file.seek(0)
    data = file.read()
    if position is not None:
        file.seek(position)
    return data
