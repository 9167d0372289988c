"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

    ::warning file=src/app.py,line=4,col=5,endLine=4,endColumn=18,title=AIO100 blocking-sleep::time.sleep() blocks ...

AIO001 is an `::error`, everything else a `::warning`. `endLine`/`endColumn` are left out
when unknown. Paths are relative to the `root` folder the caller gives (GitHub matches
them against the repository root), with `/` separators.

Escaping follows @actions/core (`escapeData` / `escapeProperty`): in the message `%`,
`\\r` and `\\n` become `%25`, `%0D`, `%0A`; property values additionally escape `:` and
`,` as `%3A` and `%2C`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, List, Optional, Tuple

from ..diagnostics import Diagnostic
from ._common import display_path, level_for, rules_by_code


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic, root: Path, name: Optional[str] = None) -> str:
    """One `::warning ...::message` line (without the newline)."""
    properties: List[Tuple[str, Any]] = [
        ("file", display_path(diagnostic.path, root)),
        ("line", diagnostic.line),
        ("col", diagnostic.column),
    ]
    if diagnostic.end_line is not None and diagnostic.end_line >= diagnostic.line:
        properties.append(("endLine", diagnostic.end_line))
        if diagnostic.end_column is not None:
            properties.append(("endColumn", diagnostic.end_column))
    properties.append(("title", f"{diagnostic.code} {name}" if name else diagnostic.code))
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{level_for(diagnostic.code)} {rendered}::{escape_data(diagnostic.message)}"


def format_github(
    diagnostics: Iterable[Diagnostic], *, root: Path, rules: Optional[Iterable[Any]] = None
) -> str:
    """The findings as workflow commands, one a line, ending with a newline (or "")."""
    names = {code: info.name for code, info in rules_by_code(rules).items()}
    lines = [annotation(d, root, names.get(d.code)) for d in diagnostics]
    return "\n".join(lines) + ("\n" if lines else "")
