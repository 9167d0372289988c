"""`--format json`: a JSON array with one object per finding.

Shape (keys always present, in this order; the array is in the order the findings are
given, which the command sorts by path and position):

    [
      {
        "path": "src/app.py",            # as in the text output
        "line": 4,                       # 1-based
        "column": 5,                     # 1-based, in characters (code points)
        "end_line": 4,                   # 1-based, or null when unknown
        "end_column": 18,                # 1-based, one past the last character, or null
        "code": "AIO100",
        "name": "blocking-sleep",        # null for a code no rule has
        "message": "time.sleep() blocks the event loop; ...",
        "fix": {"available": true, "safety": "safe"}   # safety: "safe", "unsafe" or null
      }
    ]

The text is UTF-8 (non-ASCII characters are written as they are, not escaped), indented
by two spaces, and ends with a newline. `parse_json` reads it back into `Diagnostic`s.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Optional

from ..diagnostics import Diagnostic
from ._common import fix_info, rules_by_code

KEYS = ("path", "line", "column", "end_line", "end_column", "code", "name", "message", "fix")


def finding_object(diagnostic: Diagnostic, name: Optional[str]) -> Dict[str, Any]:
    available, safety = fix_info(diagnostic)
    return {
        "path": diagnostic.path,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column,
        "code": diagnostic.code,
        "name": name,
        "message": diagnostic.message,
        "fix": {"available": available, "safety": safety},
    }


def format_json(diagnostics: Iterable[Diagnostic], *, rules: Optional[Iterable[Any]] = None) -> str:
    """The findings as a JSON array (see the module docstring), ending with a newline.

    `rules`: rule metadata for the `name` field (`codes.RuleInfo`s, rule classes or
    `RuleMeta`s); by default `asynclint.codes.RULES`.
    """
    names = {code: info.name or None for code, info in rules_by_code(rules).items()}
    objects: List[Dict[str, Any]] = [finding_object(d, names.get(d.code)) for d in diagnostics]
    return json.dumps(objects, indent=2, ensure_ascii=False) + "\n"


def parse_json(text: str) -> List[Diagnostic]:
    """Read `format_json` output back into `Diagnostic`s (`name` and `fix` are dropped)."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("asynclint JSON output is an array of findings")
    return [
        Diagnostic(
            path=item["path"],
            line=item["line"],
            column=item["column"],
            code=item["code"],
            message=item["message"],
            end_line=item.get("end_line"),
            end_column=item.get("end_column"),
        )
        for item in data
    ]
