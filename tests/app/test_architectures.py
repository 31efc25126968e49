"""GET /api/architectures and /api/architectures/{name}: tables, totals, and the error shapes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

NAMES = ["lenet5", "alexnet", "vgg16", "googlenet", "resnet18", "resnet50", "se_resnet50"]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings(max_architecture_input=600)))


def test_list_names_titles_and_descriptions(client: TestClient) -> None:
    response = client.get("/api/architectures")
    assert response.status_code == 200
    items = response.json()["architectures"]
    assert [item["name"] for item in items] == NAMES
    googlenet = items[NAMES.index("googlenet")]
    assert googlenet["title"] == "GoogLeNet"
    assert "auxiliary" in googlenet["description"]
    assert items[0]["default_input_size"] == 32


@pytest.mark.parametrize(
    ("name", "params", "macs"),
    [
        ("vgg16", 138_357_544, 15_470_264_320),
        ("resnet50", 25_557_032, 4_089_184_256),
        ("lenet5", 61_706, None),
    ],
)
def test_table_totals(client: TestClient, name: str, params: int, macs: int | None) -> None:
    body = client.get(f"/api/architectures/{name}").json()
    assert body["name"] == name
    assert body["total_params"] == params
    if macs is not None:
        assert body["total_macs"] == macs
    assert body["total_params"] == sum(layer["params"] for layer in body["layers"])
    size = body["input_size"]
    first = body["layers"][0]
    assert first["type"] == "input"
    assert first["output_shape"][1:] == [size, size]
    assert (first["params"], first["macs"], first["receptive_field"], first["jump"]) == (0, 0, 1, 1)


def test_layer_fields(client: TestClient) -> None:
    body = client.get("/api/architectures/vgg16", params={"input_size": 224}).json()
    pool5 = next(layer for layer in body["layers"] if layer["name"] == "pool5")
    assert pool5 == {
        "name": "pool5", "type": "max_pool", "block": None, "output_shape": [512, 7, 7], "params": 0,
        "macs": 0, "receptive_field": 212, "jump": 32,
        "config": {"mode": "max", "kernel_size": 2, "stride": 2, "padding": 0, "ceil_mode": False},
    }  # fmt: skip


def test_input_size_changes_shapes(client: TestClient) -> None:
    body = client.get("/api/architectures/resnet18?input_size=320").json()
    assert body["input_size"] == 320
    layer4 = next(layer for layer in body["layers"] if layer["name"] == "layer4.1")
    assert layer4["output_shape"] == [512, 10, 10]
    assert body["total_params"] == 11_689_512


def test_unknown_name_is_404(client: TestClient) -> None:
    response = client.get("/api/architectures/resnet101")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert "resnet101" in error["message"]
    assert "se_resnet50" in error["message"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("input_size=16", "at layer pool5: kernel 2 is larger than the padded input 1"),
        ("input_size=0", "input_size 0 must be at least 1"),
        ("input_size=-3", "input_size -3 must be at least 1"),
    ],
)
def test_bad_input_size_is_422(client: TestClient, query: str, message: str) -> None:
    response = client.get(f"/api/architectures/vgg16?{query}")
    assert response.status_code == 422
    assert response.json()["error"] == {"code": "invalid_value", "message": message, "field": "input_size"}


def test_non_integer_input_size_is_422(client: TestClient) -> None:
    response = client.get("/api/architectures/vgg16?input_size=big")
    assert response.status_code == 422
    assert "error" in response.json()


def test_input_size_limit_is_413(client: TestClient) -> None:
    response = client.get("/api/architectures/alexnet?input_size=601")
    assert response.status_code == 413
    assert response.json()["error"]["limit"] == {"name": "max_architecture_input", "value": 600}


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    table = paths["/api/architectures/{name}"]["get"]
    assert table["summary"] == "Layer table of one network"
    example = table["responses"]["200"]["content"]["application/json"]["example"]
    assert example["total_params"] == 61_706
    assert {"404", "413", "422"} <= set(table["responses"])
    assert "get" in paths["/api/architectures"]
