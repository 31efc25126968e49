"""Every limit and switch of the web app, in one place, overridable by CONVSCOPE_* variables."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, fields

from app.security import origin_list


@dataclass(frozen=True)
class Settings:
    """Limits keep one request from monopolising a worker; each is named in the error it causes.

    - ``max_body_bytes``: size of a JSON request body.
    - ``max_upload_bytes``: size of a multipart (image upload) request body.
    - ``max_decoded_pixels``, ``max_image_side``: decoded image size, and the side it is shrunk to.
    - ``max_tensor_elements``: values in any one tensor of a request or a result.
    - ``max_work``: multiply-adds (or window reads) of one operation, estimated from shapes.
    - ``max_abs_value``: the largest magnitude a tensor value may have, so results stay finite.
    - ``max_frames``: frames in one stream.
    - ``max_stream_work``: multiply-adds (or window reads) shown by the frames of one stream; every
      one travels with its operands, so this bounds the size of a stream (about 100 bytes each).
    - ``max_layers``: layers of a feature-map stack (each one is computed on a whole image).
    - ``max_receptive_layers``: layers of a receptive-field stack (shape arithmetic only, so VGG-16's
      18 conv and pool layers fit).
    - ``max_receptive_input``: side of the input of a receptive-field stack.
    - ``max_architecture_input``: side of the input an architecture table is walked from.
    - ``max_json_depth``: nesting of a JSON body (a 4-D tensor in a body is 5 deep).
    - ``workers``: server processes (the production command, ``python -m app.production``).
    - ``max_concurrent_uploads``: feature-map uploads computed at once per worker; the rest wait
      without holding a thread (one 36-megapixel decode needs about 700 MB for a moment).
    - ``embed_frame_ancestors``: who may frame ``/embed/*`` pages: ``*`` (anyone) or a
      space-separated allow-list of origins (``https://lms.example.edu``, ``'self'``).
    - ``cors_origins``: origins allowed to call ``/api/*`` from their pages (space-separated, or
      ``*``); empty, the default, leaves CORS off.
    """

    max_body_bytes: int = 2_000_000
    max_upload_bytes: int = 10_000_000
    max_decoded_pixels: int = 40_000_000
    max_image_side: int = 512
    max_tensor_elements: int = 1_000_000
    max_work: int = 200_000_000
    max_abs_value: float = 1e12
    max_frames: int = 20_000
    max_stream_work: int = 1_000_000
    max_layers: int = 8
    max_receptive_layers: int = 32
    max_receptive_input: int = 512
    max_architecture_input: int = 1024
    max_json_depth: int = 8
    workers: int = 1
    max_concurrent_uploads: int = 2
    embed_frame_ancestors: str = "*"
    cors_origins: str = ""

    def __post_init__(self) -> None:
        # Both go into response headers: refuse anything that is not an origin list.
        origin_list(self.embed_frame_ancestors, "CONVSCOPE_EMBED_FRAME_ANCESTORS", allow_keywords=True)
        origin_list(self.cors_origins, "CONVSCOPE_CORS_ORIGINS", allow_keywords=False)


def _parse(name: str, raw: str, kind: type) -> int | float:
    variable = f"CONVSCOPE_{name.upper()}"
    try:
        value = int(raw) if kind is int else float(raw)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise ValueError(f"{variable}={raw!r} must be {what}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{variable}={raw!r} must be greater than 0")
    return value


def load_settings() -> Settings:
    """Read CONVSCOPE_<FIELD> environment variables over the defaults."""
    values: dict[str, int | float | str] = {}
    for field in fields(Settings):
        raw = os.environ.get(f"CONVSCOPE_{field.name.upper()}")
        if raw is not None:
            kind = type(getattr(Settings, field.name))
            values[field.name] = raw if kind is str else _parse(field.name, raw, kind)
    return Settings(**values)  # type: ignore[arg-type]
