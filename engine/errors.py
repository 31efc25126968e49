"""The one error type of the engine: a ValueError that says what rule broke, as data and as prose.

Every invalid argument raises :class:`EngineError`. ``message`` is an English sentence that names
the value and the rule ("kernel 7 is larger than the padded input 5"); ``code`` is a stable
machine name of the rule ("kernel_too_large"), ``field`` the argument at fault ("weight",
"stride", "layers[2].kernel_size") and ``values`` the numbers the sentence quotes, so a caller
can route the error to a field and say it again in another language without parsing the prose.
"""

from __future__ import annotations

from typing import Any


class EngineError(ValueError):
    """An argument broke a rule of the operation.

    It stays a ``ValueError``, so ``except ValueError`` (and ``pytest.raises(ValueError, match=...)``)
    keep working; ``str(error)`` is the English message.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None, **values: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.values = values

    def at(self, field: str) -> EngineError:
        """The same error re-addressed to ``field`` (a layer of a stack, an element of a request)."""
        return EngineError(self.code, self.message, field=field, **self.values)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"code", "message", "field", "values"}`` (values made JSON-safe)."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "values": _plain(self.values),
        }


def _plain(value: Any) -> Any:
    """Tuples to lists and NumPy scalars to Python numbers, recursively, so json.dumps takes it."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return repr(value)
