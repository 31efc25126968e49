"""GET /docs: the API reference as one server-rendered HTML page, no script, no CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.openapi_view import api_view

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[2] / "templates"))

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Every endpoint of /openapi.json with its fields, limits, examples and responses."""
    view = api_view(request.app.openapi())
    return TEMPLATES.TemplateResponse(request, "api_docs.html", {"api": view})
