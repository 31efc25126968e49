"""Decoding uploads: every accepted format and mode, orientation, downscaling, and every refusal.

Images are drawn by Pillow inside the tests, so the expected pixel values are known exactly.
"""

from __future__ import annotations

import asyncio
import base64
import io
import struct
import zlib

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from starlette.datastructures import UploadFile

from app.images import ImageError, decode_image, flatten, map_png, read_upload
from app.main import create_app
from app.settings import Settings

SETTINGS = Settings()
RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def two_colour(size: tuple[int, int] = (40, 30), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image.convert(mode)


def decode(data: bytes, **options: bool) -> np.ndarray:
    return decode_image(data, SETTINGS, **options).pixels


def refusal(data: bytes, settings: Settings = SETTINGS) -> ImageError:
    with pytest.raises(ImageError) as info:
        decode_image(data, settings)
    return info.value


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header for a 1-bit grey image of any size, followed by a few compressed zeros."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + chunk(b"IEND", b"")
    )


# Accepted formats


@pytest.mark.parametrize(
    ("fmt", "options", "tolerance"),
    [
        ("PNG", {}, 0.0),
        ("BMP", {}, 0.0),
        ("WEBP", {"lossless": True}, 0.0),
        ("WEBP", {"quality": 90}, 0.12),
        ("JPEG", {"quality": 95}, 0.12),
    ],
)
def test_each_format_decodes_to_rgb_in_unit_range(
    fmt: str, options: dict[str, object], tolerance: float
) -> None:
    decoded = decode_image(encode(two_colour(), fmt, **options), SETTINGS)
    assert decoded.format == fmt
    assert decoded.pixels.shape == (3, 30, 40)
    assert decoded.pixels.dtype == np.float64
    assert decoded.pixels.min() >= 0.0
    assert decoded.pixels.max() <= 1.0
    np.testing.assert_allclose(decoded.pixels[:, 15, 5], [1, 0, 0], atol=tolerance)
    np.testing.assert_allclose(decoded.pixels[:, 15, 35], [0, 0, 1], atol=tolerance)
    assert (decoded.width, decoded.height) == (decoded.original_width, decoded.original_height) == (40, 30)


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (16, 8), RED), Image.new("RGB", (16, 8), BLUE)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 2
    decoded = decode_image(data, SETTINGS)
    assert decoded.format == "GIF"
    assert decoded.mode == "P"
    np.testing.assert_allclose(decoded.pixels[:, 0, 0], [1, 0, 0])
    np.testing.assert_allclose(decoded.pixels.reshape(3, -1).mean(axis=1), [1, 0, 0])


def test_format_is_found_from_content_not_from_a_misleading_name() -> None:
    # A JPEG's bytes decode as JPEG; the upload's name never reaches the decoder at all.
    assert decode_image(encode(two_colour(), "JPEG"), SETTINGS).format == "JPEG"


# Modes


def test_mode_1_is_black_and_white() -> None:
    image = Image.new("1", (8, 8), 0)
    image.putpixel((3, 2), 1)
    for fmt in ("PNG", "BMP"):
        pixels = decode(encode(image, fmt))
        assert set(np.unique(pixels).tolist()) == {0.0, 1.0}
        np.testing.assert_array_equal(pixels[:, 2, 3], [1, 1, 1])


def test_mode_l_is_replicated_or_kept_grey() -> None:
    data = encode(Image.new("L", (6, 4), 128), "PNG")
    decoded = decode_image(data, SETTINGS)
    assert decoded.mode == "L"
    np.testing.assert_allclose(decoded.pixels, np.full((3, 4, 6), 128 / 255))
    np.testing.assert_allclose(decode(data, grayscale=True), np.full((1, 4, 6), 128 / 255))


def test_grayscale_of_colour_uses_luma_weights() -> None:
    grey = decode(encode(Image.new("RGB", (2, 2), (255, 0, 0)), "PNG"), grayscale=True)
    assert grey.shape == (1, 2, 2)
    assert grey[0, 0, 0] == pytest.approx(76 / 255)  # 0.299 * 255 = 76.2, rounded by Pillow


def test_alpha_is_composited_on_white() -> None:
    rgba = Image.new("RGBA", (3, 1))
    rgba.putdata([(255, 0, 0, 255), (255, 0, 0, 0), (0, 0, 0, 128)])
    for fmt, options in (("PNG", {}), ("WEBP", {"lossless": True})):
        pixels = decode(encode(rgba, fmt, **options))
        np.testing.assert_allclose(pixels[:, 0, 0], [1, 0, 0])
        np.testing.assert_allclose(pixels[:, 0, 1], [1, 1, 1])  # fully transparent: white
        np.testing.assert_allclose(pixels[:, 0, 2], [127 / 255] * 3, atol=1.5 / 255)  # half black on white


def test_la_is_composited_on_white() -> None:
    la = Image.new("LA", (2, 1))
    la.putdata([(0, 0), (0, 255)])
    pixels = decode(encode(la, "PNG"))
    np.testing.assert_allclose(pixels[:, 0, 0], [1, 1, 1])
    np.testing.assert_allclose(pixels[:, 0, 1], [0, 0, 0])


def test_palette_images_with_and_without_transparency() -> None:
    palette = Image.new("P", (4, 1))
    palette.putpalette([255, 0, 0, 0, 0, 255, 0, 255, 0] + [0] * (256 * 3 - 9))
    palette.putdata([0, 1, 2, 1])
    pixels = decode(encode(palette, "PNG"))
    np.testing.assert_allclose(pixels[:, 0, :3].T, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    for fmt in ("PNG", "GIF"):
        data = encode(palette, fmt, transparency=1)  # index 1 (blue) is transparent
        decoded = decode_image(data, SETTINGS)
        assert decoded.mode == "P"
        np.testing.assert_allclose(decoded.pixels[:, 0, 1], [1, 1, 1])
        np.testing.assert_allclose(decoded.pixels[:, 0, 0], [1, 0, 0])
    # Partial alpha per palette entry (tRNS bytes) is honoured too.
    data = encode(palette, "PNG", transparency=bytes([255, 0, 128]))
    np.testing.assert_allclose(decode(data)[:, 0, 2], [127 / 255, 1, 127 / 255], atol=1.5 / 255)


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # no cyan, full magenta and yellow: red
    decoded = decode_image(encode(cmyk, "JPEG", quality=95), SETTINGS)
    assert decoded.mode == "CMYK"
    np.testing.assert_allclose(decoded.pixels[:, 8, 8], [1, 0, 0], atol=0.05)


def test_16_bit_png_keeps_its_precision() -> None:
    values = np.array([[0, 256, 257, 32768, 65535]], dtype=np.uint16)
    decoded = decode_image(encode(Image.fromarray(values), "PNG"), SETTINGS)
    assert decoded.mode == "I;16"
    np.testing.assert_allclose(decoded.pixels[0, 0], values[0] / 65535, rtol=1e-6)
    assert decoded.pixels[0, 0, 1] != decoded.pixels[0, 0, 2]  # finer than 8 bits
    assert decoded.pixels.shape == (3, 1, 5)


def test_modes_i_and_f_are_scaled_not_clipped() -> None:
    sixteen = flatten(Image.fromarray(np.array([[0, 1000, 65535]], dtype=np.int32)))
    np.testing.assert_allclose(np.asarray(sixteen), [[0, 1000 / 65535, 1]], rtol=1e-6)
    signed = flatten(Image.fromarray(np.array([[-100, 0, 300]], dtype=np.int32)))
    np.testing.assert_allclose(np.asarray(signed), [[0, 0.25, 1]], rtol=1e-6)
    unit = flatten(Image.fromarray(np.array([[0.0, 0.25, 1.0]], dtype=np.float32)))
    np.testing.assert_allclose(np.asarray(unit), [[0, 0.25, 1]])
    wide = flatten(Image.fromarray(np.array([[-2.0, 0.0, 2.0]], dtype=np.float32)))
    np.testing.assert_allclose(np.asarray(wide), [[0, 0.5, 1]])


# Orientation and size


def test_exif_orientation_6_rotates_clockwise() -> None:
    stored = Image.new("RGB", (40, 20), WHITE)
    stored.paste(RED, (0, 0, 8, 8))  # marker in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    decoded = decode_image(encode(stored, "JPEG", quality=95, exif=exif), SETTINGS)
    assert decoded.orientation == 6
    assert (decoded.width, decoded.height) == (20, 40)
    assert (decoded.original_width, decoded.original_height) == (20, 40)
    top_right, top_left = decoded.pixels[:, 3, 16], decoded.pixels[:, 3, 3]
    np.testing.assert_allclose(top_right, [1, 0, 0], atol=0.1)
    np.testing.assert_allclose(top_left, [1, 1, 1], atol=0.1)


def test_large_images_are_downscaled_to_the_longest_side() -> None:
    wide = two_colour((1024, 256))
    decoded = decode_image(encode(wide, "PNG"), SETTINGS)
    assert (decoded.width, decoded.height) == (512, 128)
    assert (decoded.original_width, decoded.original_height) == (1024, 256)
    assert decoded.pixels.shape == (3, 128, 512)
    np.testing.assert_allclose(decoded.pixels[:, 64, 100], [1, 0, 0], atol=1e-9)
    small = decode_image(encode(wide, "PNG"), Settings(max_image_side=64))
    assert small.pixels.shape == (3, 16, 64)
    assert decode_image(encode(two_colour(), "PNG"), SETTINGS).pixels.shape == (3, 30, 40)  # never upscaled


def test_large_jpeg_is_downscaled_through_the_decoder() -> None:
    decoded = decode_image(encode(two_colour((2048, 1024)), "JPEG", quality=90), SETTINGS)
    assert decoded.pixels.shape == (3, 256, 512)
    assert (decoded.original_width, decoded.original_height) == (2048, 1024)
    np.testing.assert_allclose(decoded.pixels[:, 128, 64], [1, 0, 0], atol=0.06)
    np.testing.assert_allclose(decoded.pixels[:, 128, 448], [0, 0, 1], atol=0.06)


def test_sixteen_bit_is_downscaled_in_float() -> None:
    ramp = (np.arange(1024, dtype=np.uint32) * 64).astype(np.uint16)[None].repeat(4, axis=0)
    decoded = decode_image(encode(Image.fromarray(ramp), "PNG"), SETTINGS)
    assert decoded.pixels.shape == (3, 2, 512)
    assert np.all(np.diff(decoded.pixels[0, 0, 5:-5]) > 0)  # still a smooth ramp


# Refusals


def test_declared_size_past_the_pixel_limit_is_refused_before_decoding() -> None:
    huge = refusal(png_declaring(20000, 20000))  # 400 Mpx in 100 bytes: Pillow's own guard fires
    assert huge.status == 413
    assert "max_decoded_pixels = 40,000,000" in huge.message
    big = refusal(png_declaring(7000, 7000))  # 49 Mpx: past our limit, under Pillow's
    assert big.status == 413
    assert "7000x7000 = 49,000,000 pixels" in big.message
    assert "max_decoded_pixels = 40,000,000" in big.message
    tight = refusal(encode(two_colour(), "PNG"), Settings(max_decoded_pixels=1000))
    assert tight.status == 413
    assert "40x30 = 1,200 pixels, more than max_decoded_pixels = 1,000" in tight.message


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "BMP"])
def test_truncated_files_are_refused(fmt: str) -> None:
    noise = Image.effect_noise((64, 64), 60).convert("RGB")
    data = encode(noise, fmt)
    error = refusal(data[: len(data) * 2 // 3])
    assert error.status == 422
    assert "truncated or corrupt" in error.message or "could not be read" in error.message


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"just some text, saved with a .png name\n", "is text, not an image"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (bytes(range(256)) * 4, "not an image in a format we could recognise"),
    ],
)
def test_non_images_are_refused_naming_the_supported_formats(data: bytes, what: str) -> None:
    error = refusal(data)
    assert error.status == 415
    assert what in error.message
    assert "PNG, JPEG, GIF (first frame), WebP and BMP" in error.message


def test_tiff_is_unsupported() -> None:
    error = refusal(encode(two_colour(), "TIFF"))
    assert error.status == 415
    assert "TIFF" in error.message
    assert "supported formats are PNG, JPEG" in error.message


def test_corrupt_header_of_a_supported_format() -> None:
    error = refusal(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert error.status == 422
    assert "looks like a PNG file but its header is corrupt" in error.message


# Reading the upload


class CountingFile(io.BytesIO):
    """A file that counts the bytes handed out, to show reading stops at the limit."""

    handed_out = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.handed_out += len(chunk)
        return chunk


def test_read_upload_stops_soon_after_the_limit() -> None:
    source = CountingFile(b"x" * 5_000_000)
    with pytest.raises(ImageError) as info:
        asyncio.run(read_upload(UploadFile(source), max_bytes=1_500_000))
    assert info.value.status == 413
    assert info.value.limit == ("max_upload_bytes", 1_500_000)
    assert "larger than max_upload_bytes = 1,500,000 bytes" in info.value.message
    assert source.handed_out <= 1_500_000 + (1 << 20)  # at most one chunk past the limit


def test_read_upload_returns_the_bytes_and_refuses_empty_files() -> None:
    assert asyncio.run(read_upload(UploadFile(io.BytesIO(b"abc")), max_bytes=3)) == b"abc"
    with pytest.raises(ImageError, match="empty"):
        asyncio.run(read_upload(UploadFile(io.BytesIO(b"")), max_bytes=3))


# Encoding maps


def png_pixels(url: str) -> np.ndarray:
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :])), formats=["PNG"])
    assert image.mode == "L"
    return np.asarray(image)


def test_maps_are_drawn_over_their_own_range() -> None:
    ramp = np.array([[-2.0, -1.0, 0.0, 2.0]])
    np.testing.assert_array_equal(png_pixels(map_png(ramp, -2.0, 2.0)), [[0, 64, 128, 255]])
    np.testing.assert_array_equal(png_pixels(map_png(np.full((2, 2), 3.0), 3.0, 3.0)), np.zeros((2, 2)))


# Through the endpoint: the refusals reach the client as 4xx JSON with the message.


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"hello, I am text wearing a .png name", 415, "text, not an image"),
        (encode(two_colour(), "TIFF"), 415, "TIFF"),
        (encode(Image.effect_noise((64, 64), 60), "PNG")[:2000], 422, "truncated"),
        (png_declaring(20000, 20000), 413, "max_decoded_pixels"),
        (b"", 422, "empty"),
    ],
)
def test_bad_uploads_get_4xx_with_the_reason(
    client: TestClient, data: bytes, status: int, words: str
) -> None:
    response = client.post(
        "/api/feature-maps",
        files={"image": ("photo.png", data, "image/png")},
        data={"layers": "[]"},
    )
    assert response.status_code == status, response.text
    assert words in response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["field"] == "image"


def test_name_and_declared_type_are_ignored(client: TestClient) -> None:
    response = client.post(
        "/api/feature-maps",
        files={"image": ("notes.txt", encode(two_colour(), "BMP"), "text/plain")},
        data={"layers": "[]"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["input"]["format"] == "BMP"


def test_missing_image_field(client: TestClient) -> None:
    response = client.post("/api/feature-maps", data={"layers": "[]"})
    assert response.status_code == 422
    assert "`image` is required" in response.text
    response = client.post("/api/feature-maps", files={"picture": ("a.png", encode(two_colour(), "PNG"))})
    assert response.status_code == 422
    assert "`image` is required" in response.text


def test_oversized_upload_is_refused_naming_the_limit() -> None:
    small = TestClient(create_app(Settings(max_upload_bytes=1000)))
    data = encode(Image.effect_noise((64, 64), 60), "PNG")
    assert len(data) > 1000
    response = small.post("/api/feature-maps", files={"image": ("a.png", data, "image/png")})
    assert response.status_code == 413
    error = response.json()["error"]
    assert "max_upload_bytes = 1,000 bytes" in error["message"]
    assert error["limit"] == {"name": "max_upload_bytes", "value": 1000}
