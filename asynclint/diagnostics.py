"""Value types that flow from the engine to reporters, caches and worker processes.

They hold no libcst nodes, so they pickle cheaply and the reporters never need libcst.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

from .noqa import NoqaMap


@dataclass(frozen=True)
class Edit:
    """Replace the text from (line, column) up to (end_line, end_column) with `text`.

    1-based lines and columns, the end exclusive; an insertion has start == end.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class Fix:
    """A change that resolves a finding. "safe" keeps the program's meaning; "unsafe"
    changes behaviour (adds an await, a raise) and is applied only when asked."""

    safety: str  # "safe" or "unsafe"
    description: str
    edits: Tuple[Edit, ...]

    @property
    def available(self) -> bool:
        return True


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
    fix: Optional[Fix] = field(default=None, compare=False)

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
    fix: Optional[Fix] = None


@dataclass(frozen=True)
class PendingNames:
    """What the screen (screen.py) says a pending finding's callee must be called to hold:
    for each kind it knows, the last names of the project's functions of that kind
    (that block, even through what they call; that are `async def`s; ...). A check that
    has these leaves out the pending findings that cannot hold before it locates them.
    """

    by_kind: Dict[str, FrozenSet[str]]

    def may_hold(self, kind: str, qualname: str) -> bool:
        names = self.by_kind.get(kind)
        return names is None or last_name(qualname) in names

    def rules_out(self, dropped: Iterable[Tuple[str, str]]) -> bool:
        """Whether every (kind, last name) that another screen ruled out is ruled out
        by this one too."""
        return all(kind in self.by_kind and name not in self.by_kind[kind] for kind, name in dropped)


def last_name(qualname: str) -> str:
    """`get` of `pkg.api.Client.get`."""
    return qualname.rpartition(".")[2]


@dataclass
class FunctionFacts:
    qualname: str
    is_async: bool
    is_coroutine_function: bool = False
    calls: List[str] = field(default_factory=list)  # project callables called directly
    blocking: Optional[Tuple[str, str]] = None  # (display name, code) of a direct blocking call
    runs_loop: Optional[str] = None  # how it runs an event loop directly, if it does


@dataclass
class ModuleFacts:
    module: str
    functions: Dict[str, FunctionFacts] = field(default_factory=dict)
    # `pkg.name` -> what the module-level import `name` in `pkg` refers to
    aliases: Dict[str, str] = field(default_factory=dict)
    # modules whose public names a module-level `from module import *` re-exports
    star_imports: List[str] = field(default_factory=list)


@dataclass
class FileResult:
    """Everything one file contributes to a run; picklable, holds no libcst nodes."""

    path: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    errors: List[InternalError] = field(default_factory=list)
    noqa: NoqaMap = field(default_factory=dict)
    # Facts and deferred findings for the whole-project pass (project.py).
    facts: Any = None
    pending: List[Any] = field(default_factory=list)
    parsed: bool = False  # the rules ran over it
    # It cannot be decoded or parsed: its AIO001 is all there is to know, a cached
    # result need not be checked again.
    rejected: bool = False
    apply_noqa: bool = True
    # Findings a `# noqa` silenced: what tells a used noqa comment from an unused one.
    suppressed: List[Diagnostic] = field(default_factory=list)
    # What the screen (screen.py) learned of the file; None if Python cannot parse it.
    outline: Any = None
    # The check ran out of time (timelimit.py): a result that depends on the machine's load.
    timed_out: bool = False
    # A hash of `facts` and `pending` (incremental.contribution_signature).
    contribution: str = ""
    # The bodies the check was asked to leave out (blanking.py): a cached result serves
    # a later run only if the screen asks for the same.
    skipped: Tuple[Tuple[int, int, int, int], ...] = ()
    # (kind, last name of the callee) of each pending finding left out because the
    # screen said it cannot hold (PendingNames): a cached result serves a later run only
    # while that run's screen says so too.
    dropped: Tuple[Tuple[str, str], ...] = ()
