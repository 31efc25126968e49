"""Training TinyVGG with the engine against PyTorch on the CPU, one thread each, in one process.

Both start from the same weights (the engine's torch-default initialisation, loaded into torch)
and take the same MNIST batches of 64 with Adam (lr 1e-3). The steps alternate in rounds (some
engine steps, then as many torch steps), so both see the same machine load. Reported: steps per
second, the ratio engine / torch of the time per step, the time of one epoch (782 steps) at that
rate; and the forward latency of one digit as ``POST /forward`` computes it (the engine's
Sequential on a (1, 28, 28) input, keeping every layer's output), median of many runs.

    .venv/bin/python benchmarks/bench_training.py [--steps 200] [--round 20] [--latency-runs 300]
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy starts its BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Adam, cross_entropy, cross_entropy_backward  # noqa: E402
from engine.network import Sequential, layer_kwargs, tinyvgg  # noqa: E402
from training.mnist import load_mnist  # noqa: E402

BATCH = 64
EPOCH_STEPS = -(-50_000 // BATCH)


Step = Callable[[np.ndarray], float]


def torch_copy(network: Sequential) -> torch.nn.Sequential:
    """The same modules in torch, holding copies of the network's weights."""
    model = torch.nn.Sequential(
        *(getattr(torch.nn, type(layer).__name__)(**layer_kwargs(layer)) for layer in network.layers)
    )
    model.load_state_dict(
        {key: torch.from_numpy(value.copy()) for key, value in network.state_dict().items()}
    )
    return model


def setup(
    network: Sequential, images: np.ndarray, labels: np.ndarray
) -> tuple[tuple[Sequential, Step], tuple[torch.nn.Sequential, Step]]:
    """The engine network and its torch copy, each with a training step (Adam, lr 1e-3) that takes
    the indices of a batch and returns the batch's loss."""
    model = torch_copy(network)
    engine_optimizer = Adam(network.parameters(), lr=1e-3)
    torch_optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def engine_step(index: np.ndarray) -> float:
        x, y = images[index], labels[index]
        logits, _ = network.forward(x)
        grad = cross_entropy_backward(logits, y).astype(np.float32)
        engine_optimizer.step(list(network.backward(grad).parameters.values()))
        return float(cross_entropy(logits, y))

    def torch_step(index: np.ndarray) -> float:
        x, y = torch.from_numpy(images[index]), torch.from_numpy(labels[index])
        torch_optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        torch_optimizer.step()
        return float(loss.detach())

    return (network, engine_step), (model, torch_step)


def race(engine_step: Any, torch_step: Any, batches: list[np.ndarray], rounds: int) -> Any:
    """Both sides train on the same batches, ``rounds`` steps each in turn: (seconds, losses) each."""
    engine_seconds = torch_seconds = 0.0
    engine_losses: list[float] = []
    torch_losses: list[float] = []
    for start in range(0, len(batches), rounds):
        chunk = batches[start : start + rounds]
        begun = time.perf_counter()
        engine_losses += [engine_step(index) for index in chunk]
        engine_seconds += time.perf_counter() - begun
        begun = time.perf_counter()
        torch_losses += [torch_step(index) for index in chunk]
        torch_seconds += time.perf_counter() - begun
    return (engine_seconds, engine_losses), (torch_seconds, torch_losses)


def forward_latencies(network: Any, model: Any, digit: np.ndarray, runs: int) -> Any:
    """Seconds of one digit's forward pass keeping every layer's output, engine and torch, ``runs`` each."""
    network.eval()
    model.eval()
    latencies, torch_latencies = [], []
    for _ in range(runs):
        begun = time.perf_counter()
        network.forward(digit, keep=True)
        latencies.append(time.perf_counter() - begun)
        begun = time.perf_counter()
        with torch.no_grad():
            value = torch.from_numpy(digit[None])
            kept = []
            for module in model:
                value = module(value)
                kept.append(value)
        torch_latencies.append(time.perf_counter() - begun)
    return latencies, torch_latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--round", type=int, default=20, help="steps of one side before the other's turn")
    parser.add_argument("--latency-runs", type=int, default=300)
    args = parser.parse_args()
    torch.set_num_threads(1)

    (images, labels), _, _ = load_mnist()
    order = np.random.default_rng(0).permutation(len(labels))
    batches = [np.sort(order[i * BATCH : (i + 1) * BATCH]) for i in range(args.steps)]

    # One warm-up step each on throwaway copies (torch's first optimizer step imports a good deal).
    spare = np.sort(order[-BATCH:])
    for _, warm_up in setup(Sequential(tinyvgg(), seed=1), images, labels):
        warm_up(spare)
    (network, engine_step), (model, torch_step) = setup(Sequential(tinyvgg(), seed=0), images, labels)

    (engine_seconds, engine_losses), (torch_seconds, torch_losses) = race(
        engine_step, torch_step, batches, args.round
    )
    drift = max(
        float(np.abs(value - model.state_dict()[key].numpy()).max())
        for key, value in network.state_dict().items()
    )
    latencies, torch_latencies = forward_latencies(network, model, images[0], args.latency_runs)

    print(
        f"TinyVGG {tinyvgg()[0].out_channels}/{tinyvgg()[5].out_channels} channels, "
        f"{network.parameter_count:,} parameters, batch {BATCH}, Adam lr 1e-3, {args.steps} steps "
        f"in rounds of {args.round}, one thread each; load average {os.getloadavg()[0]:.1f}"
    )
    print("| | engine | torch | ratio (engine / torch) |")
    print("| --- | ---: | ---: | ---: |")
    engine_rate, torch_rate = args.steps / engine_seconds, args.steps / torch_seconds
    ratio = torch_rate / engine_rate
    print(f"| training steps per second | {engine_rate:.2f} | {torch_rate:.2f} | {ratio:.2f} |")
    print(f"| ms per step | {1000 / engine_rate:.1f} | {1000 / torch_rate:.1f} | |")
    print(
        f"| one epoch ({EPOCH_STEPS} steps) at that rate, s | {EPOCH_STEPS / engine_rate:.0f} | "
        f"{EPOCH_STEPS / torch_rate:.0f} | |"
    )
    engine_ms, torch_ms = 1000 * statistics.median(latencies), 1000 * statistics.median(torch_latencies)
    print(
        f"| forward of one digit, every layer kept, median of {args.latency_runs}, ms | {engine_ms:.2f} | "
        f"{torch_ms:.2f} | {engine_ms / torch_ms:.2f} |"
    )
    print(
        f"mean loss of the last round: engine {statistics.mean(engine_losses[-args.round :]):.4f}, "
        f"torch {statistics.mean(torch_losses[-args.round :]):.4f}; largest weight difference after "
        f"{args.steps} steps (float32): {drift:.2e}"
    )


if __name__ == "__main__":
    main()
