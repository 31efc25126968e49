"""Assemble the ConvScope application: settings, routers, error handlers. Nothing else lives here."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.body_guard import BodyGuard
from app.errors import install_error_handlers
from app.openapi import openapi_builder
from app.routers import architectures, conv, docs, feature_maps, norm, pages, pool, receptive
from app.settings import Settings, load_settings

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
    )
    app.state.settings = settings or load_settings()
    app.add_middleware(BodyGuard, settings=app.state.settings)
    install_error_handlers(app)

    @app.get("/healthz", tags=["service"], summary="Liveness check")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for module in (conv, pool, norm, feature_maps, receptive, architectures, docs):
        app.include_router(module.router)
    app.openapi = openapi_builder(app)  # type: ignore[method-assign]
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app


app = create_app()
