"""/docs is served from the OpenAPI document without scripts, and every documented example works."""

from __future__ import annotations

import html
from typing import Any

import pytest

from app.main import create_app
from app.schemas import SpecKind
from engine import KINDS

OPERATIONS = ("conv2d", "conv-transpose2d", "max-pool2d", "avg-pool2d", "batch-norm")
WITH_BACKWARD_FRAMES = ("conv2d", "max-pool2d", "avg-pool2d", "batch-norm")


def _documented_examples() -> list[tuple[str, str, dict[str, Any]]]:
    schema = create_app().openapi()
    found = []
    for path, methods in schema["paths"].items():
        for operation in methods.values():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            for name, example in content.get("examples", {}).items():
                found.append((path, name, example["value"]))
    return found


EXAMPLES = _documented_examples()


def test_every_operation_endpoint_exists_with_an_example(client: Any) -> None:
    schema = client.get("/openapi.json").json()
    expected = {f"/api/{op}" for op in OPERATIONS} | {f"/api/{op}/frames" for op in OPERATIONS}
    expected |= {f"/api/{op}/backward" for op in (*WITH_BACKWARD_FRAMES, "conv-transpose2d")}
    expected |= {f"/api/{op}/backward/frames" for op in WITH_BACKWARD_FRAMES}
    assert expected <= set(schema["paths"])
    with_examples = {path for path, _, _ in EXAMPLES}
    assert expected <= with_examples
    for path in expected:
        operation = schema["paths"][path]["post"]
        assert operation["summary"]
        assert operation["description"]
        assert {"200", "400", "413", "422"} <= set(operation["responses"])
    frames = schema["paths"]["/api/conv2d/frames"]["post"]["responses"]["200"]["content"]
    assert frames["application/x-ndjson"]["schema"] == {"$ref": "#/components/schemas/StreamHeader"}


@pytest.mark.parametrize(("path", "name", "body"), EXAMPLES, ids=[f"{p}:{n}" for p, n, _ in EXAMPLES])
def test_documented_example_works(client: Any, path: str, name: str, body: dict[str, Any]) -> None:
    if not path.startswith("/api/") or path == "/api/feature-maps":
        pytest.skip("not an operation endpoint")
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text


def test_docs_page_lists_every_endpoint_without_scripts(client: Any) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = html.unescape(response.text)
    assert "<script" not in page.lower()
    assert "cdn" not in page.lower()
    for path, methods in client.get("/openapi.json").json()["paths"].items():
        for operation in methods.values():
            assert f"<code>{path}</code>" in page
            assert operation["summary"] in page
    # Fields with their types and limits, an example body, and the response shape.
    shown = (
        "integer ≥ 1, ≤ 100,000 or list of 2 integer ≥ 1, ≤ 100,000",
        '"kind": "sobel_x"',
        'id="schema-Conv2dResult"',
        'id="schema-ErrorResponse"',
        'id="schema-StreamHeader"',
        '  "weight": {"shape": [1, 1, 3, 3], "kind": "sobel_x"},',
        "nested lists of numbers or TensorSpec",
    )
    for text in shown:
        assert text in page, text


def test_stock_documentation_pages_are_gone(client: Any) -> None:
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_spec_kinds_are_the_engines() -> None:
    assert SpecKind.__args__ == KINDS  # type: ignore[attr-defined]
