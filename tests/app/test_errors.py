"""Every kind of bad input gets a 4xx JSON error naming the problem, never a 500 or a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

PLANE = [[[1, 2, 0], [0, 1, 3], [2, 2, 1]]]
KERNEL = [[[[1, 0], [0, -1]]]]
SEEDED = {"input": {"shape": [1, 1, 5, 5]}, "weight": {"shape": [1, 1, 3, 3]}}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert "Traceback" not in response.text
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert {"code", "message", "field"} <= set(error)
    return error


# Values and shapes that break a rule: 422, naming the field and the rule.
INVALID = [
    ("/api/conv2d", SEEDED | {"stride": 0}, "stride", "stride 0 must be at least 1"),
    ("/api/conv2d", SEEDED | {"stride": [1, 0]}, "stride", "stride[1] 0 must be at least 1"),
    ("/api/conv2d", SEEDED | {"padding": -1}, "padding", "padding -1 must be at least 0"),
    (
        "/api/conv2d",
        SEEDED | {"padding": "full"},
        "padding",
        "padding must be an integer or a list or one of",
    ),
    ("/api/conv2d", SEEDED | {"stride": [1, 2, 3]}, "stride", "stride must have at most 2 entries, got 3"),
    ("/api/conv2d", SEEDED | {"stride": "2"}, "stride", 'stride must be an integer or a list, got "2"'),
    ("/api/conv2d", SEEDED | {"stride": 1.5}, "stride", "stride must be an integer or a list, got 1.5"),
    ("/api/conv2d", SEEDED | {"groups": True}, "groups", "groups must be an integer, got true"),
    (
        "/api/conv2d",
        SEEDED | {"padding_mode": "mirror"},
        "padding_mode",
        "padding_mode must be one of 'zeros'",
    ),
    ("/api/conv2d", SEEDED | {"activation": "gelu"}, "activation", "activation must be one of 'none'"),
    ("/api/conv2d", SEEDED | {"strides": 2}, "strides", "strides is not a field of this operation"),
    ("/api/conv2d", {"weight": KERNEL}, "input", "input is required"),
    ("/api/conv2d", SEEDED | {"padding": "same", "stride": 2}, "padding", "padding 'same' needs stride 1"),
    (
        "/api/conv2d",
        {"input": PLANE, "weight": [[[[1] * 5] * 5]]},
        "weight",
        "kernel 5 is larger than the padded input 3",
    ),
    (
        "/api/conv2d",
        {"input": {"shape": [1, 3, 4, 4]}, "weight": {"shape": [2, 2, 3, 3]}},
        "weight",
        "the input has 3",
    ),
    (
        "/api/conv2d",
        {"input": {"shape": [4, 4, 4]}, "weight": {"shape": [2, 2, 3, 3]}, "groups": 3},
        "groups",
        "by groups 3",
    ),
    ("/api/conv2d", {"input": PLANE, "weight": KERNEL, "bias": [1, 2]}, "bias", "bias must have shape (1,)"),
    (
        "/api/conv2d",
        {"input": [[1, 2], [3, 4]], "weight": KERNEL},
        "input",
        "input must have shape (C, H, W) or (N, C",
    ),
    (
        "/api/conv2d",
        {"input": PLANE, "weight": [[1, 0], [0, 1]]},
        "weight",
        "weight must have shape (out_channels, in",
    ),
    (
        "/api/conv2d",
        {"input": [[[1, 2], [3]]], "weight": KERNEL},
        "input",
        "input[0][1] has 1 entry but input[0][0]",
    ),
    (
        "/api/conv2d",
        {"input": [[[1, 2], 3]], "weight": KERNEL},
        "input",
        "input[0][1] is 3 where a list of 2",
    ),
    (
        "/api/conv2d",
        {"input": [[[1, [2]]]], "weight": KERNEL},
        "input",
        "input[0][0][1] is a list where a number",
    ),
    (
        "/api/conv2d",
        {"input": [[[1, "2"]]], "weight": KERNEL},
        "input",
        'input[0][0][1] is "2", not a number',
    ),
    (
        "/api/conv2d",
        {"input": [[[1, True]]], "weight": KERNEL},
        "input",
        "input[0][0][1] is true, not a number",
    ),
    (
        "/api/conv2d",
        {"input": [[[1, None]]], "weight": KERNEL},
        "input",
        "input[0][0][1] is null, not a number",
    ),
    ("/api/conv2d", {"input": [[[]]], "weight": KERNEL}, "input", "every size must be at least 1"),
    (
        "/api/conv2d",
        {"input": [[[1e300]]], "weight": KERNEL},
        "input",
        "beyond the limit max_abs_value = 1e+12",
    ),
    ("/api/conv2d", {"input": {"shape": [1, 3]}, "weight": KERNEL}, "input", "got 2-D shape [1, 3]"),
    (
        "/api/conv2d",
        {"input": {"shape": [1, 0, 3]}, "weight": KERNEL},
        "input",
        "input.shape[1] 0 must be at least 1",
    ),
    (
        "/api/conv2d",
        {"input": {"shape": [3, 3, 3], "kind": "noise"}, "weight": KERNEL},
        "input",
        "input.kind must be",
    ),
    (
        "/api/conv2d",
        {"input": {"shape": [3, 3, 3], "size": 3}, "weight": KERNEL},
        "input",
        "input.size is not a field",
    ),
    (
        "/api/conv2d",
        {"input": PLANE, "weight": {"shape": [1, 1, 2, 2], "kind": "sobel_x"}},
        "weight",
        "between 3",
    ),
    (
        "/api/conv2d",
        {"input": PLANE, "weight": {"shape": [1, 1, 2, 2], "kind": "gaussian"}},
        "weight",
        "must be odd",
    ),
    (
        "/api/conv2d",
        {"input": PLANE, "weight": {"shape": [1, 1, 3, 2], "kind": "sobel_x"}},
        "weight",
        "square",
    ),
    (
        "/api/conv2d",
        {"input": PLANE, "weight": KERNEL, "bias": {"shape": [1], "low": 3, "high": 1}},
        "bias",
        "low 3",
    ),
    (
        "/api/conv2d/backward",
        SEEDED | {"grad_output": {"shape": [1, 1, 2, 2]}},
        "grad_output",
        "grad_output shape (1, 1, 2, 2) does not match the output shape (1, 1, 3, 3)",
    ),
    ("/api/conv2d/backward", SEEDED, "grad_output", "grad_output is required"),
    ("/api/conv2d/backward", SEEDED | {"grad_output": [1], "bias": [1]}, "bias", "not a field"),
    (
        "/api/conv-transpose2d",
        {"input": PLANE, "weight": KERNEL, "output_padding": 1},
        "output_padding",
        "smaller",
    ),
    (
        "/api/conv-transpose2d/backward",
        {"input": PLANE, "weight": KERNEL, "grad_output": {"shape": [1, 2, 2]}},
        "grad_output",
        "grad_output must have the conv_transpose2d output's shape [1, 4, 4]",
    ),
    ("/api/max-pool2d", {"input": PLANE}, "kernel_size", "kernel_size is required"),
    (
        "/api/max-pool2d",
        {"input": PLANE, "kernel_size": 0},
        "kernel_size",
        "kernel_size 0 must be at least 1",
    ),
    (
        "/api/max-pool2d",
        {"input": PLANE, "kernel_size": 2, "padding": 2},
        "padding",
        "at most half the kernel",
    ),
    (
        "/api/max-pool2d",
        {"input": PLANE, "kernel_size": 4},
        "kernel_size",
        "kernel 4 is larger than the padded input 3",
    ),
    (
        "/api/max-pool2d",
        {"input": PLANE, "kernel_size": 2, "ceil_mode": 1},
        "ceil_mode",
        "must be true or false",
    ),
    (
        "/api/max-pool2d/backward",
        {"input": PLANE, "kernel_size": 2, "grad_output": [[[1, 2], [3, 4]]]},
        "grad_output",
        "grad_output must have the output's shape (1, 1, 1, 1), got shape (1, 2, 2)",
    ),
    ("/api/avg-pool2d", {"input": PLANE, "kernel_size": 2, "dilation": 2}, "dilation", "not a field"),
    ("/api/batch-norm", {"input": PLANE}, "input", "input must have shape (N, C, H, W), got 3-D shape"),
    ("/api/batch-norm", {"input": [[[[1.0]]]], "training": True}, "input", "more than 1 value per channel"),
    (
        "/api/batch-norm",
        {"input": {"shape": [2, 2, 1, 1]}, "running_var": [-1, 1]},
        "running_var",
        "negative",
    ),
    (
        "/api/batch-norm",
        {"input": {"shape": [2, 2, 1, 1]}, "running_mean": [0, 0, 0]},
        "running_mean",
        "shape (2,)",
    ),
    ("/api/batch-norm", {"input": {"shape": [2, 2, 1, 1]}, "eps": 0}, "eps", "eps 0 must be greater than 0"),
    ("/api/batch-norm", {"input": {"shape": [2, 2, 1, 1]}, "momentum": 2}, "momentum", "must be at most 1"),
    (
        "/api/batch-norm/backward",
        {"input": {"shape": [2, 2, 1, 1]}, "grad_output": [1]},
        "grad_output",
        "got 1-D",
    ),
]


@pytest.mark.parametrize(("url", "body", "field", "words"), INVALID)
def test_invalid_values_are_422_naming_field_and_rule(
    client: TestClient, url: str, body: Any, field: str | None, words: str
) -> None:
    error = error_of(client.post(url, json=body), 422)
    assert words in error["message"]
    assert error["field"] == field
    if url.endswith(("conv2d", "max-pool2d", "batch-norm")):  # the stream refuses the same way
        assert client.post(url + "/frames", json=body).json() == {"error": error}


# A rule of the engine: its code and the numbers its message quotes, so a page can say it again.
RULES = [
    (
        "/api/conv2d",
        {"input": PLANE, "weight": [[[[1] * 5] * 5]]},
        ("invalid_value", "weight", "kernel_too_large", {"kernel": 5, "padded_input": 3}),
    ),
    (
        "/api/conv2d/frames",
        {"input": {"shape": [4, 4, 4]}, "weight": {"shape": [2, 2, 3, 3]}, "groups": 3},
        ("invalid_value", "groups", "not_divisible_by_groups", {"channels": 4, "groups": 3}),
    ),
    (
        "/api/conv-transpose2d",
        {"input": PLANE, "weight": KERNEL, "output_padding": 1},
        (
            "invalid_value",
            "output_padding",
            "output_padding_too_large",
            {"output_padding": 1, "stride": 1, "dilation": 1},
        ),
    ),
    (
        "/api/conv-transpose2d/backward",
        {"input": PLANE, "weight": KERNEL, "grad_output": {"shape": [1, 2, 2]}},
        ("invalid_value", "grad_output", "shape_mismatch", {"shape": [1, 2, 2], "expected": [1, 4, 4]}),
    ),
    (
        "/api/max-pool2d/frames",
        {"input": PLANE, "kernel_size": 2, "padding": 2},
        ("invalid_value", "padding", "padding_too_large", {"padding": 2, "kernel": 2}),
    ),
    (
        "/api/max-pool2d/backward",
        {"input": PLANE, "kernel_size": 2, "grad_output": [[[1, 2], [3, 4]]]},
        ("invalid_value", "grad_output", "shape_mismatch", {"expected": [1, 1, 1, 1], "shape": [1, 2, 2]}),
    ),
    (
        "/api/batch-norm",
        {"input": {"shape": [2, 2, 1, 1]}, "running_var": [-1, 1]},
        ("invalid_value", "running_var", "negative_variance", {"running_var": [-1.0, 1.0]}),
    ),
    (
        "/api/batch-norm/frames",
        {"input": [[[[1.0]]]], "training": True},
        ("invalid_value", "input", "too_few_values", {"count": 1}),
    ),
    (
        "/api/receptive-field",
        {"input_size": 6, "layers": [{"type": "conv", "kernel_size": 3}, {"type": "conv", "kernel_size": 7}]},
        ("invalid_layer", "layers[1]", "kernel_too_large", {"kernel": 7, "padded_input": 4}),
    ),
    (
        "/api/receptive-field",
        {"input_size": 8, "layers": [{"type": "conv", "kernel_size": 3, "stride": 2, "padding": "same"}]},
        ("invalid_layer", "layers[0]", "same_needs_stride_1", {"stride": [2, 2]}),
    ),
    (
        "/api/batch-norm/steps",
        {"inputs": [{"shape": [2, 2, 2, 2]}, {"shape": [2, 3, 2, 2]}]},
        ("invalid_value", "inputs", "channel_mismatch", {"channels": 3, "expected": 2}),
    ),
    (
        "/api/batch-norm/steps",
        {"inputs": [{"shape": [1, 1, 1, 1]}]},
        ("invalid_value", "inputs", "too_few_values", {"count": 1}),
    ),
]


@pytest.mark.parametrize(("url", "body", "expected"), RULES)
def test_an_engine_refusal_carries_its_rule_and_values(
    client: TestClient, url: str, body: Any, expected: tuple[str, str, str, dict[str, Any]]
) -> None:
    error = error_of(client.post(url, json=body), 422)
    assert (error["code"], error["field"], error["rule"], error["values"]) == expected


def test_a_schema_refusal_has_no_engine_rule(client: TestClient) -> None:
    error = error_of(client.post("/api/conv2d", json=SEEDED | {"stride": 0}), 422)
    assert "rule" not in error
    assert "values" not in error


# Bodies that are not (acceptable) JSON: 400 before any parsing into tensors.
NOT_JSON = [
    (b'{"input": [1, 2,}', "malformed_json", "the body is not valid JSON: Expecting value (at character 16)"),
    (b'{"input": [[[NaN]]], "weight": [[[[1]]]]}', "non_finite_number", "contains NaN"),
    (b'{"input": [[[Infinity]]], "weight": [[[[1]]]]}', "non_finite_number", "contains Infinity"),
    (b'{"input": [[[-Infinity]]], "weight": [[[[1]]]]}', "non_finite_number", "contains Infinity"),
    (b"[" * 100_000 + b"]" * 100_000, "json_too_deep", "nested more than 8 levels deep"),
    (b'{"a": ' * 9 + b"1" + b"}" * 9, "json_too_deep", "max_json_depth = 8"),
    (b"\xff\xfe not utf-8", "malformed_json", "not valid JSON"),
]


@pytest.mark.parametrize(("raw", "code", "words"), NOT_JSON)
def test_bodies_that_are_not_json_are_400(client: TestClient, raw: bytes, code: str, words: str) -> None:
    response = client.post("/api/conv2d", content=raw, headers={"content-type": "application/json"})
    error = error_of(response, 400)
    assert error["code"] == code
    assert words in error["message"]


def test_nan_inside_a_string_is_only_a_string(client: TestClient) -> None:
    raw = json.dumps({"input": "NaN [[[[[[[[[[", "weight": KERNEL}).encode()
    error = error_of(
        client.post("/api/conv2d", content=raw, headers={"content-type": "application/json"}), 422
    )
    assert error["field"] == "input"


def test_a_huge_exponent_is_infinity_and_refused(client: TestClient) -> None:
    raw = b'{"input": [[[1e400]]], "weight": [[[[1]]]]}'
    error = error_of(
        client.post("/api/conv2d", content=raw, headers={"content-type": "application/json"}), 422
    )
    assert error["code"] == "value_too_large"
    assert "input[0][0][0] is inf" in error["message"]
    raw = b'{"input": [[[1]]], "weight": [[[[1]]]], "eps": 1e400}'
    error = error_of(
        client.post("/api/batch-norm", content=raw, headers={"content-type": "application/json"}), 422
    )


def test_body_must_be_a_json_object(client: TestClient) -> None:
    error = error_of(client.post("/api/conv2d", json=[1, 2]), 422)
    assert "must be an object" in error["message"]
    error = error_of(client.post("/api/conv2d"), 422)
    assert "needs a JSON object body" in error["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_not_sent_as_json_is_415(client: TestClient, content_type: str | None) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    raw = json.dumps({"input": PLANE, "weight": KERNEL})
    error = error_of(client.post("/api/conv2d", content=raw, headers=headers), 415)
    assert error["code"] == "unsupported_media_type"
    assert "Content-Type: application/json" in error["message"]
    assert (content_type or "no content type") in error["message"]


def test_wrong_url_and_method_answer_in_the_same_shape(client: TestClient) -> None:
    error = error_of(client.post("/api/conv3d", json={}), 404)
    assert error["code"] == "not_found"
    assert "POST /api/conv3d" in error["message"]
    error = error_of(client.get("/api/conv2d"), 405)
    assert error["code"] == "method_not_allowed"


# Limits: 413 naming the limit and its value.


def limited(**limits: int) -> TestClient:
    return TestClient(create_app(Settings(**limits)))


def test_body_over_max_body_bytes_with_content_length() -> None:
    client = limited(max_body_bytes=1000)
    body = {"input": [[[0.5] * 300]], "weight": KERNEL}
    error = error_of(client.post("/api/conv2d", json=body), 413)
    assert error["code"] == "limit_exceeded"
    assert error["limit"] == {"name": "max_body_bytes", "value": 1000}
    assert "bytes declared) is larger than the limit max_body_bytes = 1,000 bytes" in error["message"]


def test_body_over_max_body_bytes_without_content_length() -> None:
    client = limited(max_body_bytes=1000)

    def chunks() -> Any:
        yield from [b" " * 100] * 1000

    response = client.post("/api/conv2d", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    error = error_of(response, 413)
    assert "bytes sent) is larger than the limit max_body_bytes = 1,000 bytes" in error["message"]
    assert error["limit"] == {"name": "max_body_bytes", "value": 1000}


def test_tensor_over_max_tensor_elements() -> None:
    client = limited(max_tensor_elements=100)
    error = error_of(
        client.post("/api/conv2d", json={"input": {"shape": [1, 1, 11, 10]}, "weight": KERNEL}), 413
    )
    assert error["limit"] == {"name": "max_tensor_elements", "value": 100}
    assert (
        "input has 110 values (shape [1, 1, 11, 10]), more than the limit max_tensor_elements = 100"
        in (error["message"])
    )
    body = {"input": [[[1.0] * 11] * 10], "weight": KERNEL}
    assert error_of(client.post("/api/conv2d", json=body), 413)["field"] == "input"
    body = {
        "input": [[[1, 2], [3, 4]]],
        "weight": [[[[1] * 8] * 8]],
        "stride": 8,
    }  # a 64-value weight is fine,
    error = error_of(client.post("/api/conv-transpose2d", json=body), 413)  # but the output would have 256
    assert "the result output would have 256 values" in error["message"]


def test_stream_over_max_frames_is_refused_before_streaming() -> None:
    client = limited(max_frames=24)
    body = {"input": {"shape": [1, 1, 7, 7]}, "weight": {"shape": [1, 1, 3, 3]}}
    error = error_of(client.post("/api/conv2d/frames", json=body), 413)
    assert error["message"] == "this conv2d stream would have 25 frames, more than the limit max_frames = 24"
    assert error["limit"] == {"name": "max_frames", "value": 24}
    assert client.post("/api/conv2d", json=body).status_code == 200  # the plain result has no frames


def test_work_limits() -> None:
    client = limited(max_work=1000, max_stream_work=100)
    body = {"input": {"shape": [1, 1, 7, 7]}, "weight": {"shape": [1, 1, 3, 3]}}  # 25 x 9 = 225
    error = error_of(client.post("/api/conv2d/frames", json=body), 413)
    assert error["limit"] == {"name": "max_stream_work", "value": 100}
    assert client.post("/api/conv2d", json=body).status_code == 200
    body = {
        "input": {"shape": [1, 1, 12, 12]},
        "weight": {"shape": [1, 1, 3, 3]},
    }  # 100 x 9 = 900, backward 1800
    assert client.post("/api/conv2d", json=body).status_code == 200
    body |= {"grad_output": {"shape": [1, 1, 10, 10], "kind": "ones"}}
    error = error_of(client.post("/api/conv2d/backward", json=body), 413)
    assert "needs about 1,800 multiply-adds, more than the limit max_work = 1,000" in error["message"]


def test_unexpected_failure_is_a_plain_500(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.ops.pool

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.ops.pool, "avg_pool2d", broken)
    client = TestClient(create_app(Settings()), raise_server_exceptions=False)
    response = client.post("/api/avg-pool2d", json={"input": PLANE, "kernel_size": 2})
    error = error_of(response, 500)
    assert error["code"] == "internal_error"
    assert "secret" not in response.text


def test_failure_mid_stream_ends_with_an_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.ops.pool

    real = app.ops.pool.avg_pool2d_plan_frames

    def broken(*args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield from real(*args, **kwargs)  # every frame, then a fault before the result line
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.ops.pool, "avg_pool2d_plan_frames", broken)
    client = TestClient(create_app(Settings()))
    response = client.post("/api/avg-pool2d/frames", json={"input": PLANE, "kernel_size": 2})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert lines[0]["type"] == "header"
    assert [line["type"] for line in lines[1:-1]] == ["frame"]
    assert lines[-1]["type"] == "error"
    assert lines[-1]["error"]["code"] == "internal_error"
    assert "secret" not in response.text
