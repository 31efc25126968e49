"""The production command: options from the settings, TCP_NODELAY, and a real start with 2 workers."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from app.production import (
    KEEP_ALIVE_SECONDS,
    LIMIT_CONCURRENCY,
    PROTOCOL,
    WORKER_HEALTHCHECK_SECONDS,
    parse_args,
    single_threaded_math,
    tcp_listener,
    uvicorn_options,
)
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_options_take_the_worker_count_from_the_settings() -> None:
    options = uvicorn_options(Settings(workers=3), "0.0.0.0", 8000, "10.0.0.2")
    assert options == {
        "host": "0.0.0.0",
        "port": 8000,
        "workers": 3,
        "proxy_headers": True,
        "forwarded_allow_ips": "10.0.0.2",
        "limit_concurrency": LIMIT_CONCURRENCY,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "server_header": False,
        "http": PROTOCOL,
        "ws": "none",
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
    }
    config = uvicorn.Config("app.main:app", **options)  # every option is one Uvicorn knows
    assert config.workers == 3
    assert config.limit_concurrency == LIMIT_CONCURRENCY


def test_host_port_and_proxies_come_from_arguments_or_the_environment() -> None:
    defaults = parse_args([], {})
    assert (defaults.host, defaults.port, defaults.forwarded_allow_ips) == ("0.0.0.0", 8000, "127.0.0.1")
    env = parse_args([], {"HOST": "127.0.0.1", "PORT": "9000", "FORWARDED_ALLOW_IPS": "10.0.0.1"})
    assert (env.host, env.port, env.forwarded_allow_ips) == ("127.0.0.1", 9000, "10.0.0.1")
    assert parse_args(["--port", "8105"], {"PORT": "9000"}).port == 8105


def test_one_blas_thread_unless_configured() -> None:
    environ = {"OMP_NUM_THREADS": "4"}
    single_threaded_math(environ)
    assert environ == {"OMP_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def test_connections_accepted_from_the_bound_socket_have_nodelay() -> None:
    """Uvicorn's own bound socket says protocol 0, so asyncio leaves Nagle on; the relabelled one not."""

    async def accepted_nodelay(listener: socket.socket) -> int:
        result: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            result.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        value = await asyncio.wait_for(result, timeout=5)
        writer.close()
        server.close()
        await server.wait_closed()
        return value

    def bound() -> socket.socket:
        return uvicorn.Config("app.main:app", host="127.0.0.1", port=0).bind_socket()

    assert asyncio.run(accepted_nodelay(bound())) == 0  # the problem this works around
    assert asyncio.run(accepted_nodelay(tcp_listener(bound()))) != 0


def test_a_bad_setting_stops_the_start_naming_the_variable() -> None:
    env = {**os.environ, "CONVSCOPE_WORKERS": "two"}
    done = subprocess.run(
        [sys.executable, "-m", "app.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "CONVSCOPE_WORKERS='two' must be an integer" in done.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def raw_request(port: int, target: str) -> bytes:
    """One request line sent as is: no client normalises the path on the way."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """``python -m app.production`` with CONVSCOPE_WORKERS=2 on a free loopback port."""
    port = free_port()
    log = tmp_path_factory.mktemp("production") / "server.log"
    env = {**os.environ, "CONVSCOPE_WORKERS": "2"}
    command = [sys.executable, "-m", "app.production", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "no answer within 90 s:\n" + log.read_text()
            time.sleep(0.3)
        yield port, log
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_production_command_serves_with_two_workers(production_server: tuple[int, Path]) -> None:
    port, log = production_server
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        health = client.get("/healthz")
        assert health.json() == {"status": "ok"}
        assert health.headers["x-content-type-options"] == "nosniff"
        assert "server" not in health.headers  # --no-server-header
        assert client.get("/api/architectures/lenet5").status_code == 200
    deadline = time.monotonic() + 60  # the second worker may still be starting
    while len(re.findall(r"Started server process \[\d+\]", log.read_text())) < 2:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)


@pytest.mark.parametrize(
    "target", ["/static/../app/main.py", "/static/%2e%2e/app/main.py", "/static/..%2f..%2fetc/passwd"]
)
def test_the_real_server_keeps_static_files_in_their_folder(
    production_server: tuple[int, Path], target: str
) -> None:
    port, _ = production_server
    answer = raw_request(port, target)
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]
    assert b"def create_app" not in answer
    assert b"root:" not in answer


def test_the_dockerfile_runs_the_production_command_unprivileged() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert re.search(r'^CMD \["python", "-m", "app\.production"', text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users
    assert users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text
    assert "/healthz" in text
