"""Security headers on every response, and CORS for the API when it is configured.

Every response (pages, API JSON, errors, static files, /docs, /openapi.json, 404s) carries:

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
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REFERRER_POLICY = "strict-origin-when-cross-origin"
EMBED_PREFIX = "/embed/"
API_PREFIX = "/api/"

# An origin as CSP and CORS both accept it: scheme, host (a leading "*." for CSP subdomains), port.
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$")
_CSP_KEYWORDS = ("'self'", "'none'")


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
