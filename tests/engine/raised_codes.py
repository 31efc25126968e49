"""The error codes a body of source raises, read from its syntax tree, for the check against CODES.

A code is found wherever an ``EngineError(...)`` is built: a string literal; a variable, followed
to the values assigned to it in the same scope (``code = "a" if ... else "b"``); or a parameter of
a helper that forwards it (``one_of(value, options, name, code)``), followed to the argument
every call of that helper passes (by position or keyword, or the parameter's default). Anything
else (a call, an attribute, a code built at run time) cannot be read and raises
:class:`UnresolvedCodeError`, so a code can never slip past the check unseen. The one exception is an
error's own ``.code`` handed on (``EngineError(self.code, ...)`` in ``EngineError.at``): that
re-raises a code already counted where it was first raised.
"""

from __future__ import annotations

import ast
from pathlib import Path

Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef
Function = ast.FunctionDef | ast.AsyncFunctionDef


class UnresolvedCodeError(AssertionError):
    """An ``EngineError`` whose code the scan cannot follow back to string literals."""


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


class CodeScan:
    """The codes raised in ``sources`` (file name -> Python source)."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.calls: list[ast.Call] = []
        self.scope: dict[ast.AST, Scope] = {}
        self.where: dict[ast.AST, str] = {}
        for name, text in sources.items():
            tree = ast.parse(text, name)
            for node in ast.walk(tree):  # breadth first: an outer function before the ones inside it
                if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
                    for inner in ast.walk(node):
                        self.scope[inner] = node
                self.where[node] = f"{name}:{getattr(node, 'lineno', 0)}"
                if isinstance(node, ast.Call):
                    self.calls.append(node)

    @classmethod
    def of_folder(cls, folder: Path) -> CodeScan:
        return cls({str(path): path.read_text() for path in sorted(folder.rglob("*.py"))})

    def raised(self) -> set[str]:
        codes: set[str] = set()
        for call in self.calls:
            if _callee(call) != "EngineError":
                continue
            keywords = {keyword.arg: keyword.value for keyword in call.keywords}
            given = call.args[0] if call.args else keywords.get("code")
            if isinstance(given, ast.Attribute) and given.attr == "code":
                continue  # an existing error's code, handed on
            codes |= self._resolve(given or call, frozenset())
        return codes

    def _resolve(self, node: ast.AST, seen: frozenset[tuple[ast.AST, str]]) -> set[str]:
        """The string literals ``node`` (an expression passed as a code) can evaluate to."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.IfExp):
            return self._resolve(node.body, seen) | self._resolve(node.orelse, seen)
        if isinstance(node, ast.Name):
            scope = self.scope[node]
            if isinstance(scope, Function) and node.id in _parameters(scope):
                return self._forwarded(scope, node.id, seen)
            values = [
                assign.value
                for assign in ast.walk(scope)
                if isinstance(assign, ast.Assign | ast.AnnAssign)
                and self.scope[assign] is scope
                and any(isinstance(t, ast.Name) and t.id == node.id for t in _targets(assign))
                and assign.value is not None
            ]
            if values:
                return set().union(*(self._resolve(value, seen) for value in values))
        raise UnresolvedCodeError(f"{self.where[node]}: cannot tell which code {ast.unparse(node)!r} is")

    def _forwarded(self, helper: Function, parameter: str, seen: frozenset[tuple[ast.AST, str]]) -> set[str]:
        """The codes every call of ``helper`` passes as ``parameter``."""
        if (helper, parameter) in seen:
            return set()
        seen = seen | {(helper, parameter)}
        codes: set[str] = set()
        for call in self.calls:
            if _callee(call) == helper.name:
                codes |= self._resolve(_argument(call, helper, parameter) or call, seen)
        return codes


def _parameters(function: Function) -> list[str]:
    arguments = function.args
    return [a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]


def _targets(assign: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return assign.targets if isinstance(assign, ast.Assign) else [assign.target]


def _argument(call: ast.Call, helper: Function, parameter: str) -> ast.expr | None:
    """What ``call`` passes to ``helper``'s ``parameter``: by keyword, by position, or the default.

    A ``*args`` or ``**kwargs`` that may carry it is returned as it is, for _resolve to refuse.
    """
    for keyword in call.keywords:
        if keyword.arg == parameter:
            return keyword.value
    arguments = helper.args
    positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
    defaults = dict(zip(reversed(positional), reversed(arguments.defaults), strict=False))
    if positional and positional[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        positional = positional[1:]  # a method call passes self itself
    if parameter in positional:
        index = positional.index(parameter)
        passed = [a for a in call.args[: index + 1] if isinstance(a, ast.Starred)] + call.args[index:]
        if passed:
            return passed[0]
    unpacked = [keyword.value for keyword in call.keywords if keyword.arg is None]
    if unpacked:
        return unpacked[0]
    defaults |= dict(zip((a.arg for a in arguments.kwonlyargs), arguments.kw_defaults, strict=True))
    return defaults.get(parameter)
