"""Request times of the trained network against a running server (start ./scripts/serve.sh first).

A 12-megapixel JPEG photo of a digit (a "7" drawn on unevenly lit paper, blurred) goes through
``POST /api/networks/tinyvgg/classify-image``; then the 28x28 digit the network saw goes through
``POST /api/networks/tinyvgg/forward``. Medians over several runs, end to end over HTTP on loopback.

    .venv/bin/python benchmarks/bench_network_requests.py [--url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
import urllib.request
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

BOUNDARY = "----convscope-bench"


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A JPEG of a dark "7" on paper lit from one side: width x height pixels."""
    ys, xs = np.mgrid[0:height, 0:width]
    paper = (170 + 60 * xs / width + 10 * ys / height).astype(np.uint8)
    image = Image.fromarray(paper).convert("RGB")
    ImageDraw.Draw(image).line([(1700, 800), (2300, 800), (1900, 2300)], fill=(40, 40, 60), width=110)
    buffer = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(3)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def post(url: str, body: bytes, content_type: str) -> tuple[float, Any]:
    """Seconds until the whole answer arrived, and the answer."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    begun = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        answer = response.read()
    return time.perf_counter() - begun, json.loads(answer)


def multipart(data: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="digit.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    photo = phone_photo()
    api = f"{args.url}/api/networks/tinyvgg"
    times, answer = [], None
    for _ in range(args.runs):
        seconds, answer = post(
            f"{api}/classify-image", multipart(photo), f"multipart/form-data; boundary={BOUNDARY}"
        )
        times.append(seconds)
    assert answer is not None
    print(
        f"classify-image, 12-megapixel JPEG ({len(photo):,} bytes): prediction {answer['prediction']}, "
        f"median {1000 * statistics.median(times):.0f} ms over {args.runs}"
    )
    digit = json.dumps({"input": answer["input"]}).encode()
    times = [post(f"{api}/forward", digit, "application/json")[0] for _ in range(4 * args.runs)]
    print(f"forward, one digit: median {1000 * statistics.median(times):.1f} ms over {4 * args.runs}")


if __name__ == "__main__":
    main()
