"""Assemble the ConvScope application: settings, routers, error handlers. Nothing else lives here."""

from __future__ import annotations

from fastapi import FastAPI

from app.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI app; tests pass their own settings, the server reads the environment."""
    app = FastAPI(
        title="ConvScope",
        version="0.1.0",
        description="Step through every number a convolutional neural network computes.",
    )
    app.state.settings = settings or load_settings()

    @app.get("/healthz", tags=["service"], summary="Liveness check")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
