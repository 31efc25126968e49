"""The OpenAPI document: the responses every API route documents, and the stream endpoints
described by their first line (StreamHeader).

FastAPI documents a streaming response as a plain string; this names the header object instead
and adds its schema to the components, so /docs can show what a stream starts with.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from app.ops.job import NDJSON
from app.schemas import ErrorResponse, StreamHeader

REF = "#/components/schemas/"

Responses = dict[int | str, dict[str, Any]]

ERRORS: Responses = {
    400: {
        "model": ErrorResponse,
        "description": "The body is not JSON: malformed, NaN/Infinity, or nested too deep.",
    },
    413: {
        "model": ErrorResponse,
        "description": "A limit was passed (body size, tensor size, work, frames).",
    },
    415: {"model": ErrorResponse, "description": "The body was not sent as application/json."},
    422: {"model": ErrorResponse, "description": "The JSON breaks a rule: a shape, a value, a type."},
}

STREAM_DESCRIPTION = (
    'application/x-ndjson, one JSON object per line: first `{"type": "header", ...}` (op, frame_count, '
    "parameters, shapes, output_size, inputs; see StreamHeader), sent before any frame is computed; then "
    '`{"type": "frame", ...}` per step (fields in docs/frames.md), numbered by `index` from 0; last '
    '`{"type": "result", ...}`, the result assembled from the frames: the plain endpoint\'s object, '
    "equal up to float rounding."
)


def result_responses(model: type[BaseModel]) -> Responses:
    return {200: {"model": model, "description": "The result."}, **ERRORS}


def stream_responses() -> Responses:
    return {200: {"description": STREAM_DESCRIPTION}, **ERRORS}


def openapi_builder(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """A replacement for ``app.openapi``: FastAPI's document, built once, with stream schemas."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        header = StreamHeader.model_json_schema(ref_template=REF + "{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(header.pop("$defs", {}))
        components["StreamHeader"] = header
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                content = operation.get("responses", {}).get("200", {}).get("content", {})
                if NDJSON in content:
                    content[NDJSON]["schema"] = {"$ref": REF + "StreamHeader"}
        app.openapi_schema = schema
        return schema

    return build


def openapi_json(app: FastAPI) -> bytes:
    """The document as JSON bytes, encoded on first use and kept on ``app.state``."""
    encoded: bytes | None = getattr(app.state, "openapi_json", None)
    if encoded is None:
        encoded = json.dumps(app.openapi(), ensure_ascii=False, separators=(",", ":")).encode()
        app.state.openapi_json = encoded
    return encoded
