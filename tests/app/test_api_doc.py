"""docs/api.md's curl commands work as written: each body is posted to its endpoint."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
CURL = re.compile(r"^curl -sN? localhost:8000(/api/\S+) -H 'content-type: application/json' -d '(.+)'$", re.M)
COMMANDS = CURL.findall(DOC.read_text(encoding="utf-8"))
GET = re.compile(r"^curl -s '?localhost:8000(/api/[^\s']+)'?$", re.M)
GETS = GET.findall(DOC.read_text(encoding="utf-8"))


# Uploads (multipart) have no JSON curl line; their curl examples live in /docs.
MULTIPART = {"/api/feature-maps", "/api/networks/{name}/classify-image"}


def documented(template: str, paths: set[str]) -> bool:
    """Whether a documented path fills ``template`` (/api/networks/{name}/forward: .../tinyvgg/forward)."""
    pattern = re.sub(r"\\\{[a-z_]+\\\}", "[a-z0-9_-]+", re.escape(template))
    return any(re.fullmatch(pattern, path) for path in paths)


def test_every_operation_endpoint_has_a_curl_example() -> None:
    schema = create_app().openapi()
    operations = {
        path
        for path, methods in schema["paths"].items()
        if path.startswith("/api/") and "post" in methods and path not in MULTIPART
    }
    missing = {path for path in operations if not documented(path, {path for path, _ in COMMANDS})}
    assert not missing


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.mark.parametrize(("path", "body"), COMMANDS, ids=[path for path, _ in COMMANDS])
def test_curl_example_works(client: TestClient, path: str, body: str) -> None:
    response = client.post(path, json=json.loads(body))
    assert response.status_code == 200, response.text


def test_every_get_endpoint_has_a_curl_example() -> None:
    schema = create_app().openapi()
    gets = {
        path for path, methods in schema["paths"].items() if path.startswith("/api/") and "get" in methods
    }
    paths = {path.split("?")[0] for path in GETS}
    assert not {path for path in gets if not documented(path, paths)}


@pytest.mark.parametrize("path", GETS)
def test_get_example_works(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
