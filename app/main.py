"""Assemble the ConvScope application: settings, routers, error handlers. Nothing else lives here."""

from __future__ import annotations

from fastapi import FastAPI

from app.cache import ResponseCache
from app.errors import install_error_handlers
from app.middleware import SITE_HEADERS, ApiCors, BodyGuard, SecurityHeaders
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
    cors_origins = origin_list(app.state.settings.cors_origins, "cors_origins", allow_keywords=False)
    if cors_origins:  # CORS stays off unless origins are configured
        app.add_middleware(ApiCors, origins=cors_origins)
    # Added last, so it is the outermost middleware: its headers reach every response, the refusals of
    # BodyGuard and the CORS preflights included; 500s are sent outside it, so their handler adds them.
    app.add_middleware(SecurityHeaders, embed_frame_ancestors=app.state.settings.embed_frame_ancestors)
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
