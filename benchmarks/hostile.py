"""Hostile clients for ``benchmarks/load.py --hostile``: each kind the red-team pass used, on loopback.

- idle sockets: connections that never send a byte, reopened as soon as the server closes one;
- header dribblers: a request line, then one header byte a second;
- body dribblers: complete headers announcing 100 kB, then one body byte a second;
- stalled readers: the 37 MB conv2d stream (one frame of a million multiply-adds) asked for on a
  socket with a 4 kB receive buffer, never read;
- heavy streams: the same stream, read to the end, again and again;
- image uploads: the hostile-image corpus of tests/app/test_hostile_images.py (bombs, a 36 Mpx
  decode, truncations, polyglots), one after the other.

Every client loops until the deadline and counts what the server did to it. Nothing leaves
127.0.0.1; every loop ends at the deadline.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIG_STREAM = {
    "input": {"shape": [1, 1, 1000, 1000], "kind": "integers", "seed": 1},
    "weight": {"shape": [1, 1, 1000, 1000], "kind": "integers", "seed": 2},
}
STILL_OPEN = "still open at the end"
# Linux TCP states (include/net/tcp_states.h): closed after a reset, or after the peer's FIN.
TCP_CLOSE, TCP_CLOSE_WAIT = 7, 8


@dataclass
class Outcome:
    """What happened to one kind of hostile client."""

    attempts: int = 0
    answers: Counter[str] = field(default_factory=Counter)  # e.g. "408", "closed", "reset"
    seconds: list[float] = field(default_factory=list)  # from the attempt to the server's answer

    def line(self, name: str) -> str:
        shown = ", ".join(f"{what} {count}" for what, count in sorted(self.answers.items()))
        median = f", median {statistics.median(self.seconds):.1f} s to it" if self.seconds else ""
        return f"{name:<18} {self.attempts:>6} attempts: {shown or 'none ended'}{median}"


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str
    layers: str | None


def hostile_images() -> list[Upload]:
    """The corpus of tests/app/test_hostile_images.py, generated once, before the clock starts."""
    sys.path.insert(0, str(ROOT))
    from tests.app.test_hostile_images import CORPUS

    return [Upload(case.filename, case.make(), case.content_type, case.layers) for case in CORPUS.values()]


def closed_by_server(sock: socket.socket) -> bool:
    state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    return state in (TCP_CLOSE, TCP_CLOSE_WAIT)


def status_of(answer: bytes) -> str:
    """'408' from b'HTTP/1.1 408 Request Timeout...'; 'closed' for no answer."""
    parts = answer.split(b" ", 2)
    return parts[1].decode() if len(parts) > 1 and answer.startswith(b"HTTP/") else "closed"


class Hostile:
    """The hostile clients of the module docstring, against ``host:port`` until ``until``."""

    def __init__(self, host: str, port: int, until: float, images: list[Upload]) -> None:
        self.host = host
        self.port = port
        self.until = until
        self.images = images
        self.outcomes: dict[str, Outcome] = {}

    def left(self) -> float:
        return self.until - time.perf_counter()

    def outcome(self, name: str) -> Outcome:
        return self.outcomes.setdefault(name, Outcome())

    async def run(self, idle: int, dribblers: int, stalled: int, heavy: int, uploads: int) -> None:
        clients: list[Awaitable[None]] = []
        clients += [self.repeat(self.idle_socket) for _ in range(idle)]
        clients += [self.repeat(self.header_dribbler) for _ in range(dribblers)]
        clients += [self.repeat(self.body_dribbler) for _ in range(dribblers)]
        clients += [self.repeat(self.stalled_reader) for _ in range(stalled)]
        async with httpx.AsyncClient(base_url=f"http://{self.host}:{self.port}", timeout=60) as client:
            clients += [self.repeat(lambda: self.heavy_stream(client)) for _ in range(heavy)]
            clients += [self.uploads(client, offset) for offset in range(uploads)]
            await asyncio.gather(*clients)

    async def repeat(self, attempt: Callable[[], Awaitable[None]]) -> None:
        while self.left() > 0.5:
            try:
                await attempt()
            except OSError:
                await asyncio.sleep(0.1)  # refused or reset while connecting: try again

    async def idle_socket(self) -> None:
        record = self.outcome("idle sockets")
        reader, writer = await asyncio.open_connection(self.host, self.port)
        record.attempts += 1
        start = time.perf_counter()
        try:
            answer = await asyncio.wait_for(reader.read(65536), timeout=max(self.left(), 0.1))
            record.answers["closed" if not answer else status_of(answer)] += 1
            record.seconds.append(time.perf_counter() - start)
        except TimeoutError:
            record.answers[STILL_OPEN] += 1
        except ConnectionResetError:
            record.answers["reset"] += 1
            record.seconds.append(time.perf_counter() - start)
        finally:
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()

    async def dribble(self, name: str, first: bytes, byte: bytes) -> None:
        """Send ``first``, then ``byte`` once a second until the server answers or closes."""
        record = self.outcome(name)
        reader, writer = await asyncio.open_connection(self.host, self.port)
        record.attempts += 1
        start = time.perf_counter()
        try:
            writer.write(first)
            while True:
                if self.left() <= 0:
                    record.answers[STILL_OPEN] += 1
                    return
                try:
                    wait = min(1.0, max(self.left(), 0.01))
                    answer = await asyncio.wait_for(reader.read(65536), timeout=wait)
                except TimeoutError:
                    writer.write(byte)
                    continue
                record.answers[status_of(answer)] += 1
                record.seconds.append(time.perf_counter() - start)
                return
        except ConnectionResetError:
            record.answers["reset"] += 1
            record.seconds.append(time.perf_counter() - start)
        finally:
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()

    async def header_dribbler(self) -> None:
        await self.dribble("header dribblers", b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ", b"a")

    async def body_dribbler(self) -> None:
        head = (
            b"POST /api/max-pool2d HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n["
        )
        await self.dribble("body dribblers", head, b"1")

    async def stalled_reader(self) -> None:
        record = self.outcome("stalled readers")
        body = json.dumps(BIG_STREAM).encode()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, (self.host, self.port))
            request = (
                b"POST /api/conv2d/frames HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body) + body
            )
            await asyncio.get_running_loop().sock_sendall(sock, request)
            record.attempts += 1
            start = time.perf_counter()
            while self.left() > 0:
                if closed_by_server(sock):
                    record.answers["dropped"] += 1
                    record.seconds.append(time.perf_counter() - start)
                    return
                await asyncio.sleep(0.25)
            record.answers[STILL_OPEN] += 1
        finally:
            sock.close()

    async def heavy_stream(self, client: httpx.AsyncClient) -> None:
        record = self.outcome("heavy streams")
        record.attempts += 1
        start = time.perf_counter()
        try:
            async with client.stream("POST", "/api/conv2d/frames", json=BIG_STREAM) as response:
                async for _ in response.aiter_bytes():
                    if self.left() <= 0:
                        record.answers["unfinished at the end"] += 1
                        return
            record.answers[str(response.status_code)] += 1
            record.seconds.append(time.perf_counter() - start)
        except httpx.HTTPError as error:
            record.answers[type(error).__name__] += 1

    async def uploads(self, client: httpx.AsyncClient, offset: int) -> None:
        record = self.outcome("image uploads")
        turn = offset * len(self.images) // 2
        while self.left() > 1:
            upload = self.images[turn % len(self.images)]
            turn += 1
            files = {"image": (upload.filename, upload.content, upload.content_type)}
            data = {"layers": upload.layers} if upload.layers else {}
            record.attempts += 1
            start = time.perf_counter()
            try:
                response = await client.post("/api/feature-maps", files=files, data=data)
            except httpx.HTTPError as error:
                record.answers[type(error).__name__] += 1
                continue
            record.answers[str(response.status_code)] += 1
            record.seconds.append(time.perf_counter() - start)

    def report(self) -> int:
        """Print one line per kind; return the number of 5xx answers the hostile clients got."""
        print("hostile clients (what the server did to them):")
        for name, record in self.outcomes.items():
            print("  " + record.line(name))
        answers = [item for record in self.outcomes.values() for item in record.answers.items()]
        return sum(count for what, count in answers if what.startswith("5"))
