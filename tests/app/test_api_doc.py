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


def test_every_operation_endpoint_has_a_curl_example() -> None:
    schema = create_app().openapi()
    operations = {
        path
        for path, methods in schema["paths"].items()
        if path.startswith("/api/") and "post" in methods and path != "/api/feature-maps"
    }
    assert operations <= {path for path, _ in COMMANDS}


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
    documented = {re.sub(r"/[a-z0-9_]+$", "/{name}", path.split("?")[0]) for path in GETS} | set(GETS)
    assert gets <= documented


@pytest.mark.parametrize("path", GETS)
def test_get_example_works(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
