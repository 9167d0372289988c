"""The whole-project pass: facts gathered from every module settle deferred findings.

Checking a file yields its own findings plus "pending" ones that depend on other modules
(is `api.fetch` an `async def`? does `util.poll` reach `time.sleep`?). Once every file
is checked, an index of all modules' facts decides them. The flake8 plugin runs the
same two steps with a one-module index.
"""
from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from .config import Settings
from .diagnostics import Diagnostic, Pending
from .engine import FileResult, check_source
from .facts import FunctionFacts, ModuleFacts
from .modules import module_name_for
from .noqa import is_suppressed


class ProjectIndex:
    def __init__(self, modules: Iterable[ModuleFacts], settings: Settings) -> None:
        self.functions: Dict[str, FunctionFacts] = {}
        self.aliases: Dict[str, str] = {}
        for facts in modules:
            self.functions.update(facts.functions)
            self.aliases.update(facts.aliases)
        self.max_depth = settings.max_chain_depth
        self.non_blocking = frozenset(settings.non_blocking_functions)
        self._blocking = self._shortest_chains(lambda f: f.blocking[0] if f.blocking else None, self.non_blocking)
        self._loop_running = self._shortest_chains(lambda f: f.runs_loop + "()" if f.runs_loop else None, frozenset())

    def resolve(self, qualname: str) -> Optional[FunctionFacts]:
        """The function a qualified name denotes, following re-exports (`pkg.fetch`)."""
        for _ in range(10):  # re-export chains are short; cycles must not hang
            facts = self.functions.get(qualname)
            if facts is not None:
                return facts
            parts = qualname.split(".")
            for cut in range(len(parts), 0, -1):
                target = self.aliases.get(".".join(parts[:cut]))
                if target is not None:
                    qualname = ".".join([target, *parts[cut:]])
                    break
            else:
                return None
        return None

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


def settle(results: Sequence[FileResult], settings: Settings) -> List[Diagnostic]:
    """Decide every file's pending findings against one index of all files' facts."""
    index = ProjectIndex((r.facts for r in results if r.facts is not None), settings)
    decided: List[Diagnostic] = []
    for result in results:
        for code, (line, column), pending in result.pending:
            message = index.decide(pending)
            if message is None:
                continue
            if result.apply_noqa and is_suppressed(result.noqa, line, code):
                continue
            decided.append(Diagnostic(result.path, line, column, code, message))
    return decided


def check_single_module(source: str, path: str, settings: Settings, apply_noqa: bool = True) -> List[Diagnostic]:
    """Check one module with a one-module index (the flake8 plugin's view)."""
    if Path(path).suffix in (".py", ".pyi"):
        module_name, is_package = module_name_for(Path(path))
    else:  # "<string>", "stdin": no file to name the module after
        module_name, is_package = "__main__", False
    codes = settings.codes_for(Path(path))
    result = check_source(source, path, settings, codes, module_name, is_package, apply_noqa=apply_noqa)
    diagnostics = result.diagnostics + settle([result], settings)
    return sorted(diagnostics, key=lambda d: d.sort_key)
