"""AIO900 unused-noqa: `# noqa: AIO...` comments that silence nothing.

Worked out once the whole run is settled, from each file's `# noqa` map and the findings
a `# noqa` silenced: the file's own, the settled cross-module ones, and the blocking
calls in plain functions a `# noqa` keeps AIO110 from following (facts.py). Only the
codes of asynclint (`AIO...`) are judged: a bare `# noqa`, other tools' codes and
`# noqa` text in a string never are. A comment whose codes also cover AIO900
(`# noqa: AIO100, AIO900`) keeps its unused codes unreported, like any other finding
it silences.

Only files the engine parsed are judged: for an unparsable file (or one a rule crashed
on) nothing says what its comments would have silenced. Nothing here imports libcst.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    Optional,
    Set,
    Tuple,
)

from .codes import RULES
from .diagnostics import Diagnostic, FileResult
from .files import SourceError, decode_source
from .noqa import LINE_BREAK, Comments, find_noqa, is_suppressed, scan_comments

if TYPE_CHECKING:
    from .config import Settings
    from .project import Settled

CODE = "AIO900"

NOTHING_HERE = "nothing to silence here"
NOT_ENABLED = "not enabled"
UNKNOWN = "unknown code"


def unused_noqa(
    results: Iterable[FileResult],
    settled: "Settled",
    settings: "Settings",
    sources: Mapping[Path, bytes],
) -> List[Diagnostic]:
    """An AIO900 finding for every `# noqa` comment naming AIO codes that silenced nothing,
    in the files AIO900 is enabled for. `sources` (each file's bytes) tells a comment from
    the same text in a string, and gives the comment's column.
    """
    silenced: Dict[str, Dict[int, Set[str]]] = defaultdict(lambda: defaultdict(set))
    results = list(results)
    for diagnostic in [*settled.suppressed, *(d for r in results for d in r.suppressed)]:
        silenced[diagnostic.path][diagnostic.line].add(diagnostic.code)
    findings: List[Diagnostic] = []
    for result in results:
        if not (result.parsed and result.apply_noqa and result.noqa):
            continue
        path = Path(result.path)
        enabled = settings.codes_for(path)
        if CODE not in enabled:
            continue
        comment_column: Optional[Callable[[int], Optional[int]]] = None
        for line, named in sorted(result.noqa.items()):
            if named is None or is_suppressed(result.noqa, line, CODE):
                continue
            unused = _unused(named, silenced[result.path].get(line, set()), enabled)
            if not unused:
                continue
            if comment_column is None:
                comment_column = _comment_finder(sources.get(path))
            column = comment_column(line)
            if column is not None:
                findings.append(Diagnostic(result.path, line, column, CODE, _message(unused)))
    return findings


def _unused(named: FrozenSet[str], silenced: Set[str], enabled: FrozenSet[str]) -> List[Tuple[str, str]]:
    """(code, reason) for each AIO code of a comment that silenced nothing, sorted."""
    unused = []
    for code in sorted(c for c in named if c.startswith("AIO")):
        if any(found.startswith(code) for found in silenced):
            continue
        if not any(rule.code.startswith(code) for rule in RULES):
            reason = UNKNOWN
        elif not any(known.startswith(code) for known in enabled):
            reason = NOT_ENABLED
        else:
            reason = NOTHING_HERE
        unused.append((code, reason))
    return unused


def _message(unused: List[Tuple[str, str]]) -> str:
    """`unused noqa code AIO100 (nothing to silence here)`; several codes are grouped
    by reason: `unused noqa codes AIO100, AIO2 (nothing to silence here), AIO999 (unknown code)`."""
    by_reason: Dict[str, List[str]] = {}
    for code, reason in unused:
        by_reason.setdefault(reason, []).append(code)
    groups = [f"{', '.join(codes)} ({reason})" for reason, codes in by_reason.items()]
    return f"unused noqa code{'s' if len(unused) > 1 else ''} {', '.join(groups)}"


def _comment_finder(data: Optional[bytes]) -> Callable[[int], Optional[int]]:
    """line -> 1-based column of the `#` of that line's `# noqa` comment, or None when the
    `# noqa` is no comment at all but text in a string (`"# noqa: AIO100"`). Without the
    source (or when Python cannot tokenize it) every one counts, at column 1 if unknown.
    """
    lines: List[str] = []
    scan: Optional[Comments] = None
    if data is not None:
        try:
            source = decode_source(data)
        except SourceError:
            source = ""
        lines = LINE_BREAK.split(source)
        scan = scan_comments(source)

    def column(line: int) -> Optional[int]:
        match = find_noqa(lines[line - 1]) if 0 < line <= len(lines) else None
        if match is None:
            return 1
        if scan is not None:
            comment = scan.comments.get(line)
            if comment is None or match.start() < comment[0]:
                return None
        return match.start() + 1

    return column
