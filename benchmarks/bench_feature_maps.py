"""Time POST /api/feature-maps on a running server for a 1024x1024 photo-like image.

The image is drawn here (smooth gradients, discs and noise, so JPEG and PNG sizes are realistic)
and sent as JPEG and as PNG, through the default stack and through a four-layer stack. The server
shrinks the longest side to its `max_image_side` setting (512 by default) before computing.

Start the server first (./scripts/serve.sh), then:

    .venv/bin/python benchmarks/bench_feature_maps.py [--url http://localhost:8000] [--repeats 9]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time

import httpx
import numpy as np
from PIL import Image

SIDE = 1024
STACKS = {
    "default stack (Sobel 3x3 + ReLU, max pool 2)": None,
    "4 layers (Gabor x4 + ReLU, max pool 2, random x4 + ReLU, batch norm)": [
        {"type": "conv", "bank": "gabor", "count": 4, "activation": "relu"},
        {"type": "pool", "mode": "max", "kernel_size": 2},
        {"type": "conv", "bank": "random", "count": 4, "seed": 1, "activation": "relu"},
        {"type": "batch_norm"},
    ],
}


def photo(side: int) -> Image.Image:
    """An RGB image of side x side with gradients, discs and mild noise."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:side, 0:side] / side
    rgb = np.stack([x, y, 0.5 + 0.5 * np.sin(6 * x + 4 * y)], axis=-1)
    for cy, cx, r in rng.uniform(0.1, 0.9, size=(12, 3)):
        disc = (y - cy) ** 2 + (x - cx) ** 2 < (r / 6) ** 2
        rgb[disc] = rng.uniform(0, 1, size=3)
    rgb += rng.normal(0, 0.03, size=rgb.shape)
    return Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB")


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    image = photo(SIDE)
    with httpx.Client(base_url=args.url, timeout=120) as client:
        for fmt in ("JPEG", "PNG"):
            data = encoded(image, fmt)
            for name, layers in STACKS.items():
                form = {} if layers is None else {"layers": json.dumps(layers)}
                files = {"image": (f"photo.{fmt.lower()}", data, f"image/{fmt.lower()}")}
                client.post("/api/feature-maps", files=files, data=form).raise_for_status()  # warm-up
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    response = client.post("/api/feature-maps", files=files, data=form)
                    times.append(time.perf_counter() - start)
                    response.raise_for_status()
                size = response.json()["input"]
                print(
                    f"{fmt} {len(data) / 1e3:,.0f} kB, {SIDE}x{SIDE} -> {size['width']}x{size['height']}, "
                    f"{name}: median {statistics.median(times) * 1e3:.0f} ms, max {max(times) * 1e3:.0f} ms, "
                    f"response {len(response.content) / 1e3:,.0f} kB"
                )


if __name__ == "__main__":
    main()
