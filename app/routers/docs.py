"""GET /docs: the API reference as one server-rendered HTML page, no script, no CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from app.cache import json_bytes_response
from app.openapi import openapi_json
from app.openapi_view import api_view

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parents[2] / "templates"))

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Every endpoint of /openapi.json with its fields, limits, examples and responses."""
    html: bytes | None = getattr(request.app.state, "docs_html", None)
    if html is None:  # the document is fixed once the app is built: render it once
        view = api_view(request.app.openapi())
        html = bytes(TEMPLATES.TemplateResponse(request, "api_docs.html", {"api": view}).body)
        request.app.state.docs_html = html
    return HTMLResponse(html)


@router.get("/openapi.json")
def openapi_document(request: Request) -> Response:
    """The OpenAPI document, encoded once (FastAPI's own route encodes it again on every request)."""
    return json_bytes_response(openapi_json(request.app))
