"""The one assertion of every table of bad calls: an EngineError with this code and field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from engine import EngineError
from engine.errors import CODES


def assert_refused(call: Callable[[], Any], code: str, field: str | None) -> None:
    """``call()`` raises an EngineError (a ValueError) with this code and field, JSON-ready."""
    with pytest.raises(EngineError) as raised:
        call()
    error = raised.value
    assert isinstance(error, ValueError)
    assert (error.code, error.field) == (code, field)
    assert str(error) == error.message
    assert code in CODES
    body = error.as_dict()
    assert json.loads(json.dumps(body)) == body
    assert body["code"] == code
