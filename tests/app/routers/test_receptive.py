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
        "ceil_mode": False,
        "output_size": 16,
        "output_height": 16,
        "output_width": 16,
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


INVALID_STACKS = [
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
]

# Inputs that are not square, or whose size is given wrongly.
INVALID_GEOMETRY = [
    ({"input_height": 8, "layers": [CONV3]}, "input_width", "input_height and input_width"),
    ({"layers": [CONV3]}, "input_size", "the input's size is required"),
    ({"input_size": 8, "input_width": 8, "layers": [CONV3]}, "input_size", "not both"),
    (
        {"input_size": 8, "layers": [{"type": "conv", "kernel_size": 3, "stride": 2, "padding": "same"}]},
        "layers[0]",
        "layer 0: padding 'same' needs stride 1",
    ),
    (
        {"input_size": 8, "layers": [{"type": "pool", "kernel_size": 2, "padding": "same"}]},
        "layers[0]",
        "padding 'same' is for conv only",
    ),
    (
        {"input_size": 8, "layers": [{"type": "conv", "kernel_size": 3, "ceil_mode": True}]},
        "layers[0]",
        "ceil_mode is for pool only",
    ),
    ({"input_size": 8, "layers": [{"type": "pool"}]}, "layers[0]", "kernel_size is required for pool"),
    (
        {"input_height": 8, "input_width": 3, "layers": [{"type": "conv", "kernel_size": 5}]},
        "layers[0]",
        "layer 0 (conv, input 3x3): kernel 5 is larger than the padded input 3",
    ),
    (
        {"input_height": 4, "input_width": 9, "layers": [CONV3], "unit": {"layer": 0, "y": 4, "x": 0}},
        "unit",
        "unit (4, 0) is outside layer 0's 4x9 output",
    ),
]


@pytest.mark.parametrize(("body", "field", "message"), [*INVALID_STACKS, *INVALID_GEOMETRY])
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


# Non-square inputs, "same"/"valid" padding, ceil_mode and batch norm: the geometry of a photo's stack
# (the feature-maps page sends each layer's params as run).

PHOTO_STACK = [
    {"type": "conv", "kernel_size": 3, "padding": "same"},
    {"type": "batch_norm"},
    {"type": "pool", "kernel_size": 2},
]


def test_non_square_input_boxes_by_hand(post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    """6x10 input; conv 3 'same' -> 6x10; batch norm -> 6x10; pool 2 -> 3x5. Pool unit (2, 4) reads
    rows 4..5, cols 8..9 of the batch norm (and so of the conv); the conv's 3x3 windows widen that
    by one on each side: rows 3..6, cols 7..10 on the input, of which row 6 and col 10 are padding."""
    result = post(
        URL,
        {"input_height": 6, "input_width": 10, "layers": PHOTO_STACK, "unit": {"layer": 2, "y": 2, "x": 4}},
    )
    assert (result["input_size"], result["input_height"], result["input_width"]) == (None, 6, 10)
    layers = result["layers"]
    assert [(la["output_height"], la["output_width"]) for la in layers] == [(6, 10), (6, 10), (3, 5)]
    assert [la["output_size"] for la in layers] == [None, None, None]
    assert [la["padding"] for la in layers] == [1, 0, 0]
    assert [la["receptive_field"] for la in layers] == [3, 3, 4]
    assert [la["jump"] for la in layers] == [1, 1, 2]
    assert [la["start"] for la in layers] == [0.0, 0.0, 0.5]
    assert layers[1]["type"] == "batch_norm"
    assert layers[1]["derivation"] == "height: 6 (unchanged); width: 10 (unchanged)"
    assert layers[2]["derivation"] == "height: (6 - 2) / 2 + 1 = 3; width: (10 - 2) / 2 + 1 = 5"
    unit = result["unit"]
    assert unit["centre"] == [4.5, 8.5]
    assert [b["layer"] for b in unit["boxes"]] == [1, 0, -1]
    assert [(b["size"], b["height"], b["width"]) for b in unit["boxes"]] == [(None, 6, 10)] * 3
    assert unit["boxes"][0]["box"] == {"top": 4, "left": 8, "bottom": 5, "right": 9}
    assert unit["boxes"][1]["box"] == {"top": 4, "left": 8, "bottom": 5, "right": 9}
    assert unit["input_box"] == {"top": 3, "left": 7, "bottom": 6, "right": 10}
    assert unit["clipped_box"] == {"top": 3, "left": 7, "bottom": 5, "right": 9}


def test_batch_norm_alone_keeps_each_pixel(post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    result = post(
        URL,
        {
            "input_height": 4,
            "input_width": 5,
            "layers": [{"type": "batch_norm"}],
            "unit": {"layer": 0, "y": 1, "x": 4},
        },
    )
    assert result["layers"][0]["receptive_field"] == 1
    assert result["unit"]["input_box"] == {"top": 1, "left": 4, "bottom": 1, "right": 4}
    assert result["unit"]["clipped_box"] == result["unit"]["input_box"]


def test_ceil_mode_pool_reaches_past_the_input(post: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    """5x7, pool 2 with ceil_mode: (5 - 2)/2 + 1 = 2.5 -> 3 rows, (7 - 2)/2 + 1 = 3.5 -> 4 columns; the
    last unit's window hangs one row and one column past the input."""
    body = {
        "input_height": 5,
        "input_width": 7,
        "layers": [{"type": "pool", "kernel_size": 2, "ceil_mode": True}],
        "unit": {"layer": 0, "y": 2, "x": 3},
        "effective": True,
    }
    result = post(URL, body)
    layer = result["layers"][0]
    assert (layer["output_height"], layer["output_width"], layer["ceil_mode"]) == (3, 4, True)
    assert result["unit"]["input_box"] == {"top": 4, "left": 6, "bottom": 5, "right": 7}
    assert result["unit"]["clipped_box"] == {"top": 4, "left": 6, "bottom": 4, "right": 6}
    effective = result["effective"]
    assert (len(effective["map"]), len(effective["map"][0])) == (5, 7)
    assert effective["support"] == result["unit"]["clipped_box"]
    assert effective["peak"] == [4, 6]


def test_same_padding_with_an_even_kernel_pads_less_before(
    post: Callable[[str, dict[str, Any]], dict[str, Any]],
) -> None:
    """A 4x4 'same' conv pads 3 in all: 1 before, 2 after (PyTorch), so an 8x8 input stays 8x8 and unit
    (7, 0) reads rows 6..9 (two padding rows below) and columns -1..2."""
    body = {
        "input_size": 8,
        "layers": [{"type": "conv", "kernel_size": 4, "padding": "same"}],
        "unit": {"layer": 0, "y": 7, "x": 0},
    }
    result = post(URL, body)
    layer = result["layers"][0]
    assert (layer["padding"], layer["output_size"], layer["start"]) == (1, 8, 0.5)
    assert result["unit"]["input_box"] == {"top": 6, "left": -1, "bottom": 9, "right": 2}
    assert result["unit"]["clipped_box"] == {"top": 6, "left": 0, "bottom": 7, "right": 2}
    valid = post(URL, {"input_size": 8, "layers": [{"type": "conv", "kernel_size": 3, "padding": "valid"}]})
    assert (valid["layers"][0]["padding"], valid["layers"][0]["output_size"]) == (0, 6)


def test_boxes_agree_with_the_feature_maps_shapes(client: TestClient) -> None:
    """The page sends each feature-maps layer's params as run; the geometry gives the same map sizes."""
    import io
    import json

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (37, 23), (120, 40, 200)).save(buffer, "PNG")
    stack = [
        {"type": "conv", "bank": "sobel", "size": 3, "stride": 2},
        {"type": "batch_norm"},
        {"type": "pool", "mode": "avg", "kernel_size": 3, "stride": 2, "ceil_mode": True},
        {"type": "conv", "bank": "blur", "size": 3, "dilation": 2},
    ]
    maps = client.post(
        "/api/feature-maps",
        files={"image": ("p.png", buffer.getvalue(), "image/png")},
        data={"layers": json.dumps(stack)},
    ).json()
    geometry = []
    for layer in maps["layers"]:
        p = layer["params"]
        if layer["type"] == "conv":
            geometry.append(
                {
                    "type": "conv",
                    "kernel_size": p["size"],
                    "stride": p["stride"],
                    "padding": p["padding"],
                    "dilation": p["dilation"],
                }
            )
        elif layer["type"] == "pool":
            geometry.append(
                {
                    "type": "pool",
                    "kernel_size": p["kernel_size"],
                    "stride": p["stride"],
                    "padding": p["padding"],
                    "ceil_mode": p["ceil_mode"],
                }
            )
        else:
            geometry.append({"type": "batch_norm"})
    answer = client.post(URL, json={"input_height": 23, "input_width": 37, "layers": geometry})
    assert answer.status_code == 200, answer.text
    sizes = [[la["output_height"], la["output_width"]] for la in answer.json()["layers"]]
    assert sizes == [layer["shape"][1:] for layer in maps["layers"]]
    assert sizes == [[12, 19], [12, 19], [6, 9], [6, 9]]  # (12 - 3)/2 + 1 = 5.5 -> 6; (19 - 3)/2 + 1 = 9


def test_each_side_is_limited() -> None:
    client = TestClient(create_app(Settings(max_receptive_input=16)))
    response = client.post(URL, json={"input_height": 16, "input_width": 17, "layers": [CONV3]})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["limit"] == {"name": "max_receptive_input", "value": 16}
    assert error["field"] == "input_width"
