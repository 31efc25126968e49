"""HTML pages: the site (with chrome) and /embed/* (bare, for iframes), in English or Chinese.

Language: ?lang=en|zh wins and is remembered in a cookie; then the cookie; then Accept-Language.
Framing and the other security headers come from app.middleware.SecurityHeaders: site pages may be
framed by this site only, embeds by the configured origins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "static"
I18N_DIR = STATIC_DIR / "i18n"
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "convscope_lang"

templates = Jinja2Templates(directory=str(ROOT / "templates"))
router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Scene:
    """One page of the curriculum. ``slug`` is its path; its strings live under ``scene.<slug>.*``."""

    slug: str
    template: str
    script: str


# The order is the nav's order and the home page's order. A new scene adds a line here, a template
# in templates/scenes/ and a module in static/js/scenes/ (see docs/pages.md).
SCENES: tuple[Scene, ...] = (
    Scene("conv", "scenes/conv.html", "scenes/conv/main.js"),
    Scene("pool", "scenes/pool.html", "scenes/pool/main.js"),
    Scene("backward", "scenes/backward.html", "scenes/backward/main.js"),
    Scene("transposed", "scenes/transposed.html", "scenes/transposed/main.js"),
    Scene("receptive-field", "scenes/receptive.html", "scenes/receptive/main.js"),
    Scene("batch-norm", "scenes/batch_norm.html", "scenes/batch_norm/main.js"),
    Scene("one-by-one", "scenes/one_by_one.html", "scenes/one_by_one/main.js"),
    Scene("feature-maps", "scenes/feature_maps.html", "scenes/feature_maps/main.js"),
    Scene("architectures", "scenes/architectures.html", "scenes/architectures/main.js"),
    Scene("network", "scenes/network.html", "scenes/network/main.js"),
)
SCENES_BY_SLUG = {scene.slug: scene for scene in SCENES}


@cache
def strings(lang: str) -> dict[str, str]:
    """The whole string table of one language (static/i18n/<lang>.json), shared with the page's JS."""
    with (I18N_DIR / f"{lang}.json").open(encoding="utf-8") as handle:
        table: dict[str, str] = json.load(handle)
    return table


def parse_accept_language(header: str) -> str | None:
    """The supported language the browser prefers most, or None. 'zh-CN;q=0.8, en;q=0.5' -> 'zh'."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and quality > 0:
            candidate = (-quality, position, primary)
            if best is None or candidate < best:
                best = candidate
    return None if best is None else best[2]


def negotiate_language(request: Request) -> tuple[str, bool]:
    """(language, chosen explicitly by ?lang=)."""
    asked = request.query_params.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked, True
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in LANGUAGES:
        return remembered, False
    return parse_accept_language(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE, False


def _render(request: Request, template: str, *, embed: bool, scene: Scene | None) -> HTMLResponse:
    lang, explicit = negotiate_language(request)
    table = strings(lang)
    settings = getattr(request.app.state, "settings", None)

    def t(key: str, **values: Any) -> str:
        text = table[key]  # a missing key is a bug: fail loudly in tests
        return text.format(**values) if values else text

    def numbered(prefix: str) -> list[str]:
        """The strings <prefix>1, <prefix>2, ... up to the first number the table lacks."""
        found: list[str] = []
        while f"{prefix}{len(found) + 1}" in table:
            found.append(table[f"{prefix}{len(found) + 1}"])
        return found

    context = {
        "lang": lang,
        "other_lang": "zh" if lang == "en" else "en",
        "t": t,
        "numbered": numbered,
        "strings_json": json.dumps(table, ensure_ascii=False).replace("</", "<\\/"),
        "scenes": SCENES,
        "scene": scene,
        "embed": embed,
        "config_json": json.dumps(
            {
                "maxFrames": getattr(settings, "max_frames", 20_000),
                "maxLayers": getattr(settings, "max_layers", 8),
                "scene": scene.slug if scene else None,
                "embed": embed,
            }
        ),
    }
    # CSP, framing, nosniff and Referrer-Policy come from app.middleware.SecurityHeaders, which
    # tells a site page from an /embed/ page by its path.
    response = templates.TemplateResponse(request, template, context)
    response.headers["Content-Language"] = "zh-Hans" if lang == "zh" else "en"
    response.headers["Vary"] = "Accept-Language, Cookie"
    if explicit and not embed:
        # Embeds live on other sites: their ?lang= choice should not change the learner's own site.
        # Secure when the page came over HTTPS (behind a proxy, X-Forwarded-Proto says so), so
        # the browser never sends it over plain HTTP; a site served over plain HTTP gets it
        # without, since browsers refuse a Secure cookie from an insecure origin.
        secure = request.url.scheme == "https"
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    return response


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return _render(request, "home.html", embed=False, scene=None)


def _scene(slug: str) -> Scene:
    try:
        return SCENES_BY_SLUG[slug]
    except KeyError:
        raise HTTPException(status_code=404, detail=f"no scene called {slug!r}") from None


@router.api_route("/embed/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def embed_scene(request: Request, slug: str) -> HTMLResponse:
    scene = _scene(slug)
    return _render(request, scene.template, embed=True, scene=scene)


@router.get("/favicon.ico")
def favicon() -> Response:
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def _add_scene_route(scene: Scene) -> None:
    def page(request: Request) -> HTMLResponse:
        return _render(request, scene.template, embed=False, scene=scene)

    router.add_api_route(
        f"/{scene.slug}", page, methods=["GET", "HEAD"], response_class=HTMLResponse, name=scene.slug
    )


for _scene_entry in SCENES:
    _add_scene_route(_scene_entry)
