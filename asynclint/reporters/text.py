"""The default output: `path:line:column: CODE message`, one finding a line."""
from __future__ import annotations

from typing import Iterable, List

from ..diagnostics import Diagnostic


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    lines: List[str] = [f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}" for d in diagnostics]
    return "\n".join(lines) + ("\n" if lines else "")
