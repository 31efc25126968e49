"""Two structure rules, checked: functions stay short, and a request runs code in few project files."""

from __future__ import annotations

import ast
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

ROOT = Path(__file__).resolve().parents[1]
PYTHON_FOLDERS = ("app", "engine", "tests", "benchmarks", "scripts", "training")
MAX_FUNCTION_LINES = 60
MAX_HOT_PATH_FILES = 12
# A conv2d request as the pages send it: spec tensors generated on the server.
CONV2D = {
    "input": {"shape": [1, 1, 5, 5], "kind": "integers", "seed": 3},
    "weight": {"shape": [1, 1, 3, 3], "kind": "integers", "seed": 4},
    "padding": 1,
}


def _long_functions() -> list[str]:
    """Every function (or method) of the project's Python longer than MAX_FUNCTION_LINES lines."""
    found = []
    for folder in PYTHON_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_python_function_is_longer_than_sixty_lines() -> None:
    assert _long_functions() == []


def _files_run_by(send: Callable[[], object]) -> set[str]:
    """Project source files whose code runs while ``send()`` is answered (imports already done),
    in this thread and in every thread started meanwhile; tests and the virtualenv left out."""
    seen: set[str] = set()
    prefix = str(ROOT) + "/"

    def profile(frame: FrameType, event: str, arg: object) -> None:
        name = frame.f_code.co_filename
        if name.startswith(prefix) and "/.venv/" not in name and not name.startswith(prefix + "tests/"):
            seen.add(name.removeprefix(prefix))

    sys.setprofile(profile)
    threading.setprofile(profile)  # type: ignore[arg-type]
    try:
        send()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    return seen


@pytest.mark.parametrize("path", ["/api/conv2d/frames", "/api/conv2d"])
def test_a_conv2d_request_runs_code_in_at_most_twelve_project_files(path: str) -> None:
    client = TestClient(create_app())
    assert client.post(path, json=CONV2D).status_code == 200  # imports and caches warmed
    statuses: list[int] = []
    files = _files_run_by(lambda: statuses.append(client.post(path, json=CONV2D).status_code))
    assert statuses == [200]
    assert any(name.startswith("engine/") for name in files)  # the profile saw the worker threads
    assert len(files) <= MAX_HOT_PATH_FILES, sorted(files)
