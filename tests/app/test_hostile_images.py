"""A corpus of hostile uploads, generated here: bombs, truncations, polyglots, lying names and types,
degenerate sizes and unusual modes, sent through POST /api/feature-maps.

Each must end in either a correct result (200, with the decoded size checked) or a 4xx JSON error
about the field ``image`` (or the layer that cannot run on it) whose code says what is wrong: never
a 500, a hang or a crash, and within a time bound.
"""

from __future__ import annotations

import asyncio
import io
import struct
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.settings import Settings

# One request, from upload to answer, may take at most this long (the largest accepted decode,
# 36 Mpx of 16-bit RGB, takes about 1 s on an idle core); a hang fails instead of blocking the run.
SECONDS = 20.0
SOBEL_ONLY = '[{"type": "conv", "bank": "sobel"}]'


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def noise(size: tuple[int, int] = (48, 32), mode: str = "RGB") -> Image.Image:
    return Image.effect_noise(size, 64).convert(mode)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(
    width: int, height: int, depth: int = 8, colour: int = 2, idat: bytes | None = None, extra: bytes = b""
) -> bytes:
    """A PNG with any header; ``idat`` defaults to a little compressed zero data."""
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    data = zlib.compress(b"\x00" * 4096) if idat is None else idat
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + extra
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def zero_rows(width: int, height: int, bytes_per_pixel: float) -> bytes:
    """Compressed all-zero scanlines (filter byte 0): about 1/1000 of their decoded size."""
    row = b"\x00" * (1 + int(width * bytes_per_pixel + 0.999))
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row * min(height, 256)) for _ in range(height // 256)]
    parts.append(compressor.compress(row * (height % 256)))
    parts.append(compressor.flush())
    return b"".join(parts)


def gif_declaring(width: int, height: int) -> bytes:
    """A GIF whose logical screen is width x height, holding one 1x1 frame."""
    return (
        b"GIF89a"
        + struct.pack("<HH", width, height)
        + b"\x00\x00\x00"  # no global colour table
        + b"\x2c"
        + struct.pack("<HHHH", 0, 0, 1, 1)
        + b"\x80\x00\x00\x00\xff\xff\xff"  # local colour table of 2 entries
        + b"\x02\x02\x44\x01\x00"
        + b"\x3b"
    )


def bmp_declaring(width: int, height: int) -> bytes:
    """A 24-bit BMP header declaring width x height, followed by a few bytes of pixels."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    pixels = b"\x00" * 64
    header = b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    return header + info + pixels


def webp_declaring(width: int, height: int) -> bytes:
    """A real lossless WebP whose VP8L header is rewritten to width x height (at most 16384)."""
    data = bytearray(encode(noise((8, 8)), "WEBP", lossless=True))
    assert data[12:16] == b"VP8L"
    assert data[20] == 0x2F
    bits = int.from_bytes(data[21:25], "little")
    bits = (bits & ~((1 << 28) - 1)) | (width - 1) | ((height - 1) << 14)
    data[21:25] = bits.to_bytes(4, "little")
    return bytes(data)


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real JPEG whose SOF0 frame header is rewritten to width x height."""
    data = bytearray(encode(noise((16, 16)), "JPEG", quality=80))
    start = data.index(b"\xff\xc0")
    data[start + 5 : start + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def jpeg_with_exif(orientation_entry: bytes, size: tuple[int, int] = (40, 20)) -> bytes:
    """A JPEG with a hand-made EXIF block holding one IFD0 entry (12 bytes, big-endian TIFF)."""
    tiff = (
        b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) + orientation_entry + b"\x00\x00\x00\x00"
    )
    exif = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    jpeg = encode(noise(size), "JPEG", quality=90)
    return jpeg[:2] + segment + jpeg[2:]


def jpeg_with_comment(text: bytes) -> bytes:
    jpeg = encode(noise(), "JPEG", quality=90)
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def animated_gif(frames: int) -> bytes:
    images = [Image.new("P", (32, 32), index % 200) for index in range(frames)]
    for image in images:
        image.putpalette([value for index in range(256) for value in (index, 255 - index, 0)])
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=20, loop=0)


def apng(frames: int) -> bytes:
    images = [Image.new("RGB", (24, 24), (index % 256, 0, 0)) for index in range(frames)]
    return encode(images[0], "PNG", save_all=True, append_images=images[1:], duration=10)


def palette_with_transparency() -> bytes:
    image = Image.new("P", (16, 16), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * (254 * 3))
    image.paste(1, (8, 0, 16, 16))
    return encode(image, "PNG", transparency=1)


def sixteen_bit_grey() -> bytes:
    return encode(Image.new("I;16", (40, 30), 40000), "PNG")


def truncate(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


def with_bad_crc(data: bytes) -> bytes:
    broken = bytearray(data)
    broken[29] ^= 0xFF  # the last byte of IHDR's CRC
    return bytes(broken)


@dataclass(frozen=True)
class Case:
    """An upload and what it must give: ``status`` 200 with ``size`` (width, height) of the decoded
    image, or a 4xx with the error ``code``."""

    make: Callable[[], bytes]
    status: int
    code: str | None = None
    size: tuple[int, int] | None = None
    layers: str | None = None
    content_type: str = "image/png"
    filename: str = "photo.png"
    words: str | None = None


CORPUS: dict[str, Case] = {
    # Decompression bombs: a small file declaring a huge image is refused from its header.
    "png 20000x20000 in 100 bytes": Case(lambda: png(20000, 20000, 1, 0), 413, "limit_exceeded"),
    "png 7000x7000 (49 Mpx, past the limit)": Case(lambda: png(7000, 7000, 8, 2), 413, "limit_exceeded"),
    "png 2^31-1 wide": Case(lambda: png(2**31 - 1, 1, 8, 0), 413, "limit_exceeded"),
    "png 6000x6000 16-bit RGB of zeros (36 Mpx, 210 kB)": Case(
        lambda: png(6000, 6000, 16, 2, zero_rows(6000, 6000, 6)), 200, size=(512, 512), layers=SOBEL_ONLY
    ),
    "png zTXt text bomb": Case(
        lambda: png(
            8,
            8,
            8,
            2,
            zero_rows(8, 8, 3),
            png_chunk(b"zTXt", b"c\x00\x00" + zlib.compress(b"A" * 50_000_000, 9)),
        ),
        422,
        "invalid_image",
        words="too large",
    ),
    "gif 65535x65535 screen": Case(lambda: gif_declaring(65535, 65535), 413, "limit_exceeded"),
    "webp 16384x16384": Case(
        lambda: webp_declaring(16384, 16384), 413, "limit_exceeded", content_type="image/webp"
    ),
    "bmp 30000x30000": Case(
        lambda: bmp_declaring(30000, 30000), 413, "limit_exceeded", content_type="image/bmp"
    ),
    "bmp negative height 1x-2^31": Case(lambda: bmp_declaring(1, -(2**31)), 413, "limit_exceeded"),
    "jpeg 60000x60000": Case(
        lambda: jpeg_declaring(60000, 60000), 413, "limit_exceeded", content_type="image/jpeg"
    ),
    "png 0x0": Case(lambda: png(0, 0), 422, "invalid_image"),
    # Truncations and corruption.
    "png cut after its signature": Case(lambda: b"\x89PNG\r\n\x1a\n", 422, "invalid_image"),
    "png cut inside IHDR": Case(
        lambda: truncate(encode(noise(), "PNG"), 0.004) or b"\x89PNG", 422, "invalid_image"
    ),
    "png cut at half": Case(
        lambda: truncate(encode(noise(), "PNG"), 0.5), 422, "invalid_image", words="truncated"
    ),
    "png with a bad IHDR checksum": Case(lambda: with_bad_crc(encode(noise(), "PNG")), 422, "invalid_image"),
    "jpeg cut at half": Case(
        lambda: truncate(encode(noise(), "JPEG"), 0.5), 422, "invalid_image", content_type="image/jpeg"
    ),
    "jpeg of only its markers": Case(lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", 422, "invalid_image"),
    "gif cut at half": Case(lambda: truncate(encode(noise((64, 64)), "GIF"), 0.5), 422, "invalid_image"),
    "animated gif cut in its last frame": Case(lambda: truncate(animated_gif(3), 0.9), 200, size=(32, 32)),
    "zero bytes": Case(lambda: b"", 422, "empty_file"),
    # Polyglots and lies: decoded by content, the extra bytes ignored and never echoed.
    "png with a zip appended": Case(
        lambda: encode(noise(), "PNG") + b"PK\x03\x04" + b"\x00" * 26 + b"evil.sh", 200, size=(48, 32)
    ),
    "png with html appended": Case(
        lambda: encode(noise(), "PNG") + b"<html><script>alert(1)</script></html>", 200, size=(48, 32)
    ),
    "jpeg with a script in its comment": Case(
        lambda: jpeg_with_comment(b"<script>alert(document.cookie)</script>"),
        200,
        size=(48, 32),
        content_type="text/html",
    ),
    "gif/javascript polyglot": Case(
        lambda: b"GIF89a/*\x00\x00\x00*/=alert(1);//" + b"\x3b", 422, "invalid_image", words="corrupt"
    ),
    "svg named .png": Case(
        lambda: (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
        ),
        415,
        "unsupported_image_format",
        words="SVG",
    ),
    "html named .png": Case(
        lambda: b"<!doctype html><script>alert(1)</script>", 415, "unsupported_image_format", words="text"
    ),
    "gif declared as jpeg": Case(lambda: animated_gif(1), 200, size=(32, 32), content_type="image/jpeg"),
    "bmp with a .exe name": Case(
        lambda: encode(noise(), "BMP"),
        200,
        size=(48, 32),
        filename="setup.exe",
        content_type="application/x-msdownload",
    ),
    "tiff named .png": Case(lambda: encode(noise(), "TIFF"), 415, "unsupported_image_format", words="TIFF"),
    "pdf named .png": Case(lambda: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", 415, "unsupported_image_format"),
    "zip named .png": Case(
        lambda: b"PK\x03\x04" + b"\x00" * 60, 415, "unsupported_image_format", words="ZIP"
    ),
    # Degenerate sizes: decoded, then the layers say what cannot run on them.
    "1x1 through the default stack": Case(lambda: encode(noise((1, 1)), "PNG"), 422, "invalid_layer"),
    "1x1 through one conv": Case(lambda: encode(noise((1, 1)), "PNG"), 200, size=(1, 1), layers=SOBEL_ONLY),
    "1x40000 tall": Case(
        lambda: png(1, 40_000, 8, 0, zero_rows(1, 40_000, 1)), 200, size=(1, 512), layers=SOBEL_ONLY
    ),
    "40000x1 wide through the default stack": Case(
        lambda: png(40_000, 1, 8, 0, zero_rows(40_000, 1, 1)), 422, "invalid_layer"
    ),
    # A side past 8 x sqrt(max_decoded_pixels) is refused from the header.
    "1x100000 tall": Case(lambda: png(1, 100_000, 8, 0, zero_rows(1, 100_000, 1)), 413, "limit_exceeded"),
    "40 Mpx in one row": Case(
        lambda: png(40_000_000, 1, 1, 0, zero_rows(40_000_000, 1, 1 / 8)), 413, "limit_exceeded"
    ),
    # Unusual modes and containers.
    "16-bit grey": Case(sixteen_bit_grey, 200, size=(40, 30)),
    "cmyk jpeg": Case(lambda: encode(noise(mode="CMYK"), "JPEG"), 200, size=(48, 32)),
    "palette with transparency": Case(palette_with_transparency, 200, size=(16, 16)),
    "animated gif of 400 frames": Case(lambda: animated_gif(400), 200, size=(32, 32)),
    "apng of 200 frames": Case(lambda: apng(200), 200, size=(24, 24)),
    "progressive jpeg": Case(lambda: encode(noise(), "JPEG", progressive=True), 200, size=(48, 32)),
    "mode 1 bmp": Case(lambda: encode(noise(mode="1"), "BMP"), 200, size=(48, 32)),
    "la png": Case(lambda: encode(noise(mode="LA"), "PNG"), 200, size=(48, 32)),
    # Malformed EXIF orientation: the image is kept as stored (orientation 1).
    "exif orientation 9": Case(
        lambda: jpeg_with_exif(struct.pack(">HHII", 0x0112, 3, 1, 9 << 16)), 200, size=(40, 20)
    ),
    "exif orientation as text": Case(
        lambda: jpeg_with_exif(struct.pack(">HHI", 0x0112, 2, 4) + b"six\x00"), 200, size=(40, 20)
    ),
    "exif orientation pointing past the end": Case(
        lambda: jpeg_with_exif(struct.pack(">HHII", 0x0112, 3, 1_000_000, 4096)), 200, size=(40, 20)
    ),
    "exif ifd offset past the end": Case(
        lambda: jpeg_with_exif(b"")[:30] + struct.pack(">I", 0x7FFFFFFF) + jpeg_with_exif(b"")[34:],
        200,
        size=(40, 20),
    ),
    "exif orientation 6 on a tiny image": Case(
        lambda: jpeg_with_exif(struct.pack(">HHII", 0x0112, 3, 1, 6 << 16), size=(3, 2)),
        200,
        size=(2, 3),
        layers=SOBEL_ONLY,
    ),
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()), raise_server_exceptions=False)


def post_within(client: TestClient, seconds: float, **request: Any) -> tuple[Any, float]:
    """POST /api/feature-maps in a thread; fail if no answer arrives within ``seconds``."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        start = time.perf_counter()
        future = pool.submit(client.post, "/api/feature-maps", **request)
        response = future.result(timeout=seconds)
        return response, time.perf_counter() - start


@pytest.mark.parametrize("name", list(CORPUS))
def test_hostile_upload_gets_a_result_or_a_clear_4xx(client: TestClient, name: str) -> None:
    case = CORPUS[name]
    data = case.make()
    form = {} if case.layers is None else {"layers": case.layers}
    response, seconds = post_within(
        client, SECONDS, files={"image": (case.filename, data, case.content_type)}, data=form
    )
    assert seconds < SECONDS
    assert response.headers["content-type"] == "application/json", response.text[:300]
    body = response.json()
    assert response.status_code == case.status, response.text[:500]
    if case.status == 200:
        assert (body["input"]["width"], body["input"]["height"]) == case.size
        assert body["layers"], "the layers ran"
        assert "<script" not in response.text  # nothing of the file but its pixels comes back
    else:
        error = body["error"]
        assert error["code"] == case.code, error
        assert error["field"] in ("image", "layers[1]", "layers[0]"), error
        if case.code == "invalid_layer":
            assert error["field"].startswith("layers[")
        assert len(error["message"]) > 20
        assert "Traceback" not in error["message"]
        if case.words is not None:
            assert case.words in error["message"]


def test_a_burst_of_uploads_is_computed_at_most_max_concurrent_uploads_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.routers.feature_maps as feature_maps

    running = peak = 0
    lock = threading.Lock()
    real = feature_maps.compute_feature_maps

    def slow(*args: Any, **kwargs: Any) -> Any:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.15)  # long enough for every request of the burst to arrive meanwhile
            return real(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(feature_maps, "compute_feature_maps", slow)
    app = create_app(Settings(max_concurrent_uploads=2))
    data = encode(noise(), "PNG")

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            files = {"image": ("a.png", data, "image/png")}
            return await asyncio.gather(*(client.post("/api/feature-maps", files=files) for _ in range(6)))

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 6
    assert peak == 2
