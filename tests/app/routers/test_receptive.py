"""POST /api/receptive-field: fields per layer, a unit's boxes, the effective field, and refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

CONV3 = {"type": "conv", "kernel_size": 3, "padding": 1}
POOL2 = {"type": "pool", "kernel_size": 2}
URL = "/api/receptive-field"


def test_vgg16_stack_fits_the_default_limit(post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    """VGG-16's 13 convolutions and 5 pools (18 layers) see 212 pixels at pool5, jump 32."""
    blocks = [2, 2, 3, 3, 3]
    layers = [layer for convs in blocks for layer in [CONV3] * convs + [POOL2]]
    result = post(URL, {"input_size": 224, "layers": layers})
    assert len(result["layers"]) == 18
    assert result["layers"][-1]["receptive_field"] == 212
    assert result["layers"][-1]["jump"] == 32
    assert result["layers"][-1]["output_size"] == 7


def test_fields_per_layer(post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    result = post(URL, {"input_size": 32, "layers": [CONV3, CONV3, CONV3, POOL2]})
    layers = result["layers"]
    assert [layer["receptive_field"] for layer in layers] == [3, 5, 7, 8]
    assert [layer["jump"] for layer in layers] == [1, 1, 1, 2]
    assert [layer["start"] for layer in layers] == [0.0, 0.0, 0.0, 0.5]
    assert [layer["field_on_previous"] for layer in layers] == [3, 3, 3, 2]
    assert [layer["output_size"] for layer in layers] == [32, 32, 32, 16]
    assert layers[3] == {
        "index": 3,
        "type": "pool",
        "kernel_size": 2,
        "stride": 2,
        "padding": 0,
        "dilation": 1,
        "output_size": 16,
        "derivation": "(32 - 2) / 2 + 1 = 16",
        "receptive_field": 8,
        "jump": 2,
        "start": 0.5,
        "field_on_previous": 2,
    }
    assert "unit" not in result
    assert "effective" not in result


def test_unit_boxes_and_effective_field(post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    body = {
        "input_size": 8,
        "layers": [CONV3, CONV3],
        "unit": {"layer": 1, "y": 0, "x": 3},
        "effective": True,
    }
    result = post(URL, body)
    unit = result["unit"]
    assert unit["centre"] == [0.0, 3.0]
    assert unit["input_box"] == {"top": -2, "left": 1, "bottom": 2, "right": 5}
    assert unit["clipped_box"] == {"top": 0, "left": 1, "bottom": 2, "right": 5}
    assert [box["layer"] for box in unit["boxes"]] == [0, -1]
    assert unit["boxes"][0]["box"] == {"top": -1, "left": 2, "bottom": 1, "right": 4}
    effective = result["effective"]
    assert len(effective["map"]) == 8
    assert all(len(row) == 8 for row in effective["map"])
    assert effective["support"] == unit["clipped_box"]
    assert max(max(row) for row in effective["map"]) == 1.0
    assert effective["peak"] == [0, 3]


def test_unit_reading_only_padding(post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    body = {
        "input_size": 3,
        "layers": [{"type": "conv", "kernel_size": 1, "padding": 1}],
        "unit": {"layer": 0, "y": 0, "x": 0},
        "effective": True,
    }
    result = post(URL, body)
    assert result["unit"]["clipped_box"] is None
    assert result["effective"]["support"] is None


def test_openapi_examples_work(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][URL]["post"]
    assert operation["summary"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert examples
    for example in examples.values():
        response = client.post(URL, json=example["value"])
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {
                "input_size": 6,
                "layers": [CONV3, {"type": "conv", "kernel_size": 3}, {"type": "conv", "kernel_size": 7}],
            },
            "layers[2]",
            "layer 2 (conv, input 4x4): kernel 7 is larger than the padded input 4",
        ),
        (
            {"input_size": 8, "layers": [{"type": "pool", "kernel_size": 2, "padding": 2}]},
            "layers[0]",
            "layer 0 (pool, input 8x8): pooling padding 2 must be at most half the kernel size 2",
        ),
        (
            {
                "input_size": 10,
                "layers": [{"type": "conv", "kernel_size": 3}, POOL2],
                "unit": {"layer": 1, "y": 5, "x": 0},
            },
            "unit",
            "unit (5, 0) is outside layer 1's 4x4 output",
        ),
        (
            {"input_size": 10, "layers": [CONV3], "unit": {"layer": 1, "y": 0, "x": 0}},
            "unit",
            "unit layer 1 must be a layer of the stack, 0 to 0",
        ),
        (
            {"input_size": 10, "layers": [CONV3], "effective": True},
            "effective",
            "effective needs a unit",
        ),
        (
            {"input_size": 10, "layers": [{"type": "conv", "kernel_size": 3, "stride": 0}]},
            "layers",
            "layers[0].stride 0 must be at least 1",
        ),
        (
            {"input_size": 10, "layers": [{"type": "dense", "kernel_size": 3}]},
            "layers",
            "layers[0]",
        ),
        ({"input_size": 10, "layers": []}, "layers", "layers must have at least 1 entries"),
    ],
)
def test_invalid_requests_are_422(client: TestClient, body: dict[str, Any], field: str, message: str) -> None:
    response = client.post(URL, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert message in error["message"]


def test_limits_are_413() -> None:
    client = TestClient(create_app(Settings(max_receptive_layers=2, max_receptive_input=16, max_work=1_000)))
    too_many = client.post(URL, json={"input_size": 8, "layers": [CONV3] * 3})
    assert too_many.status_code == 413
    assert too_many.json()["error"]["limit"] == {"name": "max_receptive_layers", "value": 2}
    too_big = client.post(URL, json={"input_size": 17, "layers": [CONV3]})
    assert too_big.status_code == 413
    assert too_big.json()["error"]["limit"] == {"name": "max_receptive_input", "value": 16}
    heavy = {
        "input_size": 16,
        "layers": [CONV3, CONV3],
        "unit": {"layer": 1, "y": 0, "x": 0},
        "effective": True,
    }
    too_much = client.post(URL, json=heavy)
    assert too_much.status_code == 413
    assert too_much.json()["error"]["limit"]["name"] == "max_work"
    assert client.post(URL, json={**heavy, "effective": False}).status_code == 200
