"""What every operation route shares: its OpenAPI responses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from app.schemas import ErrorResponse

ERRORS: dict[int | str, dict[str, Any]] = {
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
    '`{"type": "result", ...}`, the same object the plain endpoint returns.'
)


def result_responses(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": "The result."}, **ERRORS}


def stream_responses() -> dict[int | str, dict[str, Any]]:
    return {200: {"description": STREAM_DESCRIPTION}, **ERRORS}
