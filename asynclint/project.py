"""The whole-project pass: facts gathered from every module settle deferred findings.

Checking a file yields its own findings plus "pending" ones that depend on other modules
(is `api.fetch` an `async def`? does `util.poll` reach `time.sleep`?). Once every file
is checked, an index of all modules' facts decides them. The flake8 plugin runs the
same two steps with a one-module index.
"""
from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .config import Settings
from .diagnostics import Diagnostic, FileResult, FunctionFacts, ModuleFacts, Pending
from .noqa import is_suppressed


class ProjectIndex:
    def __init__(
        self,
        modules: Iterable[ModuleFacts],
        settings: Settings,
        project_modules: Optional[Iterable[str]] = None,
    ) -> None:
        self.functions: Dict[str, FunctionFacts] = {}
        self._resolved: Dict[str, Optional[FunctionFacts]] = {}
        self.aliases: Dict[str, str] = {}
        self.star_imports: Dict[str, List[str]] = {}
        self.modules: Set[str] = set()
        for facts in modules:
            self.add(facts)
        # Every module of the project, parsed or not: `pkg.api.x` names module `pkg.api`.
        self.project_modules = set(project_modules) if project_modules is not None else set(self.modules)
        self.max_depth = settings.max_chain_depth
        # A name may be given as the user imports it (`pkg.get_cached`, re-exported):
        # keep the name and the function it denotes.
        names = settings.non_blocking_functions
        found = [self.resolve(name) for name in names]
        self.non_blocking = frozenset([*names, *(f.qualname for f in found if f is not None)])

    def add(self, facts: ModuleFacts) -> None:
        """Index one more module (names that resolved to nothing may resolve now)."""
        self.modules.add(facts.module)
        self.functions.update(facts.functions)
        self.aliases.update(facts.aliases)
        if facts.star_imports:
            self.star_imports[facts.module] = facts.star_imports
        self._resolved.clear()

    def resolve(self, qualname: str) -> Optional[FunctionFacts]:
        """The function a qualified name denotes, following re-exports (`pkg.fetch`)."""
        if qualname in self._resolved:
            return self._resolved[qualname]
        facts = None
        name: Optional[str] = qualname
        for _ in range(10):  # re-export chains are short; cycles must not hang
            assert name is not None
            facts = self.functions.get(name)
            if facts is not None:
                break
            name = self.unalias(name)
            if name is None:
                break
        self._resolved[qualname] = facts
        return facts

    def unalias(self, qualname: str) -> Optional[str]:
        """`pkg.fetch` -> `pkg.api.fetch` when module `pkg` imports `fetch` from `.api`."""
        parts = qualname.split(".")
        target = self._aliased(parts)
        return target if target is not None else self._through_star_import(parts)

    def _aliased(self, parts: List[str]) -> Optional[str]:
        """What a name stands for through the aliases of the module it goes through."""
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if cut < len(parts) and prefix in self.project_modules:
                # `pkg.api.fetch` goes through the module `pkg.api`, even when `pkg`
                # also imports a name `api` (`from .api import api` would otherwise
                # rewrite it as `pkg.api.api.fetch`, and so on without end): only its
                # star imports may say more.
                return None
            target = self.aliases.get(prefix)
            if target is not None:
                return ".".join([target, *parts[cut:]])
        return None

    def _through_star_import(self, parts: List[str]) -> Optional[str]:
        """`pkg.fetch` -> `pkg.api.fetch` when module `pkg` does `from .api import *`.

        The first star-imported module that defines or imports the name wins, as in
        Python when the names do not clash. If none of the indexed ones does, a module
        not indexed yet may: its name is returned so that the runner parses it.
        """
        for cut, sources in self._star_imports_of(parts):
            candidates = [".".join([source, *parts[cut:]]) for source in sources]
            for source, candidate in zip(sources, candidates):
                if self._brings_in(source, parts[cut], candidate):
                    return candidate
            for source, candidate in zip(sources, candidates):
                if source not in self.modules:
                    return candidate
        return None

    def unindexed_star_sources(self, qualname: str) -> List[str]:
        """The star-imported modules not indexed yet that a name may come from, when no
        indexed one brings it in. unalias() names the first of them; the demand search
        parses them all at once, rather than one per round until the name is found."""
        parts = qualname.split(".")
        if self._aliased(parts) is not None:
            return []
        for cut, sources in self._star_imports_of(parts):
            if any(self._brings_in(source, parts[cut], ".".join([source, *parts[cut:]])) for source in sources):
                return []
            missing = [source for source in sources if source not in self.modules]
            if missing:
                return missing
        return []

    def _star_imports_of(self, parts: List[str]) -> Iterator[Tuple[int, List[str]]]:
        """Each module a name goes through that star-imports others (longest first), as
        (how many parts of the name it takes, the modules it star-imports)."""
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            sources = self.star_imports.get(module)
            if not sources:
                continue
            # `pkg.api.fetch` names the submodule `pkg.api`, not something `*` brought in
            # (mapping it anyway would grow the name forever: `pkg.api.api.fetch`, ...).
            # Any module of the project counts, parsed yet or not: `asyncio.windows_utils`
            # is a submodule even before the runner has parsed it.
            submodule = f"{module}.{parts[cut]}"
            if submodule in sources or submodule in self.modules or submodule in self.project_modules:
                return
            yield cut, sources

    def _brings_in(self, source: str, name: str, candidate: str) -> bool:
        """Whether `from source import *` brings in `name` (`candidate` is `source.name...`)."""
        return candidate in self.functions or f"{source}.{name}" in self.aliases

    @cached_property
    def _blocking(self) -> Dict[str, List[str]]:
        return self._shortest_chains(lambda f: f.blocking[0] if f.blocking else None, self.non_blocking)

    @cached_property
    def _loop_running(self) -> Dict[str, List[str]]:
        return self._shortest_chains(lambda f: f.runs_loop + "()" if f.runs_loop else None, frozenset())

    def _shortest_chains(
        self, direct: Callable[[FunctionFacts], Optional[str]], skip: frozenset
    ) -> Dict[str, List[str]]:
        """For each plain function that reaches `direct` through plain functions, the
        shortest chain of display names (breadth-first from the direct ones)."""
        callers: Dict[str, List[str]] = {}
        for facts in self.functions.values():
            if facts.is_async or facts.qualname in skip:
                continue
            for callee in facts.calls:
                target = self.resolve(callee)
                if target is not None and not target.is_async and target.qualname not in skip:
                    callers.setdefault(target.qualname, []).append(facts.qualname)
        chains: Dict[str, List[str]] = {}
        queue: deque = deque()
        for facts in self.functions.values():
            reason = None if facts.is_async or facts.qualname in skip else direct(facts)
            if reason is not None:
                chains[facts.qualname] = [short_name(facts.qualname), reason]
                queue.append(facts.qualname)
        while queue:
            name = queue.popleft()
            for caller in callers.get(name, ()):
                if caller not in chains:
                    chains[caller] = [short_name(caller), *chains[name]]
                    queue.append(caller)
        return chains

    def blocking_chain(self, qualname: str) -> Optional[List[str]]:
        facts = self.resolve(qualname)
        if facts is None or facts.is_async:
            return None
        chain = self._blocking.get(facts.qualname)
        if chain is None or (self.max_depth is not None and len(chain) - 1 > self.max_depth):
            return None
        return chain

    def loop_chain(self, qualname: str) -> Optional[List[str]]:
        facts = self.resolve(qualname)
        if facts is None or facts.is_async:
            return None
        return self._loop_running.get(facts.qualname)

    def decide(self, pending: Pending) -> Optional[str]:
        """The finding's message if the index confirms it, else None."""
        if pending.kind == "coroutine-function":
            facts = self.resolve(pending.qualname)
            return pending.message if facts is not None and facts.is_coroutine_function else None
        if pending.kind == "function":
            return pending.message if self.resolve(pending.qualname) is not None else None
        if pending.kind == "blocking":
            chain = self.blocking_chain(pending.qualname)
        elif pending.kind == "loop-runner":
            chain = self.loop_chain(pending.qualname)
        else:
            raise ValueError(f"unknown pending kind {pending.kind!r}")
        return pending.message.format(chain=" -> ".join(chain)) if chain else None


def short_name(qualname: str) -> str:
    """`pkg.api.Client.poll` -> `Client.poll()`; a module-level function by its name."""
    parts = qualname.replace(".<locals>", "").split(".")
    # Keep a class name in front of a method: its first letter is upper case by custom.
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return f"{parts[-2]}.{parts[-1]}()"
    return f"{parts[-1]}()"


@dataclass
class Settled:
    """The deferred findings that hold: reported ones, and ones a `# noqa` silenced."""

    diagnostics: List[Diagnostic] = field(default_factory=list)
    suppressed: List[Diagnostic] = field(default_factory=list)
    # path -> each pending finding's message if it holds, else None (in `pending` order):
    # what an edit run reuses when a file's pending findings are the same (incremental.py).
    outcomes: Dict[str, List[Optional[str]]] = field(default_factory=dict)

    def add(self, result: FileResult, outcomes: Sequence[Optional[str]]) -> None:
        """The findings of `result.pending` that hold, given each one's outcome."""
        for (code, (line, column, end_line, end_column), pending), message in zip(result.pending, outcomes):
            if message is None:
                continue
            diagnostic = Diagnostic(result.path, line, column, code, message, end_line, end_column, pending.fix)
            if result.apply_noqa and is_suppressed(result.noqa, line, code):
                self.suppressed.append(diagnostic)
            else:
                self.diagnostics.append(diagnostic)


def settle(
    results: Sequence[FileResult],
    settings: Settings,
    project_modules: Optional[Iterable[str]] = None,
) -> Settled:
    """Decide every file's pending findings against one index of all files' facts.

    Files that claim the same module name (`scripts/main.py` and `tools/main.py` are
    both the top-level `main`) cannot be told apart by a qualified name: merged, one's
    `async def run` would make the other's plain `run()` look unawaited. Each of them is
    settled against its own facts plus the unambiguous modules', and other modules'
    references to that name decide nothing. A stub (`api.pyi`) beside its source
    (`api.py`) is no clash: the source's facts are the ones with bodies.
    """
    by_module: Dict[str, List[FileResult]] = defaultdict(list)
    for result in results:
        if result.facts is not None:
            by_module[result.facts.module].append(result)
    shared: List[ModuleFacts] = []
    ambiguous = set()
    for module, group in by_module.items():
        sources = [r for r in group if not r.path.endswith(".pyi")] or group
        if len(sources) == 1:
            shared.append(sources[0].facts)
        else:
            ambiguous.add(module)
    project_modules = set(project_modules or ()) | set(by_module)
    index = ProjectIndex(shared, settings, project_modules)
    settled = Settled()
    for result in results:
        file_index = index
        if result.pending and result.facts is not None and result.facts.module in ambiguous:
            file_index = ProjectIndex([*shared, result.facts], settings, project_modules)
        outcomes = [file_index.decide(pending) for _, _, pending in result.pending]
        if outcomes:
            settled.outcomes[result.path] = outcomes
        settled.add(result, outcomes)
    return settled
