"""Image facts and thumbnails: opened with the sniffed format's plugin only, bombs and broken
files refused as InvalidArgument, thumbnails upright, small and without metadata."""

from __future__ import annotations

import io
import time
import warnings

import pytest
from PIL import Image, ImageFile
from support.media_samples import animated_gif, image_bytes, jpeg_with_orientation, png_header

from services.errors import InvalidArgument
from services.media.images import MAX_IMAGE_PIXELS, image_facts, thumbnail
from services.media.model import AVIF, GIF, HEIC, JPEG, MP4, PNG, WEBP, ImageFacts, MediaType
from services.media.sniffing import sniff

FORMATS = {"JPEG": JPEG, "PNG": PNG, "WEBP": WEBP, "GIF": GIF, "HEIF": HEIC, "AVIF": AVIF}
RED, BLUE = (255, 0, 0), (0, 0, 255)


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 60) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize("fmt", FORMATS)
def test_facts_of_each_image_type(fmt: str) -> None:
    file = io.BytesIO(image_bytes(fmt, (64, 48)))
    file.seek(0)
    assert image_facts(file, FORMATS[fmt]) == ImageFacts(64, 48)
    assert file.tell() == 0  # left where it was


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("size", "expected"),
    [((1200, 900), (320, 240)), ((300, 600), (160, 320)), ((64, 48), (64, 48))],
)
def test_thumbnails_fit_320_and_keep_the_aspect_ratio(
    fmt: str, size: tuple[int, int], expected: tuple[int, int]
) -> None:
    data = thumbnail(io.BytesIO(image_bytes(fmt, size)), FORMATS[fmt])
    assert sniff(data) == WEBP
    with _open(data) as picture:
        assert picture.size == expected  # never enlarged
        assert _near(picture.getpixel((2, picture.height // 2)), RED)
        assert _near(picture.getpixel((picture.width - 3, picture.height // 2)), BLUE)


def test_a_jpeg_thumbnail_on_request_with_a_smaller_side() -> None:
    data = thumbnail(io.BytesIO(image_bytes("PNG", (1000, 500))), PNG, max_side=100, output="jpeg")
    assert sniff(data) == JPEG
    assert _open(data).size == (100, 50)


@pytest.mark.parametrize(
    ("orientation", "size", "red_at", "blue_at"),
    [
        # The stored picture is 200x100, red on its left half, blue on its right half.
        (1, (200, 100), "left", "right"),
        (3, (200, 100), "right", "left"),  # 180°
        (6, (100, 200), "top", "bottom"),  # to be turned 90° clockwise
        (8, (100, 200), "bottom", "top"),  # to be turned 90° counter-clockwise
    ],
)
def test_exif_orientation_is_applied(
    orientation: int, size: tuple[int, int], red_at: str, blue_at: str
) -> None:
    data = jpeg_with_orientation((200, 100), orientation)
    assert image_facts(io.BytesIO(data), JPEG) == ImageFacts(*size)
    with _open(thumbnail(io.BytesIO(data), JPEG)) as picture:
        assert picture.size == size
        w, h = picture.size
        where = {"left": (5, h // 2), "right": (w - 6, h // 2), "top": (w // 2, 5)}
        where["bottom"] = (w // 2, h - 6)
        assert _near(picture.getpixel(where[red_at]), RED)
        assert _near(picture.getpixel(where[blue_at]), BLUE)


def test_thumbnails_carry_no_exif() -> None:
    data = jpeg_with_orientation((200, 100), 6)
    assert _open(data).getexif().get_ifd(0x8825)  # the original has a GPS position
    for output in ("webp", "jpeg"):
        with _open(thumbnail(io.BytesIO(data), JPEG, output=output)) as picture:  # type: ignore[arg-type]
            assert not picture.getexif()
            assert "exif" not in picture.info


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "AVIF", "HEIF"])
def test_exif_orientation_of_the_other_formats(fmt: str) -> None:
    """(HEIF: libheif turns the picture itself and pillow-heif resets the tag; not twice.)"""
    exif = _open(jpeg_with_orientation((200, 100), 6)).info["exif"]
    data = image_bytes(fmt, (200, 100), exif=exif)
    assert image_facts(io.BytesIO(data), FORMATS[fmt]) == ImageFacts(100, 200)
    with _open(thumbnail(io.BytesIO(data), FORMATS[fmt])) as picture:
        assert picture.size == (100, 200)
        assert _near(picture.getpixel((50, 5)), RED)


def test_transparency_is_kept_in_webp_and_put_on_white_in_jpeg() -> None:
    image = Image.new("RGBA", (400, 200), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (200, 0, 400, 200))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    with _open(thumbnail(io.BytesIO(buffer.getvalue()), PNG)) as picture:
        assert picture.mode == "RGBA"
        assert picture.getpixel((300, 50))[3] == 0
        assert picture.getpixel((20, 50)) == (255, 0, 0, 255) or _near(
            picture.getpixel((20, 50)), RED
        )
    with _open(thumbnail(io.BytesIO(buffer.getvalue()), PNG, output="jpeg")) as picture:
        assert picture.mode == "RGB"
        assert _near(picture.getpixel((300, 50)), (255, 255, 255))


@pytest.mark.parametrize("mode", ["P", "L", "LA", "I;16", "CMYK"])
def test_other_modes_become_rgb_or_rgba(mode: str) -> None:
    image = Image.new(mode, (50, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG" if mode == "CMYK" else "PNG")
    media = JPEG if mode == "CMYK" else PNG
    with _open(thumbnail(io.BytesIO(buffer.getvalue()), media)) as picture:
        assert picture.mode in ("RGB", "RGBA")
        assert picture.size == (50, 40)


def test_an_animated_gif_gives_its_first_frame() -> None:
    data = animated_gif((40, 30))
    assert image_facts(io.BytesIO(data), GIF) == ImageFacts(40, 30)
    with _open(thumbnail(io.BytesIO(data), GIF)) as picture:
        assert getattr(picture, "n_frames", 1) == 1
        assert _near(picture.getpixel((5, 5)), RED)


# ---- refusals -----------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    bomb = png_header(20000, 20000)  # 400 megapixels declared in ~60 bytes
    assert sniff(bomb) == PNG
    started = time.perf_counter()
    for call in (image_facts, thumbnail):
        with pytest.raises(InvalidArgument, match="too large"):
            call(io.BytesIO(bomb), PNG)
    assert time.perf_counter() - started < 1


def test_a_picture_over_the_warning_threshold_is_refused_too() -> None:
    """Between once and twice Pillow's limit Pillow only warns: here it is refused."""
    over = png_header(10000, 10000)  # 100 megapixels > MAX_IMAGE_PIXELS
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(InvalidArgument):
        image_facts(io.BytesIO(over), PNG)
    with warnings.catch_warnings():  # and where warnings are errors
        warnings.simplefilter("error")
        with pytest.raises(InvalidArgument, match="too large"):
            image_facts(io.BytesIO(over), PNG)


def test_the_pixel_limit_can_be_lowered() -> None:
    data = image_bytes("PNG", (100, 100))
    assert image_facts(io.BytesIO(data), PNG, max_pixels=10_000) == ImageFacts(100, 100)
    with pytest.raises(InvalidArgument, match="at most 9999 pixels"):
        image_facts(io.BytesIO(data), PNG, max_pixels=9_999)
    with pytest.raises(InvalidArgument):
        thumbnail(io.BytesIO(data), PNG, max_pixels=9_999)


def test_pillows_global_limit_is_respected_when_lower(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    with (
        pytest.warns(Image.DecompressionBombWarning),
        pytest.raises(InvalidArgument, match="at most 5000 pixels"),
    ):
        image_facts(io.BytesIO(image_bytes("PNG", (100, 100))), PNG)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # disabling Pillow's does not disable ours
    with pytest.raises(InvalidArgument, match=f"at most {MAX_IMAGE_PIXELS} pixels"):
        image_facts(io.BytesIO(png_header(10000, 10000)), PNG)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "HEIF", "AVIF"])
def test_a_truncated_image_is_refused(fmt: str) -> None:
    data = image_bytes(fmt, (300, 200), **({"quality": 95} if fmt == "JPEG" else {}))
    name = {"WEBP": "WebP", "HEIF": "HEIC"}.get(fmt, fmt)
    for cut in (len(data) // 2, len(data) - 40):
        for call in (image_facts, thumbnail):
            with pytest.raises(InvalidArgument, match=f"not a valid {name} image"):
                call(io.BytesIO(data[:cut]), FORMATS[fmt])


def test_without_verify_only_the_header_is_read() -> None:
    data = image_bytes("JPEG", (300, 200), quality=95)
    truncated = io.BytesIO(data[: len(data) // 2])
    assert image_facts(truncated, JPEG, verify=False) == ImageFacts(300, 200)


def test_only_the_sniffed_formats_plugin_is_tried() -> None:
    """The CVE workaround: a PNG handed over as a JPEG is not opened by the PNG plugin."""
    with pytest.raises(InvalidArgument, match="not a valid JPEG image"):
        image_facts(io.BytesIO(image_bytes("PNG")), JPEG)
    tiff = image_bytes("TIFF")
    with pytest.raises(InvalidArgument, match="not a valid PNG image"):
        image_facts(io.BytesIO(tiff), PNG)


def test_a_lenient_pillow_is_not_used_for_uploads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        image_facts(io.BytesIO(image_bytes("PNG")), PNG)


@pytest.mark.parametrize("media", [MP4, MediaType("image", "image/tiff", "tif")])
def test_what_is_not_an_accepted_image_is_a_programming_error(media: MediaType) -> None:
    with pytest.raises(ValueError):
        image_facts(io.BytesIO(image_bytes("PNG")), media)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_mangled_images_give_facts_or_invalid_argument_and_nothing_else(fmt: str) -> None:
    import random

    rng = random.Random(fmt)
    original = image_bytes(fmt, (40, 30))
    for _ in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        media = sniff(bytes(data))
        if media is None or media.kind != "image":
            continue
        try:
            image_facts(io.BytesIO(bytes(data)), media)
            thumbnail(io.BytesIO(bytes(data)), media)
        except InvalidArgument:
            pass
