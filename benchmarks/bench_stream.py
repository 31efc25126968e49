"""Time a running ConvScope server: the first line of a frame stream, frames per second, a plain call.

Start the server first (./scripts/serve.sh), then:

    .venv/bin/python benchmarks/bench_stream.py [--url http://localhost:8000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

# 1x3x32x32 input, eight 3x3 kernels, padding 1: 8 x 32 x 32 = 8,192 frames.
BODY = {
    "input": {"shape": [1, 3, 32, 32], "kind": "integers", "seed": 1},
    "weight": {"shape": [8, 3, 3, 3], "kind": "integers", "seed": 2},
    "padding": 1,
}


def time_stream(client: httpx.Client) -> tuple[float, float, int]:
    """Seconds to the header line, seconds to the last line, and the number of frame lines."""
    start = time.perf_counter()
    first: float | None = None
    frames = 0
    with client.stream("POST", "/api/conv2d/frames", json=BODY) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if first is None:
                first = time.perf_counter() - start
            frames += line.startswith('{"type":"frame"')
    return first or 0.0, time.perf_counter() - start, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with httpx.Client(base_url=args.url, timeout=120) as client:
        streams = [time_stream(client) for _ in range(args.repeats)]
        plain = []
        for _ in range(4 * args.repeats):
            start = time.perf_counter()
            client.post("/api/conv2d", json=BODY).raise_for_status()
            plain.append(time.perf_counter() - start)
    header = statistics.median(s[0] for s in streams)
    total = statistics.median(s[1] for s in streams)
    frames = streams[0][2]
    print(
        f"stream: {frames} frames, header after {header * 1e3:.1f} ms, all in {total:.2f} s, "
        f"{frames / total:,.0f} frames/s (medians of {args.repeats})"
    )
    print(
        f"plain POST /api/conv2d: median {statistics.median(plain) * 1e3:.1f} ms, "
        f"max {max(plain) * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
