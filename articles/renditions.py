"""
Resized copies of uploaded images, made once with Pillow and then served from storage.

A rendition's name follows from its source's name, its width, its format and,
for a crop, the aspect ratio and focal point: ``articles/2026/11/ab12.jpg`` at
800 pixels in WebP is ``renditions/articles/2026/11/ab12/800.webp``. Pages
therefore build ``srcset`` from fields already loaded — the source's name and
its stored size — without a query or a look in storage per image. A new upload
gets a new random name, and a moved focal point a new crop name, so a name
never has to be rewritten: what exists is final.

Outputs are upright (EXIF orientation applied), converted to sRGB, and carry no
metadata at all: cameras and phones write the place a photo was taken into its
EXIF, and a reader can download the file.
"""

import io
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageCms, ImageOps

from .images import MAX_PIXELS

logger = logging.getLogger(__name__)

# Wide enough for a full-width lead image on a 2x screen, small enough for a phone.
WIDTHS = (480, 800, 1200, 1600)
# Formats in the order <picture> offers them; the last is the <img> fallback.
FORMATS = {"webp": ("WEBP", {"quality": 80, "method": 4}), "jpeg": ("JPEG", {"quality": 82, "optimize": True})}
# The aspect ratios templates crop to; each is generated ahead for every image.
RATIOS = {"3:2": (3, 2), "1:1": (1, 1)}
FOLDER = "renditions"
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Source:
    """What naming a source's renditions needs: its file name, upright size, and focal point (0–1)."""

    name: str
    width: int
    height: int
    focal_x: float = 0.5
    focal_y: float = 0.5


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    format: str


def crop_box(width, height, ratio=None, focal=(0.5, 0.5)):
    """The part of a ``width`` × ``height`` image a crop to ``ratio`` keeps: as large as fits, centred on the
    focal point as far as the edges allow. Without a ratio, the whole image."""
    if ratio is None:
        return (0, 0, width, height)
    rw, rh = RATIOS[ratio]
    crop_w, crop_h = (round(height * rw / rh), height) if width * rh > height * rw else (width, round(width * rh / rw))
    left = min(max(round(focal[0] * width - crop_w / 2), 0), width - crop_w)
    top = min(max(round(focal[1] * height - crop_h / 2), 0), height - crop_h)
    return (left, top, left + crop_w, top + crop_h)


def widths_for(width):
    """The widths made of an image ``width`` pixels wide: the standard ones below it, and the full width
    when that is under the largest. Never wider than the original."""
    if width >= WIDTHS[-1]:
        return list(WIDTHS)
    return [*(w for w in WIDTHS if w < width), width]


def renditions(source, ratio=None):
    """Every rendition of ``source`` (cropped to ``ratio`` if given), smallest first, in each format."""
    focal = (source.focal_x, source.focal_y)
    left, top, right, bottom = crop_box(source.width, source.height, ratio, focal)
    crop_w, crop_h = right - left, bottom - top
    stem = source.name.rpartition(".")[0] or source.name
    if ratio:
        rw, rh = RATIOS[ratio]
        stem = f"{stem}/{rw}x{rh}-{round(focal[0] * 100)}-{round(focal[1] * 100)}"
    else:
        stem = f"{stem}/"
    return [
        Rendition(
            name=f"{FOLDER}/{stem}{'-' if ratio else ''}{width}.{ext}",
            width=width,
            height=max(1, round(width * crop_h / crop_w)),
            format=ext,
        )
        for ext in FORMATS
        for width in widths_for(crop_w)
    ]


def all_renditions(source):
    return [r for ratio in (None, *RATIOS) for r in renditions(source, ratio)]


def open_upright(file):
    """The image in ``file`` with its EXIF orientation applied, as 8-bit sRGB (RGB) pixels."""
    file.seek(0)
    image = Image.open(file)
    if image.width * image.height > MAX_PIXELS:
        raise ValueError(f"{file} has more than {MAX_PIXELS} pixels")
    image = ImageOps.exif_transpose(image)
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            image = ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode="RGB")
        except ImageCms.PyCMSError:
            logger.warning("Ignoring an unreadable colour profile in %s", file)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        # Photographs have no use for transparency; a white ground is what the page shows behind them.
        image = image.convert("RGBA")
        ground = Image.new("RGB", image.size, (255, 255, 255))
        ground.paste(image, mask=image.getchannel("A"))
        image = ground
    return image.convert("RGB")


def upright_size(file):
    """``(width, height)`` of the image in ``file`` as it is shown, that is after its EXIF orientation;
    ``(None, None)`` when it is not a readable image (code that skipped validate_image)."""
    file.seek(0)
    try:
        with Image.open(file) as image:
            size = image.size
            # Orientations 5–8 turn the picture a quarter: width and height swap.
            if image.getexif().get(0x0112) in (5, 6, 7, 8):
                size = size[::-1]
    except (OSError, ValueError):
        size = (None, None)
    file.seek(0)
    return size


def generate(source_name, *, focal=(0.5, 0.5), size=None, storage=None):
    """Make the renditions of ``source_name`` that storage does not have yet; return ``(size, written)``,
    the source's upright size and how many files were written. With its ``size`` known, a source whose
    renditions all exist is not even opened. A missing or unreadable source raises ``OSError`` (or
    ``ValueError``)."""
    storage = storage or default_storage
    image = None
    if size is None:
        image = _load(source_name, storage)
        size = image.size
    source = Source(source_name, *size, *focal)
    written = 0
    for ratio in (None, *RATIOS):
        wanted = [r for r in renditions(source, ratio) if not storage.exists(r.name)]
        if not wanted:
            continue
        if image is None:
            image = _load(source_name, storage)
            if image.size != tuple(size):  # a stale record: name the renditions after the real size
                return generate(source_name, focal=focal, storage=storage)
        cropped = image.crop(crop_box(*size, ratio, focal))
        for rendition in wanted:
            resized = cropped.resize((rendition.width, rendition.height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            resized.info.clear()  # no EXIF, XMP, ICC or comments: nothing of the camera's is passed on
            fmt, options = FORMATS[rendition.format]
            buffer = io.BytesIO()
            resized.save(buffer, fmt, **options)
            storage.save(rendition.name, ContentFile(buffer.getvalue()))
            written += 1
    return tuple(size), written


def _load(source_name, storage):
    with storage.open(source_name, "rb") as file:
        image = open_upright(file)
        image.load()
    return image


def source_for(fieldfile):
    """The ``Source`` of an image field when its model stores the size (``<field>_width``, ``<field>_height``)
    and perhaps a focal point (``<field>_focal_x``, ``<field>_focal_y``); else None."""
    if not fieldfile:
        return None
    instance, prefix = fieldfile.instance, fieldfile.field.name
    width, height = getattr(instance, f"{prefix}_width", None), getattr(instance, f"{prefix}_height", None)
    if not width or not height:
        return None
    return Source(
        fieldfile.name,
        width,
        height,
        getattr(instance, f"{prefix}_focal_x", 0.5),
        getattr(instance, f"{prefix}_focal_y", 0.5),
    )


def ensure_source(fieldfile, storage=None):
    """The ``Source`` of an image whose model does not store its size (authors' photos): renditions made
    on first use, then found in storage. None when the file is missing or unreadable."""
    storage = storage or default_storage
    if not fieldfile:
        return None
    marker = f"{FOLDER}/{fieldfile.name.rpartition('.')[0] or fieldfile.name}/size.txt"
    try:
        if storage.exists(marker):
            with storage.open(marker, "rb") as file:
                width, height = (int(n) for n in file.read().split(b"x"))
        else:
            (width, height), _ = generate(fieldfile.name, storage=storage)
            storage.save(marker, ContentFile(f"{width}x{height}".encode()))
    except (OSError, ValueError):
        logger.warning("No renditions for %s: the source is missing or unreadable", fieldfile.name, exc_info=True)
        return None
    return Source(fieldfile.name, width, height)


def generate_for_article(article, storage=None):
    """Make ``article``'s lead image renditions and record its upright size; forget the size when the file
    cannot be read, so that pages fall back to the original. Return how many files were written."""
    from .models import Article

    if not article.lead_image:
        return 0
    try:
        size, written = generate(
            article.lead_image.name,
            focal=(article.lead_image_focal_x, article.lead_image_focal_y),
            size=(article.lead_image_width, article.lead_image_height) if article.lead_image_width else None,
            storage=storage,
        )
    except (OSError, ValueError):
        logger.warning("No renditions for %s: the source is missing or unreadable", article.lead_image, exc_info=True)
        size, written = (None, None), 0
    if size != (article.lead_image_width, article.lead_image_height):
        article.lead_image_width, article.lead_image_height = size
        # An update(): recording the size is not an edit (no version, no revision, no redirect check).
        Article.objects.filter(pk=article.pk, lead_image=article.lead_image.name).update(
            lead_image_width=size[0], lead_image_height=size[1]
        )
    return written


def backfill(storage=None):
    """Renditions for every lead image and author photo that lacks them. Return ``(images, written, missing)``:
    how many images were looked at, how many files written, and the names of sources that could not be read."""
    from authors.models import Author

    from .models import Article

    images = written = 0
    missing = []
    articles = Article.objects.exclude(lead_image="").only(
        "pk", "lead_image", "lead_image_focal_x", "lead_image_focal_y", "lead_image_width", "lead_image_height"
    )
    for article in articles.iterator(chunk_size=500):
        images += 1
        written += generate_for_article(article, storage=storage)
        if article.lead_image_width is None:
            missing.append(article.lead_image.name)
    for author in Author.objects.exclude(photo="").only("pk", "photo").iterator(chunk_size=500):
        images += 1
        if ensure_source(author.photo, storage=storage) is None:
            missing.append(author.photo.name)
    return images, written, missing
