"""Where each statement of a module starts, by Python's `ast`, in source order.

positions.py locates a node by generating the code of the statement that holds it,
starting at the line this list gives. The outline pass has the `ast` tree already, so it
takes the list from there and hands it to the check (runner.py); no second parse.
"""
from __future__ import annotations

import ast
import warnings
from array import array
from typing import List, Optional, Union

# The blocks of each compound statement, in the order libcst holds them and the traversal
# enters them; a statement of any other type has none.
_BLOCKS = {
    ast.FunctionDef: ("body",),
    ast.AsyncFunctionDef: ("body",),
    ast.ClassDef: ("body",),
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
}
if hasattr(ast, "TryStar"):  # Python 3.11
    _BLOCKS[ast.TryStar] = _BLOCKS[ast.Try]
if hasattr(ast, "Match"):  # Python 3.10
    _BLOCKS[ast.Match] = ("cases",)
# Blocks whose items hold a body of their own: `except` handlers, `case` clauses.
_CLAUSES = ("handlers", "cases")


def statement_lines(tree: ast.Module) -> "array[int]":
    """The line where each statement starts (its first decorator's, if any), in source
    order: each compound statement, then what its blocks hold."""
    lines: List[int] = []
    _collect(tree.body, lines)
    return array("I", lines)


def statement_start(statement: ast.stmt) -> int:
    """The line a statement starts on: its first decorator's, if it has any."""
    decorators = getattr(statement, "decorator_list", None)
    return decorators[0].lineno if decorators else statement.lineno


def statement_lines_of_source(source: str) -> Optional["array[int]"]:
    """As statement_lines, parsing `source`; None when Python cannot parse it."""
    tree = python_tree(source)
    return None if tree is None else statement_lines(tree)


def python_tree(source: Union[str, bytes]) -> Optional[ast.Module]:
    """Python's tree of `source`, or None when Python rejects it (a syntax error, a
    null byte, nesting too deep for its parser; for bytes, also bytes it cannot decode).

    A file's bytes are best handed over as they are: Python decodes them as when it
    imports the file (BOM, coding cookie), where text it would encode back to UTF-8
    first, about 5 % of the parse. Positions are the same (columns count UTF-8 bytes).
    """
    try:
        with warnings.catch_warnings():
            # An invalid escape and the like: Python 3.12 warns on stderr, once per file.
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None


def _collect(body: List[ast.stmt], lines: List[int]) -> None:
    for statement in body:
        blocks = _BLOCKS.get(type(statement))
        if blocks is None:  # most statements: a simple one, with no decorators or blocks
            lines.append(statement.lineno)
            continue
        lines.append(statement_start(statement))
        for field in blocks:
            inner = getattr(statement, field)
            if not inner:
                continue
            if field in _CLAUSES:
                for part in inner:
                    _collect(part.body, lines)
            else:
                _collect(inner, lines)
