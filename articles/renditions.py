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

Images inside bodies that point to our own storage are served the same way
(``body_image_source``, used by the ``body_html`` filter): their size is kept in
a small marker file beside their renditions, so a page reads that, never the
image, and runs no query for them.
"""

import io
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
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


def generate(source_name, *, focal=(0.5, 0.5), size=None, storage=None, ratios=(None, *RATIOS)):
    """Make the renditions of ``source_name`` (uncropped and cropped to each of ``ratios``) that storage does
    not have yet; return ``(size, written)``, the source's upright size and how many files were written. With
    its ``size`` known, a source whose renditions all exist is not even opened. A missing or unreadable source
    raises ``OSError`` (or ``ValueError``)."""
    storage = storage or default_storage
    image = None
    if size is None:
        image = _load(source_name, storage)
        size = image.size
    source = Source(source_name, *size, *focal)
    written = 0
    for ratio in ratios:
        wanted = [r for r in renditions(source, ratio) if not storage.exists(r.name)]
        if not wanted:
            continue
        if image is None:
            image = _load(source_name, storage)
            if image.size != tuple(size):  # a stale record: name the renditions after the real size
                return generate(source_name, focal=focal, storage=storage, ratios=ratios)
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
    if not fieldfile:
        return None
    return _stored_source(fieldfile.name, storage or default_storage)[0]


def _stored_source(name, storage, ratios=(None, *RATIOS), marker="size.txt"):
    """``(Source, files written)`` for the stored image ``name``, its renditions made the first time: a marker
    beside them records its size, so that later calls read a few bytes instead of the image. ``(None, 0)``
    when the file is missing or unreadable."""
    marker = f"{FOLDER}/{name.rpartition('.')[0] or name}/{marker}"
    written = 0
    try:
        if storage.exists(marker):
            with storage.open(marker, "rb") as file:
                width, height = (int(n) for n in file.read().split(b"x"))
        else:
            (width, height), written = generate(name, storage=storage, ratios=ratios)
            storage.save(marker, ContentFile(f"{width}x{height}".encode()))
    except (OSError, ValueError, SuspiciousFileOperation):
        logger.warning("No renditions for %s: the source is missing or unreadable", name, exc_info=True)
        return None, 0
    return Source(name, width, height), written


# In-body images ---------------------------------------------------------------------------------------

# What an <img> in a body may point to for it to be served as renditions: an image in our own storage.
BODY_IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp"}


def body_image_name(src):
    """The storage name of the image an in-body ``src`` points to when it is one of ours (an upload, or an
    attachment the WXR importer stored: ``MEDIA_URL`` + name); None for images from elsewhere, renditions
    themselves, and anything that is not plainly a file under the media folder."""
    base = settings.MEDIA_URL
    if not base or not src or not src.startswith(base):
        return None
    rest = urlsplit(src[len(base) :])
    if rest.scheme or rest.netloc or rest.query or rest.fragment:
        return None
    name = unquote(rest.path)
    parts = name.split("/")
    # No way out of the media folder, and no renditions of renditions.
    if any(part in ("", ".", "..") or "\\" in part for part in parts) or parts[0] == FOLDER:
        return None
    if name.rpartition(".")[2].lower() not in BODY_IMAGE_EXTENSIONS:
        return None
    return name


def body_image_source(name, storage=None):
    """The ``Source`` of an in-body image (uncropped renditions only: bodies show images whole), its
    renditions made on first use and found in storage afterwards; None when the file cannot be read."""
    return _stored_source(name, storage or default_storage, ratios=(None,), marker="whole.txt")[0]


def body_image_names(html):
    """The storage names of our own images in ``html`` (a sanitized body), each once, in order."""
    names = (body_image_name(dict(attrs).get("src") or "") for _, _, attrs in find_images(html))
    return list(dict.fromkeys(name for name in names if name))


class _ImageFinder(HTMLParser):
    """Where each <img> tag of a body starts and ends (offsets into the text), with its attributes unescaped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = []
        self._line_starts = None

    def feed(self, data):
        # getpos() counts lines and columns; the offsets let a caller replace exactly the tag's text.
        self._line_starts = [0, *(match.end() for match in re.finditer("\n", data))]
        super().feed(data)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            line, column = self.getpos()
            start = self._line_starts[line - 1] + column
            self.images.append((start, start + len(self.get_starttag_text()), attrs))

    handle_startendtag = handle_starttag


def find_images(html):
    """``[(start, end, attributes)]`` for every <img> in ``html``: what templatetags.images rewrites."""
    if not html or "<img" not in html:
        return []
    finder = _ImageFinder()
    finder.feed(html)
    finder.close()
    return finder.images


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
    """Renditions for every lead image, author photo and image in a body that lacks them. Return
    ``(images, written, missing)``: how many images were looked at, how many files written, and the names of
    sources that could not be read."""
    from authors.models import Author

    from .models import Article, Page

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
    # Images inside bodies (uploads, imported attachments): made here ahead of the first reader.
    for model in (Article, Page):
        for row in model.objects.filter(body__contains="<img").only("pk", "body").iterator(chunk_size=500):
            for name in body_image_names(row.body):
                images += 1
                source, made = _stored_source(name, storage or default_storage, ratios=(None,), marker="whole.txt")
                written += made
                if source is None:
                    missing.append(name)
    return images, written, missing
