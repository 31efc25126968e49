"""The app's pure ASGI middleware: security headers, CORS for the API, and the request-body guard.

Security headers. Every response (pages, API JSON, errors, static files, /docs, /openapi.json,
404s) carries:

- ``X-Content-Type-Options: nosniff``: a browser never guesses a type, so an uploaded-looking or
  static file is never run as a script or rendered as HTML against its declared type.
- ``Referrer-Policy: strict-origin-when-cross-origin``: links and requests within the site send
  the full URL (a page's URL holds only its settings); another site is told the origin only, and
  an HTTPS page sends nothing to plain HTTP. Embeds live on other sites, and their URLs may be
  specific to a course, so no more than the origin leaves.
- ``Content-Security-Policy``: scripts, styles, images and connections from this origin only, no
  inline script, no plugins. Site pages may be framed by this site only (``frame-ancestors
  'self'`` and ``X-Frame-Options: SAMEORIGIN`` for older browsers); ``/embed/*`` by the origins
  of the setting ``embed_frame_ancestors`` (default ``*``, anyone). A page sets its own policy
  (app/routers/pages.py); this middleware only adds the headers a response does not have yet.

CORS is off unless ``cors_origins`` is set: then ``/api/*`` answers cross-origin GET and POST
(and their preflights) from those origins, without credentials.

Body guard: each request body is read before the app does, and bad ones are refused.

- Size: a JSON body may have ``max_body_bytes``, a multipart upload ``max_upload_bytes``. A
  declared Content-Length over the limit is refused at once; otherwise bytes are counted as they
  arrive (chunked uploads have no Content-Length) and the request is refused with 413 as soon as
  the count passes the limit, without reading the rest.
- JSON safety, before any parser runs: nesting deeper than ``max_json_depth`` (a deep body would
  make a recursive parser work hard or fail) and the literals NaN / Infinity, which Python's json
  module accepts but JSON does not. Both checks scan the raw bytes with regular expressions, in C.
- One Content-Type: a request with two or more is refused (400); with one, JSON or multipart is
  decided by FastAPI's own rule (no type, or a ``json``/``*+json`` subtype, is JSON).

The body is then handed to the app unchanged.
"""

from __future__ import annotations

import email.message
import re
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ApiError, error_content
from app.settings import Settings

REFERRER_POLICY = "strict-origin-when-cross-origin"
EMBED_PREFIX = "/embed/"
API_PREFIX = "/api/"


def content_security_policy(frame_ancestors: str) -> str:
    """The policy of every page; ``frame_ancestors`` says who may put the page in a frame."""
    # No inline script and no third-party origin: every script is a module under /static.
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


SITE_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", REFERRER_POLICY),
    ("Content-Security-Policy", content_security_policy("'self'")),
    ("X-Frame-Options", "SAMEORIGIN"),
)


class SecurityHeaders:
    """Pure ASGI middleware adding the headers above to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp, embed_frame_ancestors: str) -> None:
        self.app = app
        self.embed_headers = (
            *SITE_HEADERS[:2],
            ("Content-Security-Policy", content_security_policy(embed_frame_ancestors)),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.embed_headers if scope["path"].startswith(EMBED_PREFIX) else SITE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    if name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ApiCors:
    """Starlette's CORSMiddleware for ``/api/*`` only; pages and static files stay same-origin."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=("GET", "POST"),
            allow_headers=("Content-Type",),
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


# The body guard

# A JSON string, escapes included; replaced by "" so brackets and words inside strings are ignored.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")
_NON_FINITE = re.compile(rb"NaN|Infinity")


def check_json(body: bytes, max_depth: int) -> None:
    """Raise ApiError (400) if ``body`` nests deeper than ``max_depth`` or contains NaN/Infinity.

    Depth: with strings blanked and everything but brackets removed, each pass deletes the
    innermost "[]" and "{}" pairs; a body still holding brackets after ``max_depth`` passes is
    deeper than that. Brackets that never pair up are left for the parser to report.
    """
    bare = _STRING.sub(b'""', body)
    match = _NON_FINITE.search(bare)
    if match:
        word = match.group(0).decode()
        raise ApiError(
            400,
            "non_finite_number",
            f"the body contains {word}, which is not a JSON number: every value must be a finite number",
        )
    brackets = bare.translate(None, _NOT_BRACKET)
    depth = 0
    while brackets:
        reduced = _INNERMOST.sub(b"", brackets)
        if reduced == brackets:
            return  # unbalanced: not JSON at all, and the parser says where
        depth += 1
        if depth > max_depth:
            raise ApiError(
                400,
                "json_too_deep",
                f"the JSON body is nested more than {max_depth} levels deep, "
                f"beyond the limit max_json_depth = {max_depth}",
                limit=("max_json_depth", max_depth),
            )
        brackets = reduced


def _content_type(content_type: str) -> email.message.Message:
    """The header parsed as FastAPI parses it (``email.message``), so both read the same type."""
    message = email.message.Message()
    message["content-type"] = content_type
    return message


def _is_json(content_type: str) -> bool:
    """Whether FastAPI will parse the body as JSON: no content type, or a subtype ``json`` or
    ``*+json`` (``fastapi.routing``'s rule, whatever the main type)."""
    if not content_type:
        return True
    subtype = _content_type(content_type).get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


def _is_multipart(content_type: str) -> bool:
    return bool(content_type) and _content_type(content_type).get_content_maintype() == "multipart"


class BodyGuard:
    """ASGI middleware: bounded body reading and JSON safety checks (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        types = [value for key, value in scope["headers"] if key.lower() == b"content-type"]
        if len(types) > 1:
            # Starlette and FastAPI read the first; a check reading another would be bypassed.
            message = f"the request has {len(types)} Content-Type headers; send exactly one"
            content = error_content("bad_request", message, "content-type")
            await JSONResponse(content, status_code=400)(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        content_type = types[0].decode("latin-1") if types else ""
        json_body = _is_json(content_type)
        multipart = not json_body and _is_multipart(content_type)
        name = "max_upload_bytes" if multipart else "max_body_bytes"
        limit = getattr(self.settings, name)
        try:
            body = await self._read(receive, headers.get("content-length"), limit, name)
            if body and json_body:
                check_json(body, self.settings.max_json_depth)
        except ApiError as error:
            content = error_content(error.code, error.message, error.field, error.limit)
            await JSONResponse(content, status_code=error.status)(scope, receive, send)
            return
        await self.app(scope, replay_body(body, receive), send)

    @staticmethod
    async def _read(receive: Receive, declared: str | None, limit: int, name: str) -> bytes:
        what = "the request body" if name == "max_body_bytes" else "the upload"

        def too_large(amount: str) -> ApiError:
            message = f"{what} ({amount}) is larger than the limit {name} = {limit:,} bytes"
            return ApiError(413, "limit_exceeded", message, limit=(name, limit))

        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise too_large(f"{int(declared):,} bytes declared")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the app will see the same on its next receive
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large(f"at least {size:,} bytes sent")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the buffered body once, then defers to the real one (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        message: Any = await receive()
        return message  # type: ignore[no-any-return]

    return replay
