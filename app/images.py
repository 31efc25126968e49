"""Uploaded images in, float arrays out; feature maps in, PNG data URLs out. All Pillow use lives here.

Decoding, in order, with the reason for each step:

1. Read the upload in chunks and stop past ``max_upload_bytes``, so a huge file is refused
   without being held in memory.
2. Identify the format from the bytes only (``Image.open(..., formats=SUPPORTED)``); the file
   name and declared content type are ignored, since both are chosen by the client.
3. Check the declared width x height against ``max_decoded_pixels`` *before* decoding any pixel:
   a few hundred bytes of PNG can declare gigapixels (a decompression bomb).
4. Decode (the first frame of an animation), then apply the EXIF orientation.
5. Flatten every mode to 8-bit RGB/L or, for 16-bit and float data, to 32-bit float grey, with
   alpha composited on white, and downscale so the longest side is at most ``max_image_side``.
6. Return (channels, height, width) float64 values in [0, 1]: 3 channels, or 1 with ``grayscale``.
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from starlette.datastructures import UploadFile

from app.errors import ApiError, Limit
from app.settings import Settings

SUPPORTED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
SUPPORTED_TEXT = "PNG, JPEG, GIF (first frame), WebP and BMP"
CHUNK_BYTES = 1 << 20

# Formats we refuse, recognised by their first bytes so that the error can say what the file is.
_KNOWN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"qoif", "QOI"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"PK\x03\x04", "ZIP"),
)


class ImageError(ApiError):
    """A refused upload, about the field ``image``: ``status``, a stable ``code``, a ``message`` that
    says what to do, and the setting for the limits (413)."""

    def __init__(self, status: int, code: str, message: str, limit: Limit | None = None) -> None:
        super().__init__(status, code, message, "image", limit)


@dataclass(frozen=True)
class DecodedImage:
    """``pixels``: (C, H, W) float64 in [0, 1], C = 3 (RGB) or 1 (grey); ``preview``: the same
    pixels as an 8-bit Pillow image, for display. Sizes after EXIF orientation; ``original_*``
    before downscaling."""

    pixels: NDArray[np.float64]
    preview: Image.Image
    format: str
    mode: str
    original_width: int
    original_height: int
    orientation: int

    @property
    def width(self) -> int:
        return self.preview.width

    @property
    def height(self) -> int:
        return self.preview.height


async def read_upload(upload: UploadFile, max_bytes: int) -> bytes:
    """Read ``upload`` chunk by chunk; refuse it (413) as soon as it passes ``max_bytes``."""
    too_large = ImageError(
        413,
        "limit_exceeded",
        f"the file in `image` is larger than max_upload_bytes = {max_bytes:,} bytes; send a smaller image",
        ("max_upload_bytes", max_bytes),
    )
    if upload.size is not None and upload.size > max_bytes:
        raise too_large
    buffer = bytearray()
    while chunk := await upload.read(CHUNK_BYTES):
        buffer += chunk
        if len(buffer) > max_bytes:
            raise too_large
    if not buffer:
        raise ImageError(
            422, "empty_file", "the file in `image` is empty (0 bytes); choose an image file to upload"
        )
    return bytes(buffer)


def _describe_unknown(data: bytes) -> str:
    """A short guess at what an unidentified file is, from its first bytes."""
    head = data[:64]
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace").strip()
        return "an HEIF/AVIF or MP4 file" if brand else "an ISO media file"
    if head.startswith(b"RIFF") and head[8:12] != b"WEBP":
        return "a RIFF file that is not WebP"
    for signature, name in _KNOWN_SIGNATURES:
        if head.startswith(signature):
            return f"a {name} file"
    sample = data[:1024]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        return "not an image in a format we could recognise"
    stripped = text.lstrip("\ufeff \t\r\n").lower()
    if "<svg" in stripped[:1024]:
        return "an SVG drawing (vector images are not supported; export it as PNG)"
    if "\x00" not in text:
        return "text, not an image"
    return "not an image in a format we could recognise"


def jpeg_scans(data: bytes) -> int:
    """Scan headers (SOS markers) in a JPEG, by walking its marker segments: bytes only, no decoding.

    Each segment is ``FF xx`` and a 2-byte length; after a scan header the entropy-coded data runs
    to the next marker that is not a stuffed ``FF 00`` or a restart ``FF D0``..``FF D7``. Stops at
    EOI or where the file is cut (the decoder then says what is wrong).
    """
    scans, position, size = 0, 2, len(data)
    while position + 4 <= size:
        if data[position] != 0xFF:
            return scans  # not a marker where one must be: corrupt, left to the decoder
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:
            return scans
        if 0xD0 <= marker <= 0xD8 or marker == 0x01:  # standalone markers
            position += 2
            continue
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if marker != 0xDA:
            continue
        scans += 1
        while True:  # entropy-coded data: find the next real marker
            position = data.find(b"\xff", position)
            if position < 0 or position + 1 >= size:
                return scans
            following = data[position + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                position += 2
            elif following == 0xFF:
                position += 1
            else:
                break
    return scans


def _check_scans(data: bytes, settings: Settings) -> None:
    """A JPEG may have at most ``max_jpeg_scans`` scans: each one is decoded over the whole image,
    so a file repeating a cheap scan thousands of times costs minutes of CPU."""
    if not data.startswith(b"\xff\xd8"):
        return
    scans, limit = jpeg_scans(data), settings.max_jpeg_scans
    if scans > limit:
        raise ImageError(
            422,
            "too_many_scans",
            f"the JPEG has {scans:,} scans, more than max_jpeg_scans = {limit:,} "
            "(a progressive JPEG has about 10); re-encode it",
            ("max_jpeg_scans", limit),
        )


def _open(data: bytes, settings: Settings) -> Image.Image:
    """Identify the format and read the header only; refuse unsupported formats and bombs."""
    limit = settings.max_decoded_pixels
    _check_scans(data, settings)
    try:
        image = Image.open(io.BytesIO(data), formats=SUPPORTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            413,
            "limit_exceeded",
            f"the image declares more pixels than max_decoded_pixels = {limit:,}; send a smaller image",
            ("max_decoded_pixels", limit),
        ) from None
    except UnidentifiedImageError:
        what = _describe_unknown(data)
        if what.startswith(("a PNG", "a JPEG", "a GIF", "a BMP")):
            message = f"the file in `image` looks like {what} but its header is corrupt"
            raise ImageError(422, "invalid_image", message) from None
        raise ImageError(
            415,
            "unsupported_image_format",
            f"the file in `image` is {what}; supported formats are {SUPPORTED_TEXT}, detected by content",
        ) from None
    except Exception as error:  # plugins raise ValueError, EOFError, ... on malformed headers
        raise ImageError(
            422, "invalid_image", f"the file in `image` could not be read as an image: {error}"
        ) from None
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError(422, "invalid_image", f"the image has no pixels ({width}x{height})")
    longest = max_side_read(settings)
    if max(width, height) > longest:
        raise ImageError(
            413,
            "limit_exceeded",
            f"the image is {width}x{height}: a side longer than 8 x sqrt(max_decoded_pixels) = "
            f"{longest:,} pixels; send an image less elongated",
            ("max_decoded_pixels", limit),
        )
    if width * height > limit:
        raise ImageError(
            413,
            "limit_exceeded",
            f"the image is {width}x{height} = {width * height:,} pixels, more than "
            f"max_decoded_pixels = {limit:,}; send a smaller image",
            ("max_decoded_pixels", limit),
        )
    return image


def max_side_read(settings: Settings) -> int:
    """The longest side an image may declare: 8 x sqrt(max_decoded_pixels) (50,596 by default).

    A strip of one row is cheap to send (a 78 kB PNG can declare 1x40,000,000) but costs as much
    to decode as a square of the same pixels; real pictures are far from 1:1000.
    """
    return int(8 * settings.max_decoded_pixels**0.5)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # unreadable EXIF: keep the stored orientation
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _scaled_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    longest = max(width, height)
    if longest <= max_side:
        return width, height
    ratio = max_side / longest
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _as_float_grey(image: Image.Image) -> Image.Image:
    """High-precision grey modes -> mode F in [0, 1]. 16-bit is divided by 65535, not clipped.

    Mode I (32-bit) holding 0..65535 is 16-bit data widened by a decoder; any other I or F range
    is stretched min..max, since it has no natural white.
    """
    values = np.asarray(image, dtype=np.float64)
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if image.mode.startswith("I;16") or (image.mode == "I" and low >= 0 and high <= 65535):
        values = values / 65535.0
    elif not (image.mode == "F" and low >= 0 and high <= 1):
        values = (values - low) / (high - low) if high > low else np.zeros_like(values)
    return Image.fromarray(values.astype(np.float32))


def flatten(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> "RGB" or "L" (8-bit) or "F" (float grey in [0, 1]); alpha on white."""
    mode = image.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _as_float_grey(image)
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        return Image.composite(rgba.convert("RGB"), white, rgba.getchannel("A"))
    if mode in ("L", "RGB"):
        return image
    if mode == "1":
        return image.convert("L")
    return image.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV


def to_array(image: Image.Image, grayscale: bool) -> tuple[NDArray[np.float64], Image.Image]:
    """A flattened image -> ((C, H, W) float64 in [0, 1], 8-bit preview of the same pixels)."""
    if image.mode == "F":
        grey = np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0)
        preview = Image.fromarray(np.rint(grey * 255).astype(np.uint8))
        channels = 1 if grayscale else 3
        return np.repeat(grey[None], channels, axis=0), preview
    target = "L" if grayscale else "RGB"
    converted = image.convert(target) if image.mode != target else image
    values = np.asarray(converted, dtype=np.float64) / 255.0
    pixels = values[None] if values.ndim == 2 else np.moveaxis(values, -1, 0)
    return np.ascontiguousarray(pixels), converted


@dataclass(frozen=True)
class OpenedImage:
    """An image whose header has been read and checked, no pixel decoded yet.

    ``size`` is (height, width) of the pixels :func:`decode_opened` will return: turned upright
    by the EXIF orientation and reduced to ``max_image_side``.
    """

    image: Image.Image
    size: tuple[int, int]


def open_image(data: bytes, settings: Settings) -> OpenedImage:
    """Read and check the header of an upload (format, bombs, sides); raises :class:`ImageError`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data, settings)
        width, height = image.size
        if _orientation(image) in (5, 6, 7, 8):
            width, height = height, width
    scaled = _scaled_size(width, height, settings.max_image_side)
    return OpenedImage(image, (scaled[1], scaled[0]))


def decode_image(data: bytes, settings: Settings, *, grayscale: bool = False) -> DecodedImage:
    """Bytes of a PNG/JPEG/GIF/WebP/BMP file -> :class:`DecodedImage`; raises :class:`ImageError`."""
    return decode_opened(open_image(data, settings), settings, grayscale=grayscale)


def decode_opened(opened: OpenedImage, settings: Settings, *, grayscale: bool = False) -> DecodedImage:
    """Decode an image whose header :func:`open_image` checked."""
    with warnings.catch_warnings():
        # Pillow reports oddities (bad EXIF, unusual chunks) as warnings; the decoded pixels are what
        # counts, so they are silenced, except the bomb warning, which becomes an error to refuse.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = opened.image
        source_format = image.format or "unknown"
        source_mode = image.mode
        original_width, original_height = image.size
        orientation = _orientation(image)
        target = _scaled_size(original_width, original_height, settings.max_image_side)
        if target != image.size:
            image.draft(None, target)  # JPEG only: let the decoder scale by 1/2, 1/4 or 1/8 for free
        try:
            image.load()
        except Exception as error:  # truncated data, broken compressed streams, bad palettes
            raise ImageError(
                422,
                "invalid_image",
                f"the {source_format} file in `image` is truncated or corrupt ({error}); "
                "upload the complete file again",
            ) from None
        try:
            image = ImageOps.exif_transpose(image)
        except Exception:  # malformed EXIF: keep the stored orientation
            orientation = 1
        if orientation in (5, 6, 7, 8):
            original_width, original_height = original_height, original_width
        flat = flatten(image)
        size = _scaled_size(flat.width, flat.height, settings.max_image_side)
        if size != flat.size:
            flat = flat.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        pixels, preview = to_array(flat, grayscale)
    return DecodedImage(
        pixels, preview, source_format, source_mode, original_width, original_height, orientation
    )


def png_data_url(image: Image.Image) -> str:
    """Encode an 8-bit image as ``data:image/png;base64,...``."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def map_png(plane: NDArray[Any], low: float, high: float) -> str:
    """One (H, W) feature map drawn over its own low..high as 0..255 grey; a flat map is black."""
    if high > low:
        scaled = np.rint((plane - low) * (255.0 / (high - low)))
        grey = np.clip(scaled, 0, 255).astype(np.uint8)
    else:
        grey = np.zeros(plane.shape, dtype=np.uint8)
    return png_data_url(Image.fromarray(grey))
