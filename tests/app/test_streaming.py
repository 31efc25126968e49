"""Streams against a real server on the loopback: the header leaves before any frame is computed,
the frames are computed off the event loop, and a chunked body is counted as it arrives."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Generator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

import app.ops.conv
from app.main import create_app
from app.settings import Settings

BODY = {"input": {"shape": [1, 3, 32, 32], "kind": "floats"}, "weight": {"shape": [8, 3, 3, 3]}, "padding": 1}
SMALL = {"input": {"shape": [1, 1, 6, 6]}, "weight": {"shape": [2, 1, 3, 3]}}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """uvicorn serving the app on a free loopback port, in a thread, for this module."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(Settings(max_body_bytes=5000)), log_level="warning", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert instance.started
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_header_is_sent_before_any_frame_is_computed(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    seen: dict[str, Any] = {}
    real = app.ops.conv.conv2d_plan_frames

    def gated_frames(*args: Any, **kwargs: Any) -> Generator[dict[str, Any], None, Any]:
        try:
            asyncio.get_running_loop()
            seen["on_event_loop"] = True
        except RuntimeError:
            seen["on_event_loop"] = False
        seen["released"] = gate.wait(timeout=20)
        return (yield from real(*args, **kwargs))  # the frames, then the result they assembled

    monkeypatch.setattr(app.ops.conv, "conv2d_plan_frames", gated_frames)
    with (
        httpx.Client(base_url=server, timeout=30) as client,
        client.stream("POST", "/api/conv2d/frames", json=SMALL) as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()
        header = json.loads(next(lines))
        # The frame generator is still blocked, and the server still answers other requests.
        assert not gate.is_set()
        assert header["type"] == "header"
        assert header["frame_count"] == 2 * 4 * 4
        assert httpx.get(server + "/healthz", timeout=5).json() == {"status": "ok"}
        gate.set()
        rest = [json.loads(line) for line in lines]
    assert seen == {"on_event_loop": False, "released": True}
    assert len(rest) == 2 * 4 * 4 + 1
    assert rest[-1]["type"] == "result"


def test_stream_timing(server: str) -> None:
    """Time to the header line and frames per second for 1x3x32x32 with eight 3x3 kernels."""
    start = time.perf_counter()
    with (
        httpx.Client(base_url=server, timeout=60) as client,
        client.stream("POST", "/api/conv2d/frames", json=BODY) as response,
    ):
        lines = response.iter_lines()
        next(lines)
        to_header = time.perf_counter() - start
        count = sum(1 for line in lines if line.startswith('{"type":"frame"'))
    total = time.perf_counter() - start
    rate = count / total
    print(f"\nheader after {to_header * 1000:.1f} ms; {count} frames in {total:.2f} s = {rate:,.0f} frames/s")
    assert count == 8192
    assert to_header < 2.0  # about 50 ms on an idle machine
    assert to_header < total / 2


def test_chunked_body_over_the_limit_is_refused(server: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 1000

    response = httpx.post(
        server + "/api/conv2d", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"]["limit"] == {"name": "max_body_bytes", "value": 5000}
