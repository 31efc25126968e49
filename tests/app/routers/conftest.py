"""Shared pieces of the operation endpoint tests: a client, a stream reader, torch comparisons.

A stream's last line is the result its frame generator assembled from the frames' own values; the
plain endpoint computes the same with the vectorised engine, whose sums run in another order. So
the two agree exactly in everything but floats, and in floats up to rounding
(:func:`assert_same_result`); the last line equals the replay of the frames exactly
(:func:`assert_replayed`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from engine import (
    replay_avg_pool2d,
    replay_avg_pool2d_backward,
    replay_batch_norm,
    replay_batch_norm_backward,
    replay_conv2d,
    replay_conv2d_backward,
    replay_conv_transpose2d,
    replay_max_pool2d,
    replay_max_pool2d_backward,
)

ATOL = 1e-6
ROUNDING = 1e-12  # relative and absolute: the plain and the streamed result differ by float rounding
NOT_OUTPUTS = ("op", "shapes", "inputs")

# Per op: the replay of its frames, the shapes it takes (named as in "shapes"), the outputs it gives.
REPLAYS: dict[str, tuple[Callable[..., Any], tuple[str, ...], tuple[str, ...]]] = {
    "conv2d": (replay_conv2d, ("output",), ("output",)),
    "conv2d_backward": (
        replay_conv2d_backward,
        ("input", "weight"),
        ("grad_input", "grad_weight", "grad_bias"),
    ),
    "conv_transpose2d": (replay_conv_transpose2d, ("output",), ("output",)),
    "max_pool2d": (replay_max_pool2d, ("output",), ("output", "indices")),
    "max_pool2d_backward": (replay_max_pool2d_backward, ("input",), ("grad_input",)),
    "avg_pool2d": (replay_avg_pool2d, ("output",), ("output",)),
    "avg_pool2d_backward": (replay_avg_pool2d_backward, ("input",), ("grad_input",)),
    "batch_norm": (replay_batch_norm, ("input",), ("output", "running_mean", "running_var")),
    "batch_norm_backward": (
        replay_batch_norm_backward,
        ("input",),
        ("grad_input", "grad_weight", "grad_bias"),
    ),
}


@dataclass
class Stream:
    header: dict[str, Any]
    frames: list[dict[str, Any]]
    result: dict[str, Any]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


@pytest.fixture(scope="module")
def post(client: TestClient) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """POST a body to a plain endpoint; the answer must be 200 JSON."""

    def run(url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(url, json=body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        content: dict[str, Any] = response.json()
        return content

    return run


@pytest.fixture(scope="module")
def stream(client: TestClient) -> Callable[[str, dict[str, Any]], Stream]:
    """POST a body to a /frames endpoint and check the stream's structure line by line:
    header first, frames numbered 0..n-1 and as many as announced, the result last."""

    def run(url: str, body: dict[str, Any]) -> Stream:
        response = client.post(url, json=body)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/x-ndjson"
        assert response.text.endswith("\n")
        lines = [json.loads(line) for line in response.text.splitlines()]
        header, *frames, result = lines
        assert header["type"] == "header"
        assert result["type"] == "result"
        assert all(frame["type"] == "frame" for frame in frames)
        assert [frame["index"] for frame in frames] == list(range(len(frames)))
        assert header["frame_count"] == len(frames)
        assert all(frame["op"] == header["op"] for frame in frames)
        del result["type"]
        return Stream(header, frames, result)

    return run


def assert_same_result(streamed: dict[str, Any], plain: dict[str, Any]) -> None:
    """A stream's result line against the plain endpoint's answer: the same keys, the same op,
    shapes and inputs and integer outputs (max pooling's indices) exactly, every float output
    within rel/abs 1e-12."""
    assert set(streamed) == set(plain)
    assert {key: streamed[key] for key in NOT_OUTPUTS} == {key: plain[key] for key in NOT_OUTPUTS}
    for name in set(plain) - set(NOT_OUTPUTS):
        expected = np.asarray(plain[name])
        actual = np.asarray(streamed[name])
        assert actual.shape == expected.shape, name
        if expected.dtype.kind == "f":
            np.testing.assert_allclose(actual, expected, rtol=ROUNDING, atol=ROUNDING, err_msg=name)
        else:
            assert streamed[name] == plain[name], name


def assert_replayed(lines: Stream) -> None:
    """The result line holds exactly what ``replay_*`` rebuilds from the stream's frames."""
    replay, shape_names, outputs = REPLAYS[lines.header["op"]]
    shapes = lines.result["shapes"]
    replayed = replay(lines.frames, *(shapes[name] for name in shape_names))
    arrays = replayed if isinstance(replayed, tuple) else (replayed,)
    for name, array in zip(outputs, arrays, strict=True):
        assert array.tolist() == lines.result[name], name


@pytest.fixture(scope="module")
def close() -> Callable[[Any, Any], None]:
    """Compare JSON nested lists with a torch tensor (or array) in float64 at ATOL."""

    def check(actual: Any, expected: Any) -> None:
        if isinstance(expected, torch.Tensor):
            expected = expected.detach().double().numpy()
        np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=0, atol=ATOL)

    return check


def as_torch(value: Any) -> torch.Tensor | None:
    return None if value is None else torch.tensor(value, dtype=torch.float64)


@pytest.fixture(scope="module")
def tensors() -> Callable[[dict[str, Any]], dict[str, torch.Tensor | None]]:
    """The inputs a result echoes (specs already generated), as float64 torch tensors."""

    def convert(result: dict[str, Any]) -> dict[str, torch.Tensor | None]:
        return {name: as_torch(value) for name, value in result["inputs"].items()}

    return convert


@pytest.fixture(scope="module")
def leaves_of(
    post: Callable[[str, dict[str, Any]], dict[str, Any]],
    tensors: Callable[[dict[str, Any]], dict[str, torch.Tensor | None]],
) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """The inputs of a forward request as the server uses them (specs generated), as torch leaves
    that require grad: what a backward test differentiates through."""

    def run(url: str, body: dict[str, Any]) -> dict[str, Any]:
        inputs = tensors(post(url, body))
        return {name: None if t is None else t.requires_grad_(True) for name, t in inputs.items()}

    return run


Expected = Callable[[dict[str, Any]], dict[str, torch.Tensor]]


@dataclass
class Checked:
    result: dict[str, Any]
    stream: Stream | None
    expected: dict[str, torch.Tensor]


@pytest.fixture(scope="module")
def against_torch(
    post: Callable[[str, dict[str, Any]], dict[str, Any]],
    stream: Callable[[str, dict[str, Any]], Stream],
    close: Callable[[Any, Any], None],
    tensors: Callable[[dict[str, Any]], dict[str, torch.Tensor | None]],
) -> Callable[..., Checked]:
    """One call per case, as tinygrad's helper_test_op: POST ``body`` to ``/api<path>``; every
    output ``expected(inputs)`` names (computed by torch from the inputs the answer echoes) must
    match at ATOL with torch's shape, and every input have its echoed shape. With ``frames``,
    ``/api<path>/frames`` as well: its last line is the plain answer up to float rounding, the
    replay of its frames exactly, and torch's outputs at ATOL; its header echoes the same inputs
    and shapes."""

    def run(path: str, body: dict[str, Any], expected_of: Expected, *, frames: bool = True) -> Checked:
        result = post(f"/api{path}", body)
        inputs = tensors(result)
        expected = expected_of(inputs)
        for name, value in expected.items():
            close(result[name], value)
            assert result["shapes"][name] == list(value.shape), name
        for name, array in inputs.items():
            assert result["shapes"][name] == (None if array is None else list(array.shape)), name
        if not frames:
            return Checked(result, None, expected)
        lines = stream(f"/api{path}/frames", body)
        assert_same_result(lines.result, result)
        assert_replayed(lines)
        for name, value in expected.items():
            close(lines.result[name], value)
        assert lines.header["inputs"] == result["inputs"]
        assert lines.header["shapes"] == result["shapes"]
        return Checked(result, lines, expected)

    return run
