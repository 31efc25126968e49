"""POST /api/inception and /api/bottleneck: the curriculum's figures, and refusals naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

Post = Callable[[str, dict[str, Any]], dict[str, Any]]


def test_defaults_are_inception_3a(post: Post) -> None:
    result = post("/api/inception", {})
    assert result["input_shape"] == [192, 28, 28]
    designs = result["designs"]
    assert [d["weights"] for d in designs] == [387_072, 157_184, 163_328]
    assert [d["output_channels"] for d in designs] == [416, 416, 256]
    assert [d["macs"] for d in designs] == [387_072 * 784, 157_184 * 784, 163_328 * 784]
    assert designs[1]["weights_ratio"] == 0.4061
    module = result["module"]
    assert (module["use_reductions"], module["use_pool_projection"]) == (True, True)
    assert module["weights"] == 163_328
    assert module["params_with_biases"] == 163_328 + 64 + 96 + 128 + 16 + 32 + 32
    assert module["output_shape"] == [256, 28, 28]
    weights = {layer["name"]: layer["weights"] for b in module["branches"] for layer in b["layers"]}
    assert weights == {
        "1x1": 12_288,
        "3x3_reduce": 18_432,
        "3x3": 110_592,
        "5x5_reduce": 3_072,
        "5x5": 12_800,
        "pool": 0,
        "pool_proj": 6_144,
    }
    three = next(layer for b in module["branches"] for layer in b["layers"] if layer["name"] == "3x3")
    assert three == {
        "name": "3x3", "type": "conv", "kernel_size": 3, "stride": 1, "padding": 1, "in_channels": 96,
        "out_channels": 128, "factors": [3, 3, 96, 128], "weights": 110_592, "biases": 128,
        "macs": 110_592 * 784, "output_shape": [128, 28, 28],
    }  # fmt: skip


def test_toggles_choose_the_module(post: Post) -> None:
    naive = post("/api/inception", {"use_reductions": False, "use_pool_projection": False})["module"]
    assert naive["weights"] == 387_072
    assert naive["output_channels"] == 416
    assert [b["out_channels"] for b in naive["branches"]] == [64, 128, 32, 192]
    assert [len(b["layers"]) for b in naive["branches"]] == [1, 1, 1, 1]
    projected_only = post("/api/inception", {"use_reductions": False})["module"]
    assert projected_only["weights"] == 387_072 + 6_144
    assert projected_only["output_channels"] == 256


def test_edited_branches_and_torchvision_kernel(post: Post) -> None:
    body = {"height": 14, "width": 10, "in_channels": 480, "ch1x1": 192, "ch3x3red": 96, "ch3x3": 208}
    result = post("/api/inception", {**body, "ch5x5red": 16, "ch5x5": 48, "pool_proj": 64, "kernel_5x5": 3})
    module = result["module"]
    expected = 480 * 192 + (480 * 96 + 9 * 96 * 208) + (480 * 16 + 9 * 16 * 48) + 480 * 64
    assert module["weights"] == expected
    assert module["macs"] == expected * 14 * 10
    assert module["output_shape"] == [192 + 208 + 48 + 64, 14, 10]
    assert result["kernel_5x5"] == 3
    assert result["designs"][0]["weights"] == 480 * 192 + 9 * 480 * 208 + 9 * 480 * 48


def test_bottleneck(post: Post) -> None:
    result = post("/api/bottleneck", {})
    assert result["input_shape"] == [256, 56, 56]
    assert result["bottleneck"]["weights"] == 69_632
    assert result["plain"]["weights"] == 1_179_648
    assert result["weights_ratio"] == 0.059
    assert [layer["name"] for layer in result["bottleneck"]["layers"]] == ["1x1_reduce", "3x3", "1x1_expand"]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/inception", {"ch3x3": 0}, "ch3x3"),
        ("/api/inception", {"height": 5000}, "height"),
        ("/api/inception", {"in_channels": "192"}, "in_channels"),
        ("/api/inception", {"pool_proj": 3.0}, "pool_proj"),
        ("/api/inception", {"kernel_5x5": 7}, "kernel_5x5"),
        ("/api/inception", {"use_reductions": 1}, "use_reductions"),
        ("/api/inception", {"ch1x1s": 64}, "ch1x1s"),
        ("/api/bottleneck", {"bottleneck": -1}, "bottleneck"),
        ("/api/bottleneck", {"channels": 20_000}, "channels"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, url: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(url, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["field"] == field
    assert field in error["message"]
    assert error["code"] == "invalid_value"
