"""The production server: Uvicorn with ``workers`` processes from the settings, behind a proxy.

    python -m app.production [--host 0.0.0.0] [--port 8000] [--forwarded-allow-ips 127.0.0.1]

Defaults come from HOST, PORT and FORWARDED_ALLOW_IPS; the worker count from CONVSCOPE_WORKERS
(every CONVSCOPE_* variable is read and checked here first, so a bad value stops the start with
its name instead of failing in each worker). The Dockerfile and ``scripts/serve.sh --production``
run this module. The workers keep no state between requests, so any number of them, on any
number of machines, can sit behind one load balancer. Each connection is served by
``app.server.ConvScopeProtocol``: timeouts on slow headers, bodies and readers, bounded buffers,
JSON refusals.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from app.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
APP = "app.main:app"
# Uvicorn's h11 protocol with header, body and send timeouts, bounded write buffers, JSON refusals
# and no request smuggling (app/server.py). h11 rather than httptools, even if that gets installed.
PROTOCOL = "app.server:ConvScopeProtocol"

# Connections plus requests in progress per worker; past it, connections waiting for a request are
# closed to make room, and if none is, the answer is 503 at once instead of queueing without bound.
# 32 learners each hold one to six connections.
LIMIT_CONCURRENCY = 512
# Idle keep-alive connections are closed after this many seconds, so idle clients hold no slot long.
KEEP_ALIVE_SECONDS = 5
# The supervisor kills a worker that does not answer its health check within this many seconds.
# Uvicorn's default, 5 s, is too short: encoding one large stream line holds the GIL for up to 2 s
# (json.dumps of a million-value frame), and a few such streams at once kept a worker's health-check
# thread waiting past 5 s, so the supervisor killed the worker with every connection on it.
WORKER_HEALTHCHECK_SECONDS = 30
# Each worker already runs requests on a thread pool; BLAS threads on top of that would make
# more runnable threads than cores, which slows every request (docs/performance.md).
SINGLE_THREADED_MATH = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def uvicorn_options(settings: Settings, host: str, port: int, forwarded_allow_ips: str) -> dict[str, Any]:
    """Keyword arguments of ``uvicorn.Config``: ``settings.workers`` processes, proxy headers, limits.

    The same as ``uvicorn app.main:app --host H --port P --workers N --proxy-headers
    --forwarded-allow-ips IPS --limit-concurrency 512 --timeout-keep-alive 5 --no-server-header
    --http app.server:ConvScopeProtocol --ws none --timeout-worker-healthcheck 30``. The protocol
    reads its timeouts from the settings (``request_header_timeout``, ``request_body_timeout``,
    ``send_timeout``).
    """
    return {
        "host": host,
        "port": port,
        "workers": settings.workers,
        "proxy_headers": True,
        "forwarded_allow_ips": forwarded_allow_ips,
        "limit_concurrency": LIMIT_CONCURRENCY,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "server_header": False,
        "http": PROTOCOL,
        "ws": "none",  # no WebSocket route: an Upgrade request is served as plain HTTP
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
    }


def single_threaded_math(environ: MutableMapping[str, str]) -> None:
    """One BLAS thread per worker unless the environment already says otherwise."""
    for name in SINGLE_THREADED_MATH:
        environ.setdefault(name, "1")


def tcp_listener(sock: socket.socket) -> socket.socket:
    """The same listening socket, labelled as TCP.

    Uvicorn binds the socket it hands to its worker processes with protocol number 0, and asyncio
    sets TCP_NODELAY only on connections accepted from a socket labelled IPPROTO_TCP. Without it,
    Nagle's algorithm holds each response body until the client acknowledges the headers, and
    Linux delays that acknowledgement: every request after the first on a keep-alive connection
    then took 44 ms, even /healthz (Kludex/uvicorn issue 3149).
    """
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto == socket.IPPROTO_TCP:
        return sock
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def parse_args(argv: Sequence[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m app.production", description="Serve ConvScope with Uvicorn workers."
    )
    parser.add_argument("--host", default=environ.get("HOST", "0.0.0.0"))
    parser.add_argument("--port", type=int, default=int(environ.get("PORT", "8000")))
    parser.add_argument(
        "--forwarded-allow-ips",
        default=environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        help="addresses of the proxies whose X-Forwarded-For/-Proto headers are trusted",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    args = parse_args(argv, os.environ)
    try:
        settings = load_settings()
    except ValueError as error:
        sys.exit(f"convscope: {error}")
    single_threaded_math(os.environ)  # before NumPy is imported here or in a worker
    sys.path.insert(0, str(ROOT))
    config = uvicorn.Config(APP, **uvicorn_options(settings, args.host, args.port, args.forwarded_allow_ips))
    listener = tcp_listener(config.bind_socket())
    if config.workers > 1:
        Multiprocess(config, sockets=[listener]).run()
    else:
        uvicorn.Server(config).run(sockets=[listener])


if __name__ == "__main__":
    main()
