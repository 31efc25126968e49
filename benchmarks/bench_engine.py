"""Time the vectorised engine against PyTorch (CPU) side by side, in one process.

Each case runs the engine and torch alternately (interleaved, so both see the same machine load),
repeats, and reports medians and the ratio engine / torch. Needs the test extra (torch).

    .venv/bin/python benchmarks/bench_engine.py [--repeats 15] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from engine import conv2d, conv2d_backward, max_pool2d


@dataclass
class Case:
    name: str
    engine: Callable[[], object]
    reference: Callable[[], object]


def _conv_case(name: str, shape: tuple[int, int, int, int], out: int, kernel: int, padding: int) -> Case:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal((out, shape[1], kernel, kernel), dtype=np.float32)
    b = rng.standard_normal(out, dtype=np.float32)
    tx, tw, tb = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)

    def run_torch() -> object:
        with torch.no_grad():
            return F.conv2d(tx, tw, tb, padding=padding)

    return Case(name, lambda: conv2d(x, w, b, padding=padding), run_torch)


def _conv_backward_case(shape: tuple[int, int, int, int], out: int, kernel: int, padding: int) -> Case:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape, dtype=np.float32)
    w = rng.standard_normal((out, shape[1], kernel, kernel), dtype=np.float32)
    oh = shape[2] + 2 * padding - kernel + 1
    g = rng.standard_normal((shape[0], out, oh, shape[3] + 2 * padding - kernel + 1), dtype=np.float32)
    tx = torch.from_numpy(x).requires_grad_(True)
    tw = torch.from_numpy(w).requires_grad_(True)
    tb = torch.zeros(out, requires_grad=True)
    tg = torch.from_numpy(g)
    # The forward is done once outside the timing: only the backward pass is compared.
    ty = F.conv2d(tx, tw, tb, padding=padding)

    def run_torch() -> object:
        return torch.autograd.grad(ty, (tx, tw, tb), tg, retain_graph=True)

    name = f"conv2d_backward {'x'.join(map(str, shape))} * {out}x{shape[1]}x{kernel}x{kernel} p{padding}"
    return Case(name, lambda: conv2d_backward(g, x, w, padding=padding), run_torch)


def _max_pool_case(shape: tuple[int, int, int, int], kernel: int, stride: int) -> Case:
    x = np.random.default_rng(2).standard_normal(shape, dtype=np.float32)
    tx = torch.from_numpy(x)

    def run_torch() -> object:
        with torch.no_grad():
            return F.max_pool2d(tx, kernel, stride, return_indices=True)

    name = f"max_pool2d+indices {'x'.join(map(str, shape))} k{kernel} s{stride}"
    return Case(name, lambda: max_pool2d(x, kernel, stride), run_torch)


def cases() -> list[Case]:
    return [
        _conv_case("conv2d 1x3x224x224 * 64x3x3x3 p1", (1, 3, 224, 224), 64, 3, 1),
        _conv_case("conv2d 8x64x56x56 * 64x64x3x3 p1", (8, 64, 56, 56), 64, 3, 1),
        _conv_backward_case((8, 64, 56, 56), 64, 3, 1),
        _max_pool_case((8, 64, 112, 112), 2, 2),
    ]


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(case: Case, repeats: int) -> tuple[float, float]:
    """Median seconds of (engine, torch), alternating the two on every repeat."""
    case.engine()
    case.reference()  # warm-up: first calls allocate and load kernels
    engine_times, torch_times = [], []
    for _ in range(repeats):
        engine_times.append(_time(case.engine))
        torch_times.append(_time(case.reference))
    return statistics.median(engine_times), statistics.median(torch_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
    print(f"{'case':55s} {'engine ms':>10s} {'torch ms':>10s} {'ratio':>7s}")
    for case in cases():
        engine_s, torch_s = measure(case, args.repeats)
        ratio = engine_s / torch_s
        print(f"{case.name:55s} {engine_s * 1e3:10.2f} {torch_s * 1e3:10.2f} {ratio:7.2f}")


if __name__ == "__main__":
    main()
