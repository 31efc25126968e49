"""A bounded load test: N simulated learners (default 32) use ConvScope at once for a fixed time.

    .venv/bin/python benchmarks/load.py                        # starts the production server itself
    .venv/bin/python benchmarks/load.py --url http://host:8000 # or drives a running one
    .venv/bin/python benchmarks/load.py --hostile              # the same, with hostile clients too

Each learner loops, with no pause between requests, over what a learner's browser does: load a
page (the HTML, its stylesheet and two of its scripts), read a conv2d frame stream to its last
line, call max-pool2d, fetch an architecture table, ask for receptive fields, and upload a small
PNG for feature maps. Settings vary by learner and round, as different learners choose different
seeds and sizes. A request counts as an error if it fails, times out, answers other than 200, or
(for a stream) does not end with its result line. Prints, per endpoint, requests, errors and the
p50 / p99 / max latency, then the throughput; exits with status 1 if there was any error.

With ``--hostile``, hostile clients run alongside the learners for the whole time
(benchmarks/hostile.py: 1,100 idle sockets, header and body dribblers, stalled readers of a 37 MB
stream, heavy streams read whole, the hostile-image corpus), and what the server did to each
kind is printed after the learners' table. When this script started the server (or is given
``--server-pid``), the sum of its workers' resident memory is sampled every 0.25 s and its peak
printed, in either mode.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from hostile import Hostile, Upload, hostile_images
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("/", "/conv", "/pool", "/backward", "/architectures", "/receptive-field")
PAGE_FILES = ("/static/css/convscope.css", "/static/js/chrome.js", "/static/js/kit/scene.js")
NETWORKS = ("resnet50", "resnet50", "vgg16", "googlenet", "resnet18", "alexnet", "lenet5")


@dataclass
class Tally:
    """Latencies (seconds) of the successful and failed requests of one endpoint."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    examples: list[str] = field(default_factory=list)


class Recorder:
    """Per-endpoint tallies; requests that start before ``counting_from`` are warm-up, not counted."""

    def __init__(self, counting_from: float) -> None:
        self.counting_from = counting_from
        self.tallies: dict[str, Tally] = defaultdict(Tally)

    async def time(self, name: str, call: Callable[[], Awaitable[str | None]]) -> None:
        """Run ``call``; it returns None on success or a description of what was wrong."""
        start = time.perf_counter()
        try:
            problem = await call()
        except (httpx.HTTPError, json.JSONDecodeError) as error:
            problem = f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter() - start
        if start < self.counting_from:
            return
        tally = self.tallies[name]
        tally.latencies.append(elapsed)
        if problem is not None:
            tally.errors += 1
            if len(tally.examples) < 3:
                tally.examples.append(problem)


def status_problem(response: httpx.Response) -> str | None:
    return None if response.status_code == 200 else f"{response.status_code}: {response.text[:200]}"


def small_png(seed: int, side: int = 64) -> bytes:
    """A side x side RGB noise image, different for each learner."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (side, side), bytes(rng.randrange(256) for _ in range(side * side * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class Learner:
    """One simulated learner with its own connections, as a browser tab has."""

    def __init__(self, number: int, client: httpx.AsyncClient, recorder: Recorder) -> None:
        self.number = number
        self.client = client
        self.recorder = recorder
        self.image = small_png(number)

    async def page(self, round_: int) -> None:
        path = PAGES[(self.number + round_) % len(PAGES)]
        lang = "zh" if (self.number + round_) % 3 == 0 else "en"

        async def html() -> str | None:
            return status_problem(await self.client.get(path, params={"lang": lang}))

        await self.recorder.time("GET page", html)
        for name in PAGE_FILES:

            async def static(name: str = name) -> str | None:
                return status_problem(await self.client.get(name))

            await self.recorder.time("GET static", static)

    async def conv_stream(self, round_: int) -> None:
        size = 5 + (self.number + round_) % 4  # the conv page's default is 5x5 with a 3x3 kernel
        body = {
            "input": {"shape": [1, size, size], "kind": "integers", "seed": round_, "low": 0, "high": 1},
            "weight": {"shape": [1, 1, 3, 3], "kind": "integers", "seed": round_ + 1, "low": -1, "high": 1},
            "bias": {"shape": [1], "kind": "integers", "seed": round_ + 2, "low": -2, "high": 2},
            "padding": 1,
            "activation": "relu",
        }

        async def call() -> str | None:
            async with self.client.stream("POST", "/api/conv2d/frames", json=body) as response:
                if response.status_code != 200:
                    await response.aread()
                    return status_problem(response)
                last = ""
                async for line in response.aiter_lines():
                    if line:
                        last = line
            kind = json.loads(last).get("type") if last else None
            return None if kind == "result" else f"stream ended with {last[:120]!r}"

        await self.recorder.time("POST conv2d/frames", call)

    async def max_pool(self, round_: int) -> None:
        body = {
            "input": {"shape": [1, 8, 8], "kind": "integers", "seed": self.number + round_},
            "kernel_size": 2,
        }

        async def call() -> str | None:
            return status_problem(await self.client.post("/api/max-pool2d", json=body))

        await self.recorder.time("POST max-pool2d", call)

    async def architecture(self, round_: int) -> None:
        name = NETWORKS[(self.number + round_) % len(NETWORKS)]

        async def call() -> str | None:
            return status_problem(await self.client.get(f"/api/architectures/{name}"))

        await self.recorder.time("GET architectures/{name}", call)

    async def receptive(self, round_: int) -> None:
        depth = 2 + (self.number + round_) % 3
        body = {
            "input_size": 32,
            "layers": [{"type": "conv", "kernel_size": 3, "padding": 1}] * depth
            + [{"type": "pool", "kernel_size": 2}],
            "unit": {"layer": depth, "y": 3, "x": 3},
            "effective": True,
        }

        async def call() -> str | None:
            return status_problem(await self.client.post("/api/receptive-field", json=body))

        await self.recorder.time("POST receptive-field", call)

    async def feature_maps(self, round_: int) -> None:
        layers = (
            '[{"type":"conv","bank":"sobel","activation":"relu"},'
            '{"type":"pool","mode":"max","kernel_size":2}]'
        )

        async def call() -> str | None:
            files = {"image": ("photo.png", self.image, "image/png")}
            response = await self.client.post("/api/feature-maps", files=files, data={"layers": layers})
            return status_problem(response)

        await self.recorder.time("POST feature-maps", call)

    async def run(self, until: float) -> None:
        steps = (
            self.page,
            self.conv_stream,
            self.max_pool,
            self.architecture,
            self.receptive,
            self.feature_maps,
        )
        round_ = 0
        while True:
            for step in steps:
                if time.perf_counter() >= until:
                    return
                await step(round_)
            round_ += 1


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def report(recorder: Recorder, seconds: float, learners: int) -> int:
    """Print the table; return the number of errors."""
    print(f"{learners} learners for {seconds:.0f} s")
    print(f"{'endpoint':<26} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    total = errors = 0
    every: list[float] = []
    for name, tally in sorted(recorder.tallies.items()):
        values = sorted(tally.latencies)
        every.extend(values)
        total += len(values)
        errors += tally.errors
        print(
            f"{name:<26} {len(values):>8} {tally.errors:>6} {percentile(values, 0.5) * 1e3:>8.1f} "
            f"{percentile(values, 0.99) * 1e3:>8.1f} {values[-1] * 1e3:>8.1f}"
        )
        for example in tally.examples:
            print(f"    e.g. {example}")
    every.sort()
    print(
        f"{'all':<26} {total:>8} {errors:>6} {percentile(every, 0.5) * 1e3:>8.1f} "
        f"{percentile(every, 0.99) * 1e3:>8.1f} {every[-1] * 1e3:>8.1f}"
    )
    print(f"throughput: {total / seconds:.1f} requests/s, errors: {errors}")
    return errors


@dataclass(frozen=True)
class HostileCounts:
    """How many hostile clients of each kind (benchmarks/hostile.py) run beside the learners."""

    idle: int
    dribblers: int
    stalled: int
    heavy: int
    uploads: int


class MemorySampler:
    """The sum of the server's workers' resident memory, sampled; its peak, and the workers seen."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.first = 0
        self.peak = 0
        self.workers_seen: set[int] = set()

    def workers(self) -> list[int]:
        """The server's worker processes (Uvicorn spawns them; its resource tracker is left out)."""
        found = []
        for children in Path(f"/proc/{self.server_pid}/task").glob("*/children"):
            for pid in children.read_text().split():
                with suppress(OSError):
                    if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                        found.append(int(pid))
        return found

    @staticmethod
    def rss_mb(pids: list[int]) -> int:
        total = 0
        for pid in pids:
            with suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) // 1024
        return total

    async def run(self, until: float) -> None:
        while time.perf_counter() < until:
            pids = self.workers()
            self.workers_seen.update(pids)
            rss = self.rss_mb(pids)
            self.first = self.first or rss
            self.peak = max(self.peak, rss)
            await asyncio.sleep(0.25)

    def report(self, workers: int) -> None:
        restarted = max(0, len(self.workers_seen) - workers)
        print(
            f"server memory: peak {self.peak:,} MB (sum of the workers' RSS, sampled every 0.25 s; "
            f"{self.first:,} MB at the start); workers replaced during the run: {restarted}"
        )


def cpu_seconds() -> float:
    """CPU time this process (the load generator, not the server) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def drive(
    url: str,
    learners: int,
    duration: float,
    warmup: float,
    hostile: HostileCounts | None = None,
    images: list[Upload] | None = None,
    sampler: MemorySampler | None = None,
    workers: int = 0,
) -> int:
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    recorder = Recorder(counting_from=start + warmup)
    until = start + warmup + duration
    limits = httpx.Limits(max_connections=6, max_keepalive_connections=6)  # as a browser, per host
    clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=limits) for _ in range(learners)]
    runs = [Learner(i, client, recorder).run(until) for i, client in enumerate(clients)]
    attackers = None
    if hostile is not None:
        address = httpx.URL(url)
        attackers = Hostile(address.host, address.port or 80, until, images or [])
        counts = (hostile.idle, hostile.dribblers, hostile.stalled, hostile.heavy, hostile.uploads)
        runs.append(attackers.run(*counts))
    if sampler is not None:
        runs.append(sampler.run(until))
    try:
        await asyncio.gather(*runs)
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    elapsed = time.perf_counter() - recorder.counting_from
    errors = report(recorder, elapsed, learners)
    if attackers is not None:
        server_errors = attackers.report()
        print(f"5xx answers to hostile clients: {server_errors}")
    if sampler is not None:
        sampler.report(workers)
    wall = time.perf_counter() - start
    # On a small machine the generator competes with the server for the same cores: say how much.
    print(f"load generator CPU: {cpu_seconds() - cpu_start:.1f} s over {wall:.1f} s of wall time")
    load = os.getloadavg()
    print(f"load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    return errors


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """The production command (app/production.py) on loopback, its log to ``log``; waits for /healthz.

    The log goes to a file, not a pipe: under hostile load the server logs every refusal, and a
    pipe nobody reads would fill and stop it.
    """
    env = {**os.environ, "CONVSCOPE_WORKERS": str(workers)}
    command = [sys.executable, "-m", "app.production", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()}")
        with suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer /healthz within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--url", help="a running server; without it the production server is started")
    parser.add_argument("--learners", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds run first, not counted")
    parser.add_argument("--port", type=int, default=0, help="port of the started server (default: free)")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("CONVSCOPE_WORKERS", os.cpu_count() or 1)),
        help="workers of the started server (default CONVSCOPE_WORKERS, else one per core)",
    )
    parser.add_argument(
        "--server-pid", type=int, help="with --url: the pid of that server's Uvicorn parent (memory sampled)"
    )
    parser.add_argument("--hostile", action="store_true", help="run hostile clients beside the learners")
    parser.add_argument("--idle", type=int, default=1100, help="hostile: idle sockets held open")
    parser.add_argument("--dribblers", type=int, default=20, help="hostile: header and body dribblers, each")
    parser.add_argument("--stalled", type=int, default=4, help="hostile: stalled readers of the 37 MB stream")
    parser.add_argument("--heavy", type=int, default=2, help="hostile: readers of the whole 37 MB stream")
    parser.add_argument("--uploads", type=int, default=2, help="hostile: clients sending the hostile images")
    args = parser.parse_args()
    hostile = images = None
    if args.hostile:
        hostile = HostileCounts(args.idle, args.dribblers, args.stalled, args.heavy, args.uploads)
        images = hostile_images() if args.uploads else []
        print(f"hostile clients: {hostile}")
    server = None
    sampler = MemorySampler(args.server_pid) if args.server_pid else None
    url = args.url
    if url is None:
        port = args.port or free_port()
        log = Path(tempfile.mkdtemp(prefix="convscope-load-")) / "server.log"
        server = start_server(port, args.workers, log)
        sampler = MemorySampler(server.pid)
        url = f"http://127.0.0.1:{port}"
        print(f"server: python -m app.production, {args.workers} workers, {url}, log {log}")
    try:
        errors = asyncio.run(
            drive(url, args.learners, args.duration, args.warmup, hostile, images, sampler, args.workers)
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
