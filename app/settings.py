"""Every limit and switch of the web app, in one place, overridable by CONVSCOPE_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Settings:
    """Limits keep one request from monopolising a worker; each is named in the error it causes."""

    max_body_bytes: int = 2_000_000
    max_upload_bytes: int = 10_000_000
    max_decoded_pixels: int = 40_000_000
    max_image_side: int = 512
    max_tensor_elements: int = 1_000_000
    max_frames: int = 20_000
    max_layers: int = 8
    max_json_depth: int = 8
    workers: int = 1


def load_settings() -> Settings:
    """Read CONVSCOPE_<FIELD> environment variables over the defaults."""
    values: dict[str, int] = {}
    for field in fields(Settings):
        raw = os.environ.get(f"CONVSCOPE_{field.name.upper()}")
        if raw is not None:
            try:
                values[field.name] = int(raw)
            except ValueError:
                raise ValueError(f"CONVSCOPE_{field.name.upper()}={raw!r} must be an integer") from None
    return Settings(**values)
