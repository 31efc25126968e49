"""static/js/shapes.js against engine.shapes: the same size, derivation and unvisited rows for
hundreds of random settings, and a refusal exactly where the engine raises.

The pages use the JavaScript mirror for their limits and layouts; if it drifted from the engine, a
control could reach a setting the server refuses, or a grid be laid out one row short.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine import conv_output_size, conv_transpose_output_size, pool_output_size
from engine.shapes import resolve_conv_padding

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "static" / "js" / "shapes.js"

# Reads [[function name, args], ...] on stdin, writes one {"ok": {...}} or {"error": message} each.
RUNNER = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const shapes = await import(pathToFileURL(process.argv[1]).href);
const cases = JSON.parse(readFileSync(0, "utf8"));
const answers = cases.map(([name, args]) => {
  try {
    return { ok: shapes[name](...args) };
  } catch (error) {
    if (!(error instanceof shapes.ShapeError)) throw error;
    return { error: error.message };
  }
});
process.stdout.write(JSON.stringify(answers));
"""


def run_mirror(cases: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node is not None, "node is needed for the shapes mirror test (scripts/test.sh installs it)"
    done = subprocess.run(
        [node, "--input-type=module", "-e", RUNNER, str(SHAPES)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


def engine_answer(function: Callable[..., Any], args: list[Any]) -> dict[str, Any]:
    try:
        size = function(*args)
    except ValueError as error:
        return {"error": str(error)}
    return {
        "ok": {
            "size": size.size,
            "derivation": size.derivation,
            "exact": size.exact,
            "unvisited": list(size.unvisited),
        }
    }


def pick(rng: random.Random, low: int, high: int, wrong: int) -> int:
    """Mostly a value in low..high; one time in twelve `wrong`, which the engine must refuse."""
    return wrong if rng.random() < 1 / 12 else rng.randint(low, high)


def conv_cases(rng: random.Random) -> list[list[Any]]:
    cases = []
    for _ in range(300):
        padding: Any = pick(rng, 0, 8, -1)
        if rng.random() < 0.25:
            padding = [pick(rng, 0, 6, -1), rng.randint(0, 6)]
        n, k, stride, dilation = (
            pick(rng, 1, 40, 0),
            pick(rng, 1, 12, 0),
            pick(rng, 1, 5, 0),
            pick(rng, 1, 4, 0),
        )
        cases.append([n, k, stride, padding, dilation])
    # Fractions at every stride up to 8 (the odd eighths are where rounding ties), and big inputs.
    cases += [[n, 1, s, 0, 1] for s in range(1, 9) for n in range(1, 17)]
    cases += [[224, 7, 2, 3, 1], [200, 5, 2, 1, 1], [1000, 11, 4, 5, 3], [5, 3, 1, [1, 1], 1]]
    return cases


def pool_cases(rng: random.Random) -> list[list[Any]]:
    cases = []
    for _ in range(300):
        stride = None if rng.random() < 0.3 else pick(rng, 1, 5, 0)
        n, k, padding = pick(rng, 1, 30, 0), pick(rng, 1, 7, 0), pick(rng, 0, 3, -1)
        cases.append([n, k, stride, padding, rng.randint(1, 3), rng.random() < 0.6])
    # ceil_mode's rule: a last window that would start in the right padding is dropped.
    cases += [[5, 2, 2, 1, 1, True], [6, 3, 2, 1, 1, True], [7, 3, 3, 1, 1, True], [4, 2, 3, 0, 1, True]]
    return cases


def transpose_cases(rng: random.Random) -> list[list[Any]]:
    cases = []
    for _ in range(300):
        n, k, stride = pick(rng, 1, 16, 0), pick(rng, 1, 7, 0), pick(rng, 1, 4, 0)
        padding, dilation = pick(rng, 0, 6, -1), pick(rng, 1, 3, 0)
        cases.append([n, k, stride, padding, rng.randint(0, 3), dilation])
    return cases


FUNCTIONS: dict[str, tuple[Callable[..., Any], Callable[[random.Random], list[list[Any]]]]] = {
    "convOutputSize": (conv_output_size, conv_cases),
    "poolOutputSize": (pool_output_size, pool_cases),
    "convTransposeOutputSize": (conv_transpose_output_size, transpose_cases),
}


def engine_args(name: str, args: list[Any]) -> list[Any]:
    """JSON has no tuples: the (before, after) padding of a convolution is a pair for the engine."""
    if name == "convOutputSize" and isinstance(args[3], list):
        return [*args[:3], tuple(args[3]), *args[4:]]
    return args


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_mirror_gives_the_engines_sizes_derivations_and_refusals(name: str) -> None:
    function, make_cases = FUNCTIONS[name]
    cases = make_cases(random.Random(f"shapes-{name}"))
    answers = run_mirror([(name, args) for args in cases])
    refused = 0
    for args, answer in zip(cases, answers, strict=True):
        expected = engine_answer(function, engine_args(name, args))
        if "error" in expected:
            refused += 1
            assert "error" in answer, (name, args, answer)
        else:
            assert answer == expected, (name, args)
    # Both kinds of case were tried: possible settings and ones the engine refuses.
    assert refused > 30
    assert len(cases) - refused > 100


def test_same_padding_splits_as_the_engine_does() -> None:
    rng = random.Random("same")
    cases = []
    for _ in range(200):
        padding = rng.choice(["same", "valid", rng.randint(0, 5), "full"])
        cases.append([padding, rng.randint(1, 11), rng.choice([1, 1, 2]), rng.randint(1, 4)])
    answers = run_mirror([("resolvePadding", args) for args in cases])
    for (padding, k, stride, dilation), answer in zip(cases, answers, strict=True):
        try:
            top, bottom, _, _ = resolve_conv_padding(padding, (k, k), (stride, stride), (dilation, dilation))
        except ValueError:
            assert "error" in answer, (padding, k, stride, dilation)
        else:
            assert answer == {"ok": [top, bottom]}, (padding, k, stride, dilation)
