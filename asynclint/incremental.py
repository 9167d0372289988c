"""What a run leaves for the next one, so that an edit re-checks the edited file alone.

After a run without internal errors the runner saves a `RunState`: each file's content
hash and findings, and signatures of what the file gives the other files:
- its outline's project part: the functions, coroutines and aliases the screen builds
  its closures from (screen.py), so which other files need the full check;
- its facts: what the project index knows of its functions (project.py), so how other
  files' pending findings settle and which modules the demand search parses;
- its pending findings (kind, callee, message), with how each one settled.

When every changed file gives the same as before, no other file's findings can change:
the next run checks the changed files, settles their pending findings the way the same
findings settled last time, and takes every other file's findings from the state. When
anything differs (a function starts to block, a file stops parsing, a file appears),
the runner does the whole run. Nothing here imports libcst.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from .cache import content_hash
from .diagnostics import Diagnostic, FileResult


class FileMemo(NamedTuple):
    """One file, as the last run left it."""

    digest: str  # content hash
    export: Optional[str]  # export_signature() of its outline; None without an outline
    contribution: str  # contribution_signature() of its facts and pending findings
    outcomes: Tuple[Optional[str], ...]  # per pending finding: its message if it held
    parsed: bool  # libcst checked it
    diagnostics: Tuple[Diagnostic, ...]  # what the run reported for it, settled ones too


@dataclass
class RunState:
    files: Dict[str, FileMemo]
    files_checked: int
    # The id under which the cache keeps the screen this run built (screen.Screen), which
    # tells whether an edited file needs the full check; None when the run cannot be
    # reused for edits (a blind screen, or a run where every file got the full check).
    screen_id: Optional[str]

    def diagnostics(self) -> List[Diagnostic]:
        return [diagnostic for memo in self.files.values() for diagnostic in memo.diagnostics]


def export_signature(
    functions: Iterable[Tuple[Sequence[str], bool, bool, Iterable[str]]],
    coroutines: Iterable[str],
    aliases: Iterable[Tuple[str, str]],
    owner_aliases: Iterable[Tuple[str, str]],
) -> str:
    """A hash of the part of an outline (screen.Outline) that other files' screening
    uses; worked out where the outline is made, in the worker."""
    # Sorted: sets iterate in an order that changes from one process to the next.
    ordered = sorted((tuple(keys), blocks, loops, sorted(calls)) for keys, blocks, loops, calls in functions)
    return _hash((ordered, sorted(coroutines), sorted(aliases), sorted(owner_aliases)))


def contribution_signature(facts: Any, pending: Sequence[Any]) -> str:
    """A hash of a checked file's facts (diagnostics.ModuleFacts) and its pending
    findings (without their positions and fixes: a finding moved down a line settles
    the same way); "" for a file with neither. Worked out where the file is checked.

    The facts' dicts and lists are in the order the traversal filled them, so equal
    code gives equal text.
    """
    if facts is None and not pending:
        return ""
    return _hash((facts, [(code, item.kind, item.qualname, item.message) for code, _, item in pending]))


def memo_of(result: FileResult, digest: str, outcomes: Sequence[Optional[str]], diagnostics: Sequence[Diagnostic]) -> FileMemo:
    return FileMemo(
        digest=digest,
        export=None if result.outline is None else result.outline.export,
        contribution=result.contribution,
        outcomes=tuple(outcomes),
        parsed=result.parsed,
        diagnostics=tuple(diagnostics),
    )


def same_contribution(memo: FileMemo, result: FileResult) -> bool:
    """Whether a changed file gives the other files what it gave them last time."""
    return (
        result.outline is not None
        and result.outline.complete
        and result.outline.export == memo.export
        and result.contribution == memo.contribution
    )


def _hash(value: Any) -> str:
    return content_hash(repr(value).encode("utf-8", "surrogateescape"))
