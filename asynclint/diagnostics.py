"""Value types that flow from the engine to reporters, caches and worker processes.

They hold no libcst nodes, so they pickle cheaply and the reporters never need libcst.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding: `path:line:column: code message` (line and column 1-based)."""

    path: str
    line: int
    column: int
    code: str
    message: str
    end_line: Optional[int] = None
    end_column: Optional[int] = None

    @property
    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)


@dataclass(frozen=True)
class InternalError:
    """A failure of asynclint itself (not of the user's input) on one file."""

    path: str
    message: str


@dataclass(frozen=True)
class Pending:
    """A finding that holds if the project index says so.

    kind: "coroutine-function" (the callable is an `async def` that gives a coroutine),
    "function" (any def), "blocking" (a plain function that reaches a blocking call),
    "loop-runner" (a function that runs an event loop). The message may contain
    `{chain}`, filled with the call chain that proves it.
    """

    kind: str
    qualname: str
    message: str
