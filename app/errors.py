"""One error shape for the whole API, and the handlers that produce it.

Every error is JSON::

    {"error": {"code": "invalid_value", "message": "stride 0 must be at least 1", "field": "stride"}}

``code`` is a stable machine name, ``message`` a sentence a learner can act on, ``field`` the body
field at fault (or null). A rule of the engine adds ``"rule"`` (its :data:`engine.CODES` name,
"kernel_too_large") and ``"values"`` (the numbers the message quotes), read off the
:class:`engine.EngineError` itself, never parsed from its prose. A limit adds
``"limit": {"name": "max_frames", "value": 20000}``; validation errors add ``"details"``, one
``{"field", "message"}`` per problem found. Statuses:
400 for a body that is not JSON (malformed, NaN/Infinity, nested too deep), 404/405 for a wrong
URL or method, 413 for a limit, 415 for a body not sent as JSON, 422 for JSON that breaks a
rule, 500 only for a server fault (the message then says so and never carries a traceback).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from engine import EngineError

logger = logging.getLogger("convscope")

Limit = tuple[str, int | float]


class ApiError(Exception):
    """An error with its HTTP status, raised anywhere in app/ and rendered by the handlers.

    ``rule`` and ``values`` say which rule broke and with which numbers (an engine code, as
    :func:`engine_error` copies them), so a page can say the error again in its own language.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        limit: Limit | None = None,
        *,
        rule: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.limit = limit
        self.rule = rule
        self.values = values


def engine_error(error: EngineError, field: str | None, code: str = "invalid_value") -> ApiError:
    """422 for a refusal of the engine: its message as it is, ``field`` the body field at fault,
    and the engine's rule code and values (JSON-safe)."""
    values: dict[str, Any] = error.as_dict()["values"]
    return ApiError(422, code, error.message, field, rule=error.code, values=values)


def limit_error(what: str, name: str, value: int | float, field: str | None = None) -> ApiError:
    """413 for ``what`` exceeding the setting ``name``: "<what> the limit max_frames = 20,000"."""
    shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
    return ApiError(413, "limit_exceeded", f"{what} the limit {name} = {shown}", field, (name, value))


def error_content(
    code: str,
    message: str,
    field: str | None = None,
    limit: Limit | None = None,
    details: Sequence[Mapping[str, Any]] | None = None,
    rule: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``{"error": {...}}`` object every error response carries."""
    error: dict[str, Any] = {"code": code, "message": message, "field": field}
    if rule is not None:
        error |= {"rule": rule, "values": dict(values or {})}
    if limit is not None:
        error["limit"] = {"name": limit[0], "value": limit[1]}
    if details is not None:
        error["details"] = list(details)
    return {"error": error}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(error_content(code, message, **extra), status_code=status, headers=headers)


# Validation errors made readable

_UNION_TAG = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPE_NAMES = frozenset({"int", "float", "str", "bool", "list", "dict", "tuple", "none"})
_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "string": "a string",
    "list": "a list",
    "tuple": "a list",
    "dict": "an object",
    "model": "an object",
    "model_attributes": "an object",
    "literal": "one of the listed values",
}


def _field_path(loc: Iterable[int | str]) -> str | None:
    """('body', 'input', 'TensorSpec', 'shape', 0) -> 'input.shape[0]'; union member tags dropped."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif _UNION_TAG.match(item) and item not in _TYPE_NAMES:
            parts.append(("." if parts else "") + item)
    text = "".join(parts)
    return text or None


def _show(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_type_error(error: Mapping[str, Any]) -> bool:
    kind = str(error["type"])
    return kind.endswith(("_type", "_parsing")) or kind in ("literal_error", "is_instance_of")


def _wanted(error: Mapping[str, Any]) -> str:
    kind = str(error["type"])
    if kind == "literal_error":
        return f"one of {error.get('ctx', {}).get('expected', 'the listed values')}"
    for prefix, words in _TYPE_WORDS.items():
        if kind.startswith(prefix):
            return words
    return str(error["msg"]).removeprefix("Input should be ")


def _sentence(field: str | None, error: Mapping[str, Any]) -> str:
    """One validation error as a sentence that names the field and the rule."""
    name = field or "the body"
    kind, ctx, value = str(error["type"]), error.get("ctx", {}), error.get("input")
    if kind == "missing":
        return f"{name} is required"
    if kind == "extra_forbidden":
        return f"{name} is not a field of this operation (check the spelling)"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        rule = {
            "greater_than_equal": f"must be at least {ctx.get('ge')}",
            "greater_than": f"must be greater than {ctx.get('gt')}",
            "less_than_equal": f"must be at most {ctx.get('le')}",
            "less_than": f"must be less than {ctx.get('lt')}",
        }[kind]
        return f"{name} {_show(value)} {rule}"
    if kind in ("too_short", "too_long"):
        low, high = ctx.get("min_length"), ctx.get("max_length")
        bound = f"at least {low}" if kind == "too_short" else f"at most {high}"
        return f"{name} must have {bound} entries, got {ctx.get('actual_length')}"
    if kind == "finite_number":
        return f"{name} must be a finite number"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if _is_type_error(error):
        return f"{name} must be {_wanted(error)}, got {_show(value)}"
    return f"{name}: {error['msg']}"


def readable_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors -> [{"field", "message"}]: ``field`` is the body field, the message names
    the exact place (``stride[1]``, ``input.shape[0]``).

    A union (an int or a pair, a list or a spec) fails once per member. The member the value was
    meant for is the one that got past the type check: its error sits deeper (inside the list or
    the spec) or is about the value, not the type. Only those are kept; when every member failed
    on the type alone, the wanted types are listed together.
    """
    by_field: dict[str | None, list[tuple[str | None, Mapping[str, Any]]]] = {}
    for error in errors:
        loc = list(error.get("loc", ()))
        if loc and loc[0] == "body":
            loc = loc[1:]
        path = _field_path(loc)
        top = _field_path(loc[:1])
        by_field.setdefault(top, []).append((path, error))
    readable: list[dict[str, Any]] = []
    for top, group in by_field.items():
        specific = [(path, e) for path, e in group if path != top or not _is_type_error(e)]
        if specific:
            readable.extend({"field": top, "message": _sentence(path, e)} for path, e in specific)
        elif len(group) == 1:
            readable.append({"field": top, "message": _sentence(top, group[0][1])})
        else:
            wanted = " or ".join(dict.fromkeys(_wanted(e) for _, e in group))
            message = f"{top or 'the body'} must be {wanted}, got {_show(group[0][1].get('input'))}"
            readable.append({"field": top, "message": message})
    return readable


def _validation_response(errors: Sequence[Mapping[str, Any]]) -> JSONResponse:
    json_errors = [e for e in errors if e.get("type") == "json_invalid"]
    if json_errors:
        error = json_errors[0]
        position = error["loc"][-1] if error.get("loc") else "?"
        reason = error.get("ctx", {}).get("error", "invalid JSON")
        message = f"the body is not valid JSON: {reason} (at character {position})"
        return error_response(400, "malformed_json", message)
    details = readable_errors(errors)
    if not details:
        return error_response(422, "invalid_value", "the request body is not valid")
    first = details[0]
    if first["field"] is None and any(e.get("type") == "missing" for e in errors):
        first = {
            "field": None,
            "message": "the request needs a JSON object body (see GET /docs for examples)",
        }
    return error_response(422, "invalid_value", first["message"], field=first["field"], details=details)


# Handlers


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(
        exc.status, exc.code, exc.message, field=exc.field, limit=exc.limit, rule=exc.rule, values=exc.values
    )


async def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(tuple(e.get("loc", ())) == ("body",) and isinstance(e.get("input"), bytes) for e in errors):
        # The body arrived unparsed: it was not sent as JSON (curl -d sends a form by default).
        sent = request.headers.get("content-type") or "no content type"
        message = f"send the body as JSON with the header Content-Type: application/json (got {sent})"
        return error_response(415, "unsupported_media_type", message)
    return _validation_response(errors)


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "limit_exceeded",
    415: "unsupported_media_type",
    422: "invalid_value",
}


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    default = HTTPStatus(exc.status_code).phrase if exc.status_code in (404, 405) else None
    if exc.status_code == 404 and exc.detail == default:  # no route matched, rather than a route's own 404
        message = f"no such endpoint: {request.method} {request.url.path} (see GET /docs for the list)"
    elif exc.status_code == 405 and exc.detail == default:
        message = f"{request.url.path} does not accept {request.method} (see GET /docs)"
    else:
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, default=str)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, message, headers=exc.headers)


async def _value_error(request: Request, exc: Exception) -> Response:
    # The engine raises EngineError, a ValueError that names its field and rule, for every bad
    # argument; an operation's fields have the engine's (PyTorch's) names, so its field is the body's.
    if isinstance(exc, ValidationError):
        return _validation_response(exc.errors(include_url=False))
    if isinstance(exc, EngineError):
        return await _api_error(request, engine_error(exc, exc.field))
    return error_response(422, "invalid_value", str(exc))


def install_error_handlers(app: FastAPI, server_error_headers: Iterable[tuple[str, str]]) -> None:
    """Every error as JSON. A 500 is sent by Starlette's outermost middleware, outside the one that
    adds the security headers, so it carries ``server_error_headers`` itself."""
    headers = dict(server_error_headers)

    async def server_error(request: Request, exc: Exception) -> Response:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        message = "the server failed on this request; this is a bug in ConvScope, not in your input"
        return error_response(500, "internal_error", message, headers=headers)

    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(ValueError, _value_error)
    app.add_exception_handler(Exception, server_error)
