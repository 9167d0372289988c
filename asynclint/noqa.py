"""`# noqa` comments: which codes each line silences."""
from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional

# `# noqa`, `# noqa: AIO100`, `# noqa:AIO100,AIO2 E501` (case-insensitive, like flake8).
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]*", re.IGNORECASE)

# None stands for a bare `# noqa`: it silences every code on its line.
NoqaMap = Dict[int, Optional[FrozenSet[str]]]


def parse_noqa(source: str) -> NoqaMap:
    """Map 1-based line numbers to the codes their `# noqa` comment names."""
    result: NoqaMap = {}
    if "noqa" not in source.lower():
        return result
    for number, line in enumerate(source.splitlines(), start=1):
        if "noqa" not in line.lower():
            continue
        match = _NOQA.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        result[number] = None if codes is None else frozenset(c.upper() for c in _CODE.findall(codes))
    return result


def is_suppressed(noqa: NoqaMap, line: int, code: str) -> bool:
    """True when a `# noqa` on `line` covers `code` (exactly or by prefix)."""
    if line not in noqa:
        return False
    codes = noqa[line]
    if codes is None:
        return True
    return any(code.startswith(prefix) for prefix in codes)
