"""Every limit and switch of the web app, in one place, overridable by CONVSCOPE_* variables."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CONVSCOPE_"

# An origin as CSP and CORS both accept it: scheme, host (a leading "*." for CSP subdomains), port.
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$")
_CSP_KEYWORDS = ("'self'", "'none'")
# A Host header's host part as allowed_hosts lists it: a name (a leading "*." for subdomains), an
# IPv4 address, or an IPv6 address in brackets; no port (any port is allowed).
_HOST_PATTERN = re.compile(
    r"^((\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])$"
)


def variable(field: str) -> str:
    """The environment variable of a setting: max_frames -> CONVSCOPE_MAX_FRAMES."""
    return f"{ENV_PREFIX}{field.upper()}"


def origin_list(raw: str, variable: str, *, allow_keywords: bool) -> tuple[str, ...]:
    """A space-separated list of origins (or ``*`` alone) -> tuple; ValueError naming ``variable``.

    Anything else is refused, because the value is written into a response header: a ``;`` or a
    newline there would add directives or headers of the sender's choosing.
    """
    items = tuple(raw.split())
    if items == ("*",):
        return items
    for item in items:
        if item == "*":
            raise ValueError(f"{variable}: '*' allows every origin and must be the only entry")
        if allow_keywords and item in _CSP_KEYWORDS:
            continue
        if not _ORIGIN.match(item):
            raise ValueError(
                f"{variable}: {item!r} is not an origin such as https://lms.example.edu "
                "(scheme and host, an optional port, no path)"
            )
    if allow_keywords and not items:
        raise ValueError(f"{variable} must name at least one origin, or '*' or \"'none'\"")
    return items


def host_list(raw: str, variable: str) -> tuple[str, ...]:
    """A space- or comma-separated list of host patterns (or ``*`` alone) -> lower-case tuple.

    As Starlette's TrustedHostMiddleware takes them: ``convscope.example.edu``, ``*.example.edu``
    (the domain's subdomains, not the domain itself), ``127.0.0.1``, ``[::1]``; no port.
    """
    items = tuple(raw.lower().replace(",", " ").split())
    if items == ("*",):
        return items
    if not items:
        raise ValueError(f"{variable} must name at least one host, or be '*' for any")
    for item in items:
        if item == "*":
            raise ValueError(f"{variable}: '*' allows every host and must be the only entry")
        if not _HOST_PATTERN.match(item):
            raise ValueError(
                f"{variable}: {item!r} is not a host such as convscope.example.edu or *.example.edu "
                "(a name or an address, no scheme, port or path)"
            )
    return items


class Settings(BaseSettings):
    """Limits keep one request from monopolising a worker; each is named in the error it causes.

    - ``max_body_bytes``: size of a JSON request body.
    - ``max_upload_bytes``: size of a multipart (image upload) request body.
    - ``max_decoded_pixels``, ``max_image_side``: decoded image size, and the side it is shrunk to.
    - ``max_tensor_elements``: values in any one tensor of a request or a result.
    - ``max_work``: multiply-adds (or window reads) of one operation, estimated from shapes.
    - ``max_memory_elements``: array elements one operation allocates (padded planes, im2col blocks,
      outputs), estimated by the engine's plan from shapes; checked before any work.
    - ``max_response_bytes``: size of one answer (echoed inputs, outputs, frames), estimated from
      shapes before any work; a tensor generated from a small spec is echoed in full.
    - ``max_jpeg_scans``: scans (SOS markers) in an uploaded JPEG, counted from the bytes before
      decoding; each is decoded over the whole image (real progressive files have about 10).
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
    - ``allowed_hosts``: the Host headers answered (space-separated: ``convscope.example.edu``,
      ``*.example.edu``, ``127.0.0.1``); ``*``, the default, answers any. Others get 400.

    The production server (``python -m app.production``, ``app/server.py``) also reads, in seconds:

    - ``request_header_timeout``: from a connection's opening (or a request's first byte) to the
      end of its headers; past it the connection is closed, with a 408 if anything was sent.
    - ``request_body_timeout``: how long a request body may go without advancing by at least
      1 KiB (or ending); past it, 408 and the connection is closed.
    - ``send_timeout``: how long a client may leave the server's answer unread (no byte of it
      taken off the connection); past it the connection is dropped and what it held is freed.

    ``Settings()`` reads the CONVSCOPE_<FIELD> variables over these defaults; keyword arguments
    win over both. Every number must be finite and greater than 0.
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True)

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
    max_memory_elements: int = 50_000_000
    max_response_bytes: int = 40_000_000
    max_jpeg_scans: int = 100
    allowed_hosts: str = "*"
    request_header_timeout: float = 10.0
    request_body_timeout: float = 20.0
    send_timeout: float = 20.0

    @field_validator("*", mode="before")
    @classmethod
    def _positive_number(cls, value: Any, info: ValidationInfo) -> Any:
        """Numbers: a variable's text read as Python reads it (int() or float()), then > 0."""
        assert info.field_name is not None
        kind = cls.model_fields[info.field_name].annotation
        if kind not in (int, float):
            return value
        name = variable(info.field_name)
        number = value
        if isinstance(value, str):
            try:
                number = int(value) if kind is int else float(value)
            except ValueError:
                what = "an integer" if kind is int else "a number"
                raise ValueError(f"{name}={value!r} must be {what}") from None
        if not math.isfinite(number) or number <= 0:
            raise ValueError(f"{name}={value!r} must be greater than 0")
        return number

    # Both go into response headers: refuse anything that is not an origin list.
    @field_validator("embed_frame_ancestors")
    @classmethod
    def _embed_origins(cls, value: str) -> str:
        origin_list(value, variable("embed_frame_ancestors"), allow_keywords=True)
        return value

    @field_validator("cors_origins")
    @classmethod
    def _cors_origins(cls, value: str) -> str:
        origin_list(value, variable("cors_origins"), allow_keywords=False)
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _allowed_hosts(cls, value: str) -> str:
        host_list(value, variable("allowed_hosts"))
        return value


def load_settings() -> Settings:
    """The settings of the environment; a bad variable is a ValueError naming it (every one, joined)."""
    try:
        return Settings()
    except ValidationError as error:
        problems = [
            str(item["ctx"]["error"])
            if item["type"] == "value_error"
            else f"{variable(str(item['loc'][0]))}: {item['msg']}"
            for item in error.errors(include_url=False)
        ]
        raise ValueError("; ".join(problems)) from None


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with (``create_app(settings)``), as a route parameter."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
