"""Uploaded images are judged by decoding them, not by their names."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.images import MAX_BYTES, RandomName, validate_image
from articles.models import Article

from .test_admin import article_form


def image_bytes(fmt="PNG", size=(40, 30), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def upload(data, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(data, **kwargs):
    with pytest.raises(ValidationError) as error:
        validate_image(upload(data, **kwargs))
    return error.value


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_the_four_web_formats_are_accepted(fmt):
    assert validate_image(upload(image_bytes(fmt))) == fmt


def test_a_name_and_content_type_do_not_make_a_file_an_image():
    error = refusal(b"just some text, not an image at all", name="photo.jpg", content_type="image/jpeg")
    assert error.code == "invalid"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO"])
def test_other_image_formats_are_refused(fmt):
    assert refusal(image_bytes(fmt), name=f"photo.{fmt.lower()}").code == "format"


def png_declaring(width, height):
    """A tiny, valid-looking PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb)."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("width,height", [(20_000, 20_000), (9_000, 5_000)])
def test_an_image_declaring_too_many_pixels_is_refused_before_decoding(width, height):
    data = png_declaring(width, height)
    assert len(data) < 200
    error = refusal(data)
    assert error.code == "too_many_pixels"
    assert "megapixels" in error.message


def test_a_truncated_image_is_refused():
    data = image_bytes("JPEG", size=(400, 300))
    assert refusal(data[: len(data) // 2], name="cut.jpg").code == "invalid"


def test_an_svg_is_refused_whatever_it_is_called():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
    assert refusal(svg, name="logo.png").code == "markup"


def test_an_html_page_disguised_as_an_image_is_refused():
    assert refusal(b"<!DOCTYPE html><script>alert(document.cookie)</script>", name="cat.gif").code == "markup"


def test_a_real_gif_carrying_a_script_polyglot_is_refused():
    polyglot = image_bytes("GIF") + b"<script>alert(1)</script>"
    assert refusal(polyglot, name="anim.gif").code == "markup"


def test_an_oversized_file_is_refused_by_size():
    big = upload(image_bytes())
    big.size = MAX_BYTES + 1
    with pytest.raises(ValidationError) as error:
        validate_image(big)
    assert error.value.code == "too_large"


def test_stored_names_are_random_and_keep_only_a_known_extension():
    name = RandomName("articles")
    first = name(None, "../../etc/passwd.JPEG")
    second = name(None, "../../etc/passwd.JPEG")
    assert first.startswith("articles/") and first.endswith(".jpg") and ".." not in first
    assert first != second
    assert name(None, "shell.php").endswith(".img")


# Through the admin, as an editor uploads


@pytest.fixture
def post_article(admin_client):
    def post(image):
        return admin_client.post(
            reverse("admin:articles_article_add"), {**article_form(title="With a picture"), "lead_image": image}
        )

    return post


@pytest.mark.django_db
def test_admin_refuses_a_disguised_upload_with_a_form_error_and_saves_nothing(post_article):
    response = post_article(
        upload(b"<html><script>alert(1)</script></html>", name="cat.jpg", content_type="image/jpeg")
    )
    assert response.status_code == 200
    assert "lead_image" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_admin_refuses_an_image_bomb_with_a_form_error(post_article):
    response = post_article(upload(png_declaring(20_000, 20_000), name="bomb.png"))
    assert response.status_code == 200
    assert "lead_image" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_admin_stores_a_real_image_under_a_generated_name(post_article):
    response = post_article(upload(image_bytes("JPEG"), name="My Holiday Photo.JPEG", content_type="image/jpeg"))
    assert response.status_code == 302
    name = Article.objects.get().lead_image.name
    assert name.startswith("articles/") and name.endswith(".jpg")
    assert "Holiday" not in name
