"""Shared pieces of the operation endpoint tests: a client, a stream reader, torch comparisons."""

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

ATOL = 1e-6


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
