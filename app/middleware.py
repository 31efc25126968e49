"""The app's pure ASGI middleware: security headers, CORS, hosts, redirects, HEAD, the body guard.

Security headers. Every response (pages, API JSON, errors and 500s, static files, /docs,
/openapi.json, 404s) carries:

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
- ``Permissions-Policy``: camera, microphone, geolocation, sensors, payment, USB and the other
  powerful features are denied to the page and to anything it frames; no page uses any of them.
  (Copying a link to the clipboard keeps its default, this origin.)

CORS is off unless ``cors_origins`` is set: then ``/api/*`` answers cross-origin GET and POST
(and their preflights) from those origins, without credentials. Both run outside Starlette's
error handling (``around_error_handling``), so a 500 carries the headers and CORS too.

Hosts: with ``allowed_hosts`` set, a request whose Host header names another host gets 400
(``invalid_host``). Redirects: every ``Location`` is sent as a path (Starlette's trailing-slash
redirect builds an absolute URL from the Host header), so a forged Host is never reflected into
a redirect. HEAD is answered as GET without the body, on every GET route.

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
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ApiError, error_content
from app.settings import Settings, host_list

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


# Every feature a page could ask the browser for, denied: the pages use none of them.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)

# On every response, site pages and embeds alike.
COMMON_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", REFERRER_POLICY),
    ("Permissions-Policy", PERMISSIONS_POLICY),
)
SITE_HEADERS: tuple[tuple[str, str], ...] = (
    *COMMON_HEADERS,
    ("Content-Security-Policy", content_security_policy("'self'")),
    ("X-Frame-Options", "SAMEORIGIN"),
)


class SecurityHeaders:
    """Pure ASGI middleware adding the headers above to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp, embed_frame_ancestors: str) -> None:
        self.app = app
        self.embed_headers = (
            *COMMON_HEADERS,
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


def around_error_handling(app: Starlette, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
    """Put ``wrap`` around the whole middleware stack of ``app``, Starlette's error handling included.

    Middleware added with ``add_middleware`` runs inside ServerErrorMiddleware, so the 500 that
    it sends never passes through it. Headers that every response must carry (security headers,
    CORS) are therefore added by middleware wrapped around the built stack instead.
    """
    build = app.build_middleware_stack

    def build_wrapped() -> ASGIApp:
        return wrap(build())

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]


def host_of(host_header: str) -> str:
    """The host of a Host header, lower case: 'Example.edu:8000' -> 'example.edu', '[::1]:80' -> '[::1]'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() else host


class AllowedHosts:
    """400 JSON for a request whose Host header is not one of ``allowed_hosts`` (``*``: any)."""

    def __init__(self, app: ASGIApp, allowed_hosts: str) -> None:
        self.app = app
        self.patterns = host_list(allowed_hosts, "allowed_hosts")
        self.allow_any = self.patterns == ("*",)

    def allows(self, host_header: str | None) -> bool:
        if self.allow_any:
            return True
        if not host_header:
            return False
        host = host_of(host_header)
        return any(
            host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
            for pattern in self.patterns
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        shown = repr(host[:100]) if host else "missing"
        message = f"the Host header ({shown}) is not a host this server answers to (setting allowed_hosts)"
        await JSONResponse(error_content("invalid_host", message), status_code=400)(scope, receive, send)


def relative_location(location: str) -> str:
    """A redirect target as a path on this site: 'http://any.host/conv?x=1' -> '/conv?x=1'.

    The app redirects within the site only, and an absolute URL in its redirects is built from
    the request's Host header, so scheme and host are dropped. The path never starts with two
    slashes (or a slash and a backslash), which a browser would read as another host.
    """
    parts = urlsplit(location)
    if not (parts.scheme or parts.netloc or location.startswith(("//", "/\\", "\\"))):
        return location
    path = "/" + parts.path.lstrip("/\\")
    query = f"?{parts.query}" if parts.query else ""
    return path + query + (f"#{parts.fragment}" if parts.fragment else "")


class RelativeRedirects:
    """Every redirect is sent with a relative ``Location`` (a path on this site)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = MutableHeaders(scope=message)
                location = headers.get("location")
                if location is not None:
                    headers["location"] = relative_location(location)
            await send(message)

        await self.app(scope, receive, send_relative)


class HeadAsGet:
    """A HEAD request is routed as GET and answered with the GET headers and no body.

    FastAPI routes declared with GET answer HEAD with 405; HEAD is how monitors and link checkers
    ask whether a URL is there. Content-Length stays the GET body's, as HTTP says it should.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


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
