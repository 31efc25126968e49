"""The OpenAPI document flattened for the /docs page: endpoints, fields, limits, examples, schemas.

The page is rendered on the server from ``app.openapi()``, so it always matches the API and needs
no script: every type is written out in words, every limit next to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]
REF_PREFIX = "#/components/schemas/"
_BOUNDS = (
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
)


@dataclass(frozen=True)
class FieldView:
    name: str
    type: str
    required: bool
    default: str
    description: str


@dataclass(frozen=True)
class ExampleView:
    name: str
    summary: str
    body: str


@dataclass(frozen=True)
class ResponseView:
    status: str
    description: str
    media_type: str
    type: str


@dataclass(frozen=True)
class EndpointView:
    anchor: str
    method: str
    path: str
    tag: str
    summary: str
    description: str
    body_type: str
    fields: list[FieldView]
    examples: list[ExampleView]
    responses: list[ResponseView]


@dataclass(frozen=True)
class SchemaView:
    name: str
    description: str
    fields: list[FieldView]


@dataclass(frozen=True)
class ApiView:
    title: str
    version: str
    description: str
    endpoints: list[EndpointView]
    schemas: list[SchemaView]


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else json.dumps(value)


def type_text(schema: Schema) -> str:
    """A schema as words with its limits: 'integer ≥ 1, ≤ 100,000 or list of 2 integer ≥ 1, ≤ 100,000'."""
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF_PREFIX)
    if "x-type-name" in schema:
        return str(schema["x-type-name"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(dict.fromkeys(type_text(member) for member in schema[key]))
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items") or {}
        low, high = schema.get("minItems"), schema.get("maxItems")
        count = f"{low} " if low is not None and low == high else ""
        if not count and (low is not None or high is not None):
            count = f"{low or 0} to {high if high is not None else 'any'} "
        inner = type_text(items) if items else "values"
        return f"list of {count}{inner}".rstrip()
    if kind == "object":
        extra = schema.get("additionalProperties")
        return f"object of {type_text(extra)}" if isinstance(extra, dict) and extra else "object"
    words = str(kind) if kind else "any"
    bounds = [f"{sign} {_number(schema[key])}" for key, sign in _BOUNDS if key in schema]
    if "minLength" in schema or "maxLength" in schema:
        bounds.append(f"length {schema.get('minLength', 0)} to {schema.get('maxLength', 'any')}")
    return f"{words} {', '.join(bounds)}" if bounds else words


def example_text(value: Any) -> str:
    """A request body as it would be typed: one top-level field per line, each value compact."""
    if not isinstance(value, dict) or not value:
        return json.dumps(value)
    lines = [f"  {json.dumps(key)}: {json.dumps(item)}" for key, item in value.items()]
    return "{\n" + ",\n".join(lines) + "\n}"


def _fields(schema: Schema) -> list[FieldView]:
    required = set(schema.get("required", ()))
    views = []
    for name, prop in schema.get("properties", {}).items():
        default = json.dumps(prop["default"]) if "default" in prop else ""
        views.append(
            FieldView(
                name=name,
                type=type_text(prop),
                required=name in required,
                default=default,
                description=str(prop.get("description", "")),
            )
        )
    return views


def _resolve(schema: Schema, components: dict[str, Schema]) -> Schema:
    ref = schema.get("$ref")
    return components.get(str(ref).removeprefix(REF_PREFIX), {}) if ref else schema


def _endpoint(path: str, method: str, operation: Schema, components: dict[str, Schema]) -> EndpointView:
    body_type, fields, examples = "", [], []
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        schema = media.get("schema", {})
        body_type = type_text(schema)
        fields = _fields(_resolve(schema, components))
        for name, example in media.get("examples", {}).items():
            text = example_text(example.get("value"))
            examples.append(ExampleView(name, str(example.get("summary", "")), text))
    responses = []
    for status, response in operation.get("responses", {}).items():
        media_types = response.get("content", {}) or {"": {}}
        for media_type, media in media_types.items():
            schema = media.get("schema", {})
            responses.append(
                ResponseView(
                    status,
                    str(response.get("description", "")),
                    media_type,
                    type_text(schema) if schema else "",
                )
            )
    anchor = f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-")
    return EndpointView(
        anchor=anchor,
        method=method.upper(),
        path=path,
        tag=(operation.get("tags") or ["other"])[0],
        summary=str(operation.get("summary", "")),
        description=str(operation.get("description", "")),
        body_type=body_type,
        fields=fields,
        examples=examples,
        responses=responses,
    )


def api_view(openapi: Schema) -> ApiView:
    """Everything the /docs template shows, from an OpenAPI 3 document."""
    components: dict[str, Schema] = openapi.get("components", {}).get("schemas", {})
    endpoints = [
        _endpoint(path, method, operation, components)
        for path, methods in openapi.get("paths", {}).items()
        for method, operation in methods.items()
    ]
    schemas = [
        SchemaView(name, str(schema.get("description", "")), _fields(schema))
        for name, schema in sorted(components.items())
    ]
    info = openapi.get("info", {})
    return ApiView(
        title=str(info.get("title", "API")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        endpoints=endpoints,
        schemas=schemas,
    )
