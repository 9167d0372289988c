"""Fixes: planned on nodes by rules, turned into text edits, applied per file.

A rule plans a fix in terms of the nodes it sees (`replace this call's callee`, `put a
line after this statement`). The engine locates those nodes together with the
findings, in its single position pass, and turns the plan into text edits (`Edit`), so
a finding carries its fix across processes and the cache without libcst. Applying
fixes works on the text: edits are applied from the end of the file backwards, an edit
that overlaps one already taken waits for the next run, and the result must still parse
or nothing is written. Edits never touch what they do not mention, so comments, blank
lines and formatting survive.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Container, Dict, List, Optional, Sequence, Tuple

from .diagnostics import Diagnostic, Edit, Fix
from .files import SourceError, decode_source, source_encoding
from .noqa import line_offsets, parse_noqa, split_lines


@dataclass
class NodeEdit:
    """One planned change, anchored on a node (see `plan_to_fix` for the kinds)."""

    node: object  # a libcst node; typed loosely so that this module needs no libcst
    kind: str  # "replace", "replace_lines", "before", "after", "line_before", "line_after"
    text: str


@dataclass
class FixPlan:
    safety: str
    description: str
    edits: List[NodeEdit]


def plan_to_fix(plan: FixPlan, spans: Dict[int, Tuple[int, int, int, int]], source_lines: Sequence[str], newline: str) -> Optional[Fix]:
    """Turn node-anchored edits into text edits; None if a node could not be located.

    "replace" swaps the node's text ("replace_lines" too, indenting every line after the
    first like the node's first line); "before"/"after" insert at its start/end;
    "line_before" puts a new line above the node's first line, and "line_after" one
    below its last line, both indented like the node's first line (the text may hold
    several lines, each indented the same way).
    """
    edits = []
    for planned in plan.edits:
        span = spans.get(id(planned.node))
        if span is None:
            return None
        line, column, end_line, end_column = span
        if planned.kind == "replace":
            edits.append(Edit(line, column, end_line, end_column, planned.text))
        elif planned.kind == "before":
            edits.append(Edit(line, column, line, column, planned.text))
        elif planned.kind == "after":
            edits.append(Edit(end_line, end_column, end_line, end_column, planned.text))
        elif planned.kind == "replace_lines":
            indent = _indentation(source_lines, line)
            text = (newline + indent).join(planned.text.split("\n"))
            edits.append(Edit(line, column, end_line, end_column, text))
        elif planned.kind in ("line_before", "line_after"):
            indent = _indentation(source_lines, line)
            block = "".join(f"{indent}{text}{newline}" for text in planned.text.split("\n"))
            if planned.kind == "line_before":
                edits.append(Edit(line, 1, line, 1, block))
            else:
                # The node's span may end at the start of the next line (statements own
                # their newline); either way the new line goes after its last line.
                after = end_line if end_column == 1 else end_line + 1
                edits.append(Edit(after, 1, after, 1, block))
        else:
            raise ValueError(f"unknown edit kind {planned.kind!r}")
    return Fix(plan.safety, plan.description, tuple(edits))


def _indentation(source_lines: Sequence[str], line: int) -> str:
    text = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    return text[: len(text) - len(text.lstrip(" \t"))]


def newline_of(source: str) -> str:
    """The file's line ending, so that inserted lines match it."""
    for index, char in enumerate(source):
        if char == "\n":
            return "\r\n" if index and source[index - 1] == "\r" else "\n"
        if char == "\r" and source[index + 1 : index + 2] != "\n":
            return "\r"
    return "\n"


# -- applying -------------------------------------------------------------------------------


def source_lines(source: str) -> List[str]:
    """The lines as Python counts them, with their line breaks."""
    return list(split_lines(source))


def apply_edits(source: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (the caller has chosen them) to `source`."""
    starts = line_offsets(source)

    def offset(line: int, column: int) -> int:
        if line - 1 >= len(starts):
            return len(source)
        return min(starts[line - 1] + column - 1, len(source))

    result = source
    for edit in sorted(edits, key=lambda e: (e.line, e.column, e.end_line, e.end_column), reverse=True):
        begin, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        result = result[:begin] + edit.text + result[end:]
    return result


def choose_fixes(diagnostics: Sequence[Diagnostic], unsafe: bool) -> Tuple[List[Diagnostic], List[Edit]]:
    """The findings whose fixes can be applied together, and their edits.

    Identical edits (two fixes that both add `import asyncio`) are applied once; a fix
    whose edits overlap an edit already chosen is left for the next run.
    """
    chosen: List[Diagnostic] = []
    edits: List[Edit] = []
    taken: List[Tuple[Tuple[int, int], Tuple[int, int]]] = []
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        fix = diagnostic.fix
        if fix is None or (fix.safety != "safe" and not unsafe):
            continue
        new = [edit for edit in fix.edits if edit not in edits]
        if any(_overlaps(edit, other) for edit in new for other in taken):
            continue
        chosen.append(diagnostic)
        for edit in new:
            edits.append(edit)
            taken.append(((edit.line, edit.column), (edit.end_line, edit.end_column)))
    return chosen, edits


def _overlaps(edit: Edit, other: Tuple[Tuple[int, int], Tuple[int, int]]) -> bool:
    """Whether two edits of different fixes would interfere.

    Ranges that share text interfere; an insertion interferes with a range it falls
    strictly inside, and with another insertion at the same point (which goes first?).
    An insertion at the very start or end of a replaced range is fine.
    """
    start, end = (edit.line, edit.column), (edit.end_line, edit.end_column)
    other_start, other_end = other
    if start == end and other_start == other_end:
        return start == other_start
    if start == end:
        return other_start < start < other_end
    if other_start == other_end:
        return start < other_start < end
    return start < other_end and other_start < end


@dataclass
class FileFix:
    path: Path
    before: str
    after: str
    fixed: List[Diagnostic] = field(default_factory=list)

    def diff(self) -> str:
        name = str(self.path)
        lines = difflib.unified_diff(
            source_lines(self.before), source_lines(self.after), f"a/{name}", f"b/{name}"
        )
        return "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines)


@dataclass
class FixOutcome:
    files: List[FileFix] = field(default_factory=list)
    # path -> why its fixes were not applied (the result did not parse, ...)
    refused: Dict[str, str] = field(default_factory=dict)

    @property
    def fixed(self) -> List[Diagnostic]:
        return [d for f in self.files for d in f.fixed]


def fix_files(diagnostics: Sequence[Diagnostic], unsafe: bool) -> FixOutcome:
    """Compute the fixed text of every file that has applicable fixes (writes nothing)."""
    from .engine import parse  # parsing the result is the check that a fix is sound

    by_path: Dict[str, List[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.fix is not None:
            by_path.setdefault(diagnostic.path, []).append(diagnostic)
    outcome = FixOutcome()
    for name, found in sorted(by_path.items()):
        path = Path(name)
        try:
            before = decode_source(path.read_bytes())
        except (OSError, SourceError) as error:
            outcome.refused[name] = f"cannot read it again: {error}"
            continue
        # A line with a `# noqa` comment is the author's: no fix rewrites it.
        noqa_lines = set(parse_noqa(before))
        found = [d for d in found if d.fix is not None and not touches_lines(d.fix, noqa_lines)]
        chosen, edits = choose_fixes(found, unsafe)
        if not edits:
            continue
        after = apply_edits(before, edits)
        try:
            parse(after)
        except Exception as error:  # the fixes would break the file: leave it alone
            outcome.refused[name] = f"the fixed code would not parse ({type(error).__name__}); nothing changed"
            continue
        outcome.files.append(FileFix(path, before, after, chosen))
    return outcome


def touches_lines(fix: Fix, lines: Container[int]) -> bool:
    """Whether the fix changes text on one of `lines` (a new line inserted above a
    line, at its column 1, leaves that line as it is)."""
    for edit in fix.edits:
        if edit.column == 1 and (edit.line, edit.column) == (edit.end_line, edit.end_column):
            continue
        if any(line in lines for line in range(edit.line, edit.end_line + 1)):
            return True
    return False


def write_fixes(outcome: FixOutcome) -> None:
    """Write fixed files back in their own encoding (a BOM stays) and line endings."""
    for file_fix in outcome.files:
        encoding = source_encoding(file_fix.path.read_bytes())
        file_fix.path.write_bytes(file_fix.after.encode(encoding))
