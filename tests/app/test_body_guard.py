"""The raw-body checks: depth and NaN/Infinity found without parsing, strings ignored."""

from __future__ import annotations

import json
import time

import pytest

from app.errors import ApiError
from app.middleware import check_json


def nested(depth: int) -> bytes:
    return b"[" * depth + b"1" + b"]" * depth


def test_depth_up_to_the_limit_passes() -> None:
    check_json(nested(8), 8)
    check_json(json.dumps({"input": [[[[1, 2], [3, 4]]]], "weight": {"shape": [1]}}).encode(), 5)
    with pytest.raises(ApiError, match="nested more than 8 levels deep") as info:
        check_json(nested(9), 8)
    assert (info.value.status, info.value.code, info.value.limit) == (
        400,
        "json_too_deep",
        ("max_json_depth", 8),
    )


def test_mixed_objects_and_lists_count_together() -> None:
    body = json.dumps({"a": [{"b": [{"c": [1]}]}]}).encode()  # 6 levels
    check_json(body, 6)
    with pytest.raises(ApiError):
        check_json(body, 5)


def test_brackets_and_words_inside_strings_are_ignored() -> None:
    body = json.dumps({"note": "[[[[[[[[[[ NaN Infinity", "quote": 'say \\"[[[[[["'}).encode()
    check_json(body, 2)


@pytest.mark.parametrize("word", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_literals_are_refused(word: bytes) -> None:
    with pytest.raises(ApiError, match="not a JSON number") as info:
        check_json(b'{"eps": ' + word + b"}", 8)
    assert info.value.code == "non_finite_number"


def test_unbalanced_brackets_are_left_for_the_parser() -> None:
    check_json(b'{"input": [1, 2}', 8)
    check_json(b"[" * 10_000, 8)


def test_a_large_body_is_scanned_quickly() -> None:
    body = json.dumps({"input": [[[[0.123456789] * 1000] * 200]]}).encode()  # about 2.4 MB
    start = time.perf_counter()
    check_json(body, 8)
    check_json(b"[]" * 1_000_000, 8)
    assert time.perf_counter() - start < 1.0
