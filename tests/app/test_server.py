"""Hostile clients against real servers over loopback sockets (app/server.py, app/production.py).

Most tests start ``python -m app.production`` with 2 workers and short timeouts (header 2 s, body
and send 1 s); the ones that need a connection limit of a few, a failing route or a host list run
Uvicorn with the same protocol in a thread. Every loop here is bounded in count and in time.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest
import uvicorn

from app.main import create_app
from app.server import HIGH_WATER, PROGRESS_BYTES, SLICE, ConvScopeProtocol, Timeouts
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 1.0
SEND_TIMEOUT = 1.0
# Allowance for a loaded 2-core machine on top of each timeout.
MARGIN = 2.0
STARTED = re.compile(r"Started server process \[(\d+)\]")
IDLE_SOCKETS = 1_100  # more than the 2 x 512 connections two workers allow
# One frame of a million multiply-adds: 37 MB of NDJSON (header 9 MB, frame 19 MB, result 9 MB).
BIG_STREAM = {
    "input": {"shape": [1, 1, 1000, 1000], "kind": "integers", "seed": 1},
    "weight": {"shape": [1, 1, 1000, 1000], "kind": "integers", "seed": 2},
}
# Above BIG_STREAM's estimated size, so max_response_bytes lets it through in these tests.
LARGE_RESPONSES = 200_000_000
# The same with 90,000 multiply-adds: 3.3 MB, every line larger than a write slice.
MEDIUM_STREAM = {
    "input": {"shape": [1, 1, 300, 300], "kind": "integers", "seed": 1},
    "weight": {"shape": [1, 1, 300, 300], "kind": "integers", "seed": 2},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, list[int]]]:
    """``python -m app.production`` with 2 workers and short timeouts; yields (port, worker pids)."""
    port = free_port()
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    env = {
        **os.environ,
        "CONVSCOPE_WORKERS": "2",
        "CONVSCOPE_REQUEST_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        "CONVSCOPE_REQUEST_BODY_TIMEOUT": str(BODY_TIMEOUT),
        "CONVSCOPE_SEND_TIMEOUT": str(SEND_TIMEOUT),
        # These tests are about the transport: let the 37 MB stream through the answer-size limit.
        "CONVSCOPE_MAX_RESPONSE_BYTES": str(LARGE_RESPONSES),
    }
    command = [sys.executable, "-m", "app.production", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while len(workers := [int(pid) for pid in STARTED.findall(log.read_text())]) < 2:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the workers did not start within 90 s:\n" + log.read_text()
            time.sleep(0.2)
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield port, workers
    finally:
        process.terminate()
        process.wait(timeout=30)


# Raw sockets


def connect(port: int, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:  # before connecting, so the window the server sees is small
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return sock


# Linux's TCP states (include/net/tcp_states.h): closed after a reset, or after the peer's FIN.
TCP_CLOSE, TCP_CLOSE_WAIT = 7, 8


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed the connection (FIN or reset); reads nothing from it."""
    state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    return state in (TCP_CLOSE, TCP_CLOSE_WAIT)


def parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def assert_security_headers(headers: dict[str, str] | httpx.Headers) -> None:
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "frame-ancestors 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "SAMEORIGIN"
    policy = headers["permissions-policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def assert_refusal(raw: bytes, status: int, code: str) -> str:
    """A server refusal: the status, the JSON error shape, the security headers, the connection closed."""
    got, headers, body = parse(raw)
    assert got == status, raw[:300]
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    assert_security_headers(headers)
    error = json.loads(body)["error"]
    assert error["code"] == code
    assert error["field"] is None
    message: str = error["message"]
    return message


# Item 4: slow headers, slow bodies, idle connections


def dribble(sock: socket.socket, data: bytes, interval: float, seconds: float) -> tuple[bytes, float]:
    """Send ``data`` a byte per ``interval`` until the server closes; what it sent, and when it closed."""
    start = time.monotonic()
    chunks = []
    pending = iter(data)
    sock.settimeout(interval)
    while time.monotonic() - start < seconds:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            byte = next(pending, None)
            if byte is not None:
                with suppress(BrokenPipeError, ConnectionResetError):
                    sock.sendall(bytes([byte]))
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    else:
        pytest.fail(f"the server kept the connection open for {seconds} s")
    return b"".join(chunks), time.monotonic() - start


def test_idle_sockets_no_longer_lock_out_a_learner(server: tuple[int, list[int]]) -> None:
    port, _ = server
    with ExitStack() as stack:
        idle = [stack.enter_context(connect(port)) for _ in range(IDLE_SOCKETS)]
        opened = time.monotonic()
        # Each worker holds more than its 512 connections; connections waiting make room.
        statuses = [httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code for _ in range(3)]
        held = sum(not closed_by_server(sock) for sock in idle)
        answered_after = time.monotonic() - opened
        assert statuses == [200, 200, 200]
        if answered_after < HEADER_TIMEOUT:  # (on a very slow machine the timeout may have passed)
            assert held > IDLE_SOCKETS // 2, "answered while the idle sockets were held"
        deadline = opened + HEADER_TIMEOUT + MARGIN
        open_ones = idle
        while open_ones and time.monotonic() < deadline:
            time.sleep(0.1)
            open_ones = [sock for sock in open_ones if not closed_by_server(sock)]
        assert not open_ones, f"{len(open_ones)} idle sockets still open after {HEADER_TIMEOUT + MARGIN} s"


def test_an_idle_connection_is_closed_without_an_answer(server: tuple[int, list[int]]) -> None:
    with connect(server[0]) as sock:
        answer, seconds = dribble(sock, b"", 0.1, HEADER_TIMEOUT + MARGIN)
    assert answer == b""
    assert HEADER_TIMEOUT - 0.2 <= seconds <= HEADER_TIMEOUT + MARGIN


@pytest.mark.parametrize("interval", [None, 0.2], ids=["stalled", "a byte every 0.2 s"])
def test_slow_headers_get_408(server: tuple[int, list[int]], interval: float | None) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
    with connect(server[0]) as sock:
        sock.sendall(request[:20])
        rest = request[20:] if interval else b""  # 230 bytes at 5 per second: still sending at the cut
        answer, seconds = dribble(sock, rest, interval or 0.1, HEADER_TIMEOUT + MARGIN)
    assert "request_header_timeout" in assert_refusal(answer, 408, "request_timeout")
    assert HEADER_TIMEOUT - 0.2 <= seconds <= HEADER_TIMEOUT + MARGIN


def test_slow_headers_of_a_later_request_on_a_kept_alive_connection_get_408(
    server: tuple[int, list[int]],
) -> None:
    with connect(server[0]) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        first = b""
        while not first.endswith(b'{"status":"ok"}'):  # one small answer: a few reads at most
            chunk = sock.recv(65536)
            assert chunk, first
            first += chunk
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: loc")
        answer, seconds = dribble(sock, b"", 0.1, HEADER_TIMEOUT + MARGIN)
    assert parse(first)[0] == 200
    assert "request_header_timeout" in assert_refusal(answer, 408, "request_timeout")
    assert HEADER_TIMEOUT - 0.2 <= seconds <= HEADER_TIMEOUT + MARGIN


@pytest.mark.parametrize("interval", [None, 0.2], ids=["stalled", "a byte every 0.2 s"])
def test_slow_bodies_get_408(server: tuple[int, list[int]], interval: float | None) -> None:
    head = (
        b"POST /api/max-pool2d HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: 500\r\n\r\n"
    )
    with connect(server[0]) as sock:
        sock.sendall(head + b'{"input": ')
        rest = b" " * 400 if interval else b""  # far below PROGRESS_BYTES per timeout
        answer, seconds = dribble(sock, rest, interval or 0.1, BODY_TIMEOUT + MARGIN)
    assert PROGRESS_BYTES > 5 * (BODY_TIMEOUT + MARGIN)
    assert "request_body_timeout" in assert_refusal(answer, 408, "request_timeout")
    assert BODY_TIMEOUT - 0.2 <= seconds <= BODY_TIMEOUT + MARGIN


def test_a_steady_upload_is_not_cut_off(server: tuple[int, list[int]]) -> None:
    """2 kB every 0.25 s (8 kB/s): the body takes longer than the body timeout and is served."""
    data = json.dumps(
        {"input": [[[float(i % 7) for i in range(64)] for _ in range(64)]], "kernel_size": 2}
    ).encode()
    head = (
        b"POST /api/max-pool2d HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(data)
    )
    with connect(server[0]) as sock:
        sock.sendall(head)
        start = time.monotonic()
        for offset in range(0, len(data), 2048):  # about 10 pieces
            time.sleep(0.25)
            sock.sendall(data[offset : offset + 2048])
        answer, _ = dribble(sock, b"", 0.1, 10)
    assert time.monotonic() - start > 2 * BODY_TIMEOUT
    assert parse(answer)[0] == 200, answer[:300]


# Item 5: a stalled reader of a big stream


def worker_rss_mb(pids: list[int]) -> int:
    """The resident memory of the worker processes together, in MB."""
    total = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        assert status.exists(), f"worker {pid} is gone: restarted by the supervisor, which frees memory too"
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) // 1024
    return total


def stalled_stream(port: int) -> socket.socket:
    """Ask for the big stream on a socket with a 4 kB window, and never read it."""
    sock = connect(port, receive_buffer=4096)
    body = json.dumps(BIG_STREAM).encode()
    sock.sendall(
        b"POST /api/conv2d/frames HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    return sock


def test_stalled_readers_are_dropped_and_their_memory_freed(server: tuple[int, list[int]]) -> None:
    """Two waves of 2 stalled readers of the big stream: each is dropped, and the second wave reuses
    the first one's memory. Before, each stalled reader kept about 250 MB alive for as long as it
    stayed connected, so two waves held about 1 GB.
    """
    port, workers = server
    before = worker_rss_mb(workers)
    after_waves = []
    peak = before
    for _ in range(2):
        with ExitStack() as stack:
            readers = [stack.enter_context(stalled_stream(port)) for _ in range(2)]
            start = time.monotonic()
            deadline = start + 30  # computing the header lines, then send_timeout
            while readers and time.monotonic() < deadline:
                time.sleep(0.25)
                peak = max(peak, worker_rss_mb(workers))
                readers = [sock for sock in readers if not closed_by_server(sock)]
            assert not readers, f"{len(readers)} stalled readers still connected after 30 s"
        time.sleep(0.5)
        after_waves.append(worker_rss_mb(workers))
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    assert after_waves[1] <= after_waves[0] + 150, (before, after_waves, peak)
    assert after_waves[1] - before <= 600, (before, after_waves, peak)


def test_a_reader_that_reads_gets_the_whole_stream_in_slices(server: tuple[int, list[int]]) -> None:
    base = f"http://127.0.0.1:{server[0]}/api/conv2d"
    with httpx.stream("POST", f"{base}/frames", json=MEDIUM_STREAM, timeout=60) as response:
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert [line["type"] for line in lines] == ["header", "frame", "result"]
    plain = httpx.post(base, json=MEDIUM_STREAM, timeout=60).json()
    assert lines[2]["output"] == plain["output"] == [[[[lines[1]["output"]]]]]


# Item 9: redirects and hosts


def raw_exchange(port: int, request: bytes, seconds: float = 10) -> bytes:
    with connect(port) as sock:
        sock.sendall(request)
        answer, _ = dribble(sock, b"", 0.1, seconds)
    return answer


def test_a_trailing_slash_redirect_does_not_reflect_the_host(server: tuple[int, list[int]]) -> None:
    answer = raw_exchange(
        server[0], b"GET /conv/?lang=zh HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    )
    status, headers, _ = parse(answer)
    assert status == 307
    assert headers["location"] == "/conv?lang=zh"
    assert b"evil.example" not in answer


# Item 10: the server's own answers


def test_an_unparseable_request_is_a_json_400(server: tuple[int, list[int]]) -> None:
    answer = raw_exchange(server[0], b"GARBAGE <script>\r\n\r\n")
    message = assert_refusal(answer, 400, "bad_request")
    assert "not valid HTTP/1.1" in message
    assert b"<script>" not in answer


# Item 12: Content-Length with Transfer-Encoding


def test_h11_alone_frames_such_a_request_by_transfer_encoding() -> None:
    """What the refusal guards against: h11 accepts the request and reads on past its body."""
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(
        b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    assert isinstance(conn.next_event(), h11.Request)
    assert isinstance(conn.next_event(), h11.EndOfMessage)  # Content-Length 40 ignored


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 4\r\nTransfer-Encoding: chunked",
        b"Transfer-Encoding: chunked\r\nContent-Length: 50",
    ],
)
def test_a_request_with_both_lengths_is_refused_and_nothing_after_it_served(
    server: tuple[int, list[int]], framing: bytes
) -> None:
    hidden = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
    request = (
        b"POST /api/max-pool2d HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + framing
        + b"\r\n\r\n0\r\n\r\n"
        + hidden
    )
    answer = raw_exchange(server[0], request)
    message = assert_refusal(answer, 400, "bad_request")
    assert "Content-Length and Transfer-Encoding" in message
    assert answer.count(b"HTTP/1.1 ") == 1
    assert b'"status":"ok"' not in answer


# Lower priority: HEAD, Permissions-Policy, the Secure cookie


@pytest.mark.parametrize("path", ["/healthz", "/api/architectures", "/api/architectures/lenet5", "/conv"])
def test_head_is_answered_like_get_without_a_body(server: tuple[int, list[int]], path: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server[0]}") as client:
        get = client.get(path)
        head = client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.content))
    assert head.headers["content-type"] == get.headers["content-type"]
    assert_security_headers(head.headers)


def test_the_language_cookie_is_secure_over_https_only(server: tuple[int, list[int]]) -> None:
    url = f"http://127.0.0.1:{server[0]}/conv"
    # The server trusts X-Forwarded-Proto from 127.0.0.1, where a proxy terminating TLS would be.
    over_https = httpx.get(url, params={"lang": "zh"}, headers={"X-Forwarded-Proto": "https"})
    over_http = httpx.get(url, params={"lang": "zh"})
    assert "secure" in over_https.headers["set-cookie"].lower()
    assert "secure" not in over_http.headers["set-cookie"].lower()
    assert "samesite=lax" in over_http.headers["set-cookie"].lower()


# Uvicorn in a thread, with the same protocol: a tiny connection limit, a failing app, host lists


class PatientProtocol(ConvScopeProtocol):
    timeouts = Timeouts(header=5, body=5, send=5)


@contextmanager
def thread_server(app: Any, limit: int | None = None) -> Iterator[tuple[int, uvicorn.Server]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(
        app, http=PatientProtocol, ws="none", lifespan="off", limit_concurrency=limit, log_level="critical"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield port, server
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def test_past_the_limit_waiting_connections_make_room_then_503_in_json() -> None:
    """A limit of 4 connections: waiting ones are closed, oldest first, for new requests; with
    3 requests in progress, a 4th connection's request gets the 503."""
    with thread_server(create_app(Settings()), limit=4) as (port, _), ExitStack() as stack:
        idle = [stack.enter_context(connect(port)) for _ in range(4)]
        time.sleep(0.3)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        time.sleep(0.2)
        assert [closed_by_server(sock) for sock in idle] == [True, True, False, False]
        for _ in range(3):  # requests in progress: their bodies are still to come
            busy = stack.enter_context(connect(port))
            busy.sendall(b"POST /api/max-pool2d HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            time.sleep(0.2)
        assert all(closed_by_server(sock) for sock in idle)
        answer = raw_exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert "try again" in assert_refusal(answer, 503, "server_busy")


def buffered(server: uvicorn.Server) -> list[int]:
    """Bytes waiting in each connection's transport buffer (read from the test's thread)."""
    try:
        protocols = list(server.server_state.connections)
    except RuntimeError:  # the set changed while it was copied: ask again next time
        return []
    return [
        p.counter.transport.get_write_buffer_size()
        for p in protocols
        if isinstance(p, ConvScopeProtocol) and p.counter is not None
    ]


def test_a_stalled_reader_leaves_at_most_a_slice_over_the_high_water_mark_buffered() -> None:
    """The big stream's 9 MB header line, unread: the kernel takes a few MB, and this process keeps
    at most HIGH_WATER + SLICE of the rest (Uvicorn wrote the whole line into the buffer before)."""
    settings = Settings(max_response_bytes=LARGE_RESPONSES)
    with thread_server(create_app(settings)) as (port, server), stalled_stream(port) as reader:
        deadline = time.monotonic() + 20
        largest = 0
        while largest < HIGH_WATER and time.monotonic() < deadline and not closed_by_server(reader):
            time.sleep(0.05)
            largest = max([largest, *buffered(server)])
        for _ in range(10):  # the writer is paused: the buffer stays where it is
            time.sleep(0.05)
            largest = max([largest, *buffered(server)])
    assert HIGH_WATER <= largest <= HIGH_WATER + SLICE + 100  # 100: h11's chunk framing


def test_a_500_carries_cors_and_the_security_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.ops.architectures

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.ops.architectures, "architecture_table", broken)
    application = create_app(Settings(cors_origins="https://course.example"))
    with thread_server(application) as (port, _):
        response = httpx.get(
            f"http://127.0.0.1:{port}/api/architectures/vgg16",
            params={"input_size": 200},
            headers={"Origin": "https://course.example"},
        )
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.headers["access-control-allow-origin"] == "https://course.example"
    assert_security_headers(response.headers)
    assert "secret" not in response.text


def test_an_app_that_fails_before_answering_gets_the_servers_json_500() -> None:
    async def failing(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("secret internals")

    with thread_server(failing) as (port, _):
        answer = raw_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert "bug in ConvScope" in assert_refusal(answer, 500, "internal_error")
    assert b"secret" not in answer


def test_hosts_outside_allowed_hosts_get_a_json_400() -> None:
    application = create_app(Settings(allowed_hosts="convscope.example.edu *.convscope.test"))
    with thread_server(application) as (port, _):
        url = f"http://127.0.0.1:{port}/healthz"
        for host in ("convscope.example.edu", "convscope.example.edu:8443", "eu.convscope.test"):
            assert httpx.get(url, headers={"Host": host}).status_code == 200, host
        for host in ("evil.example", "convscope.example.edu.evil.example", "convscope.test", "127.0.0.1"):
            refused = httpx.get(url, headers={"Host": host})
            assert refused.status_code == 400, host
            assert refused.json()["error"] == {
                "code": "invalid_host",
                "message": refused.json()["error"]["message"],
                "field": None,
            }
            assert "allowed_hosts" in refused.json()["error"]["message"]
            assert_security_headers(refused.headers)
        redirect = httpx.get(f"http://127.0.0.1:{port}/conv/", headers={"Host": "evil.example"})
        assert redirect.status_code == 400  # a forged host gets no redirect at all
