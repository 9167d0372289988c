"""Building blocks for fix plans: module-level insertions and asyncio's local name."""
from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from ..fixes import NodeEdit


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_future_import(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and any(
            isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) and small.module.value == "__future__"
            for small in statement.body
        )
    )


def _is_import(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def top_of_module_edit(module: cst.Module, text: str) -> Optional[NodeEdit]:
    """A new line at the top of the module, after its docstring and `__future__` imports."""
    body = list(module.body)
    index = 0
    if body and _is_docstring(body[0]):
        index = 1
    while index < len(body) and _is_future_import(body[index]):
        index += 1
    if index < len(body):
        return NodeEdit(body[index], "line_before", text)
    if body:
        return NodeEdit(body[-1], "line_after", text)
    return None


def after_imports_edit(module: cst.Module, text: str) -> Optional[NodeEdit]:
    """A new line after the module's last top-level import (else at the top)."""
    imports = [statement for statement in module.body if _is_import(statement)]
    if imports:
        return NodeEdit(imports[-1], "line_after", text)
    return top_of_module_edit(module, text)


def asyncio_name(context) -> Tuple[str, List[NodeEdit]]:
    """The name that refers to the asyncio module here, adding `import asyncio` if none.

    An existing alias is kept (`import asyncio as aio` gives `aio`).
    """
    scope = context.semantic.module_scope()
    for name, bindings in scope.bindings.items():
        if all(b.kind == "import" and b.qualname == "asyncio" for b in bindings):
            return name, []
    if "asyncio" in scope.bindings:
        return "", []  # the name is taken by something else: no safe spelling
    edit = top_of_module_edit(context.module, "import asyncio")
    return "asyncio", [edit] if edit is not None else []


def is_module_level_name(context, name: str) -> bool:
    return name in context.semantic.module_scope().bindings
