"""Assemble the ConvScope application: settings, routers, error handlers. Nothing else lives here."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp

from app.cache import ResponseCache
from app.errors import install_error_handlers
from app.middleware import (
    SITE_HEADERS,
    AllowedHosts,
    ApiCors,
    BodyGuard,
    HeadAsGet,
    RelativeRedirects,
    SecurityHeaders,
    around_error_handling,
)
from app.openapi import openapi_builder
from app.routers import architectures, docs, feature_maps, inception, networks, operations, pages, receptive
from app.settings import Settings, load_settings, origin_list
from app.static import CachedStaticFiles

DESCRIPTION = """Step through every number a convolutional neural network computes.

Every operation has a plain endpoint returning its result as JSON and a `/frames` endpoint
streaming the steps as NDJSON. Tensors are nested lists, or specs such as
`{"shape": [1, 1, 5, 5], "kind": "integers", "seed": 3}` that the server generates. Errors are
`{"error": {"code", "message", "field", ...}}` with status 400, 413, 415 or 422."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI app; tests pass their own settings, the server reads the environment."""
    app = FastAPI(
        title="ConvScope",
        version="0.1.0",
        description=DESCRIPTION,
        docs_url=None,  # the stock pages load their scripts from a CDN; app.routers.docs serves /docs
        redoc_url=None,
        openapi_url=None,  # app.routers.docs serves /openapi.json, encoded once
    )
    app.state.settings = settings or load_settings()
    # Repeated receptive-field requests are answered from memory (app.cache.cached_post).
    app.state.post_cache = ResponseCache(max_bytes=8_000_000, max_entry_bytes=256_000)
    # Middleware, innermost first.
    app.add_middleware(BodyGuard, settings=app.state.settings)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RelativeRedirects)
    app.add_middleware(AllowedHosts, allowed_hosts=app.state.settings.allowed_hosts)
    cors_origins = origin_list(app.state.settings.cors_origins, "cors_origins", allow_keywords=False)
    embed_frame_ancestors = app.state.settings.embed_frame_ancestors

    def outermost(stack: ASGIApp) -> ASGIApp:
        # Around Starlette's error handling too, so the 500 it sends carries CORS and the headers;
        # the security headers outermost of all, so every refusal and preflight carries them.
        if cors_origins:  # CORS stays off unless origins are configured
            stack = ApiCors(stack, origins=cors_origins)
        return SecurityHeaders(stack, embed_frame_ancestors=embed_frame_ancestors)

    around_error_handling(app, outermost)
    install_error_handlers(app, server_error_headers=SITE_HEADERS)

    @app.get("/healthz", tags=["service"], summary="Liveness check")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for module in (operations, feature_maps, receptive, architectures, inception, networks, docs):
        app.include_router(module.router)
    app.openapi = openapi_builder(app)  # type: ignore[method-assign]
    app.include_router(pages.router)
    app.mount("/static", CachedStaticFiles(directory=pages.STATIC_DIR), name="static")
    return app


app = create_app()
