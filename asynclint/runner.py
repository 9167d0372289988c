"""A whole run: discover files, check each (cheap before expensive), settle the project.

Order of work, cheapest first:
1. every file is read and hashed; a cached result for the same content is reused;
2. files that contain a token some enabled rule needs are parsed and checked (libcst);
3. the other files are parsed too when they mention a coroutine function of the project
   by name (AIO200 may fire there), or when a finding elsewhere depends on their facts
   (a helper module that AIO110 must follow); the rest only get Python's own syntax
   check, so an unparsable file is still reported as AIO001;
4. findings that depend on several modules are settled against the project index.
Parsing runs in a process pool when there is enough of it.

Nothing here imports libcst: a run whose files are all cached never loads it.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set

from .cache import Cache, content_hash
from .codes import RULES_BY_CODE
from .config import Settings
from .diagnostics import Diagnostic, FileResult, InternalError
from .files import SourceError, decode_source, discover
from .modules import module_name_for
from .project import ProjectIndex, settle
from .unused_noqa import unused_noqa

# Fewer files to parse than this are checked in-process: a pool costs more to start.
POOL_THRESHOLD = 8

Progress = Callable[[int, int], None]


@dataclass
class RunResult:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    errors: List[InternalError] = field(default_factory=list)
    missing: List[Path] = field(default_factory=list)
    files_checked: int = 0
    files_parsed: int = 0
    files_cached: int = 0


def check_file(
    path: Path,
    settings: Settings,
    project_modules: FrozenSet[str] = frozenset(),
    data: Optional[bytes] = None,
) -> FileResult:
    """Read, decode, parse and check one file; an unreadable one is a single AIO001."""
    from .engine import check_source  # libcst is needed only from here on

    display = str(path)
    codes = settings.codes_for(path)
    try:
        source = decode_source(data) if data is not None else _read_text(path)
    except SourceError as error:
        result = FileResult(path=display)
        if "AIO001" in codes:
            result.diagnostics.append(Diagnostic(display, error.line, error.column, "AIO001", error.reason))
        return result
    module_name, is_package = module_name_for(path)
    return check_source(source, display, settings, codes, module_name, is_package, project_modules)


def _read_text(path: Path) -> str:
    from .files import read_source

    return read_source(path)


def syntax_only(path: Path, data: bytes, settings: Settings) -> Optional[FileResult]:
    """The cheap check for a file no rule needs: decode it and let Python compile it.

    Returns None when the file needs the full check after all (it does not decode or
    compile, and only libcst can say whether it parses and why not).
    """
    try:
        source = decode_source(data)
        compile(source, str(path), "exec", 0x400 | 0x2000, dont_inherit=True)  # ONLY_AST | TOP_LEVEL_AWAIT
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    return FileResult(path=str(path))


# -- the pool ---------------------------------------------------------------------------

_worker_settings: Optional[Settings] = None
_worker_modules: FrozenSet[str] = frozenset()


def _init_worker(settings: Settings, modules: FrozenSet[str]) -> None:
    global _worker_settings, _worker_modules
    _worker_settings, _worker_modules = settings, modules


def _check_in_worker(path: Path) -> FileResult:
    assert _worker_settings is not None
    return check_file(path, _worker_settings, _worker_modules)


def check_many(
    paths: Sequence[Path],
    settings: Settings,
    project_modules: FrozenSet[str],
    jobs: int,
    data: Dict[Path, bytes],
    progress: Optional[Progress] = None,
) -> List[FileResult]:
    """Check files, in a process pool when there are enough; results in `paths` order."""
    if jobs <= 1 or len(paths) < POOL_THRESHOLD:
        results = []
        for done, path in enumerate(paths, start=1):
            results.append(check_file(path, settings, project_modules, data.get(path)))
            if progress:
                progress(done, len(paths))
        return results
    # Largest files first, so that one big file does not finish last on its own.
    order = sorted(range(len(paths)), key=lambda i: -len(data.get(paths[i], b"")))
    by_index: Dict[int, FileResult] = {}
    try:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(settings, project_modules)) as pool:
            futures = {pool.submit(_check_in_worker, paths[i]): i for i in order}
            for done, future in enumerate(_completed(futures), start=1):
                index = futures[future]
                by_index[index] = _result_or_crash(future, paths[index])
                if progress:
                    progress(done, len(paths))
    except BrokenProcessPool:
        pass  # a worker died: whatever it did not finish is retried below, one by one
    for index, path in enumerate(paths):
        if index not in by_index:
            by_index[index] = _check_isolated(path, settings, project_modules)
    return [by_index[i] for i in range(len(paths))]


def _completed(futures):
    from concurrent.futures import as_completed

    return as_completed(futures)


def _result_or_crash(future, path: Path) -> FileResult:
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as error:  # an engine bug that escaped the per-rule guard
        return FileResult(path=str(path), errors=[InternalError(str(path), f"internal error: {type(error).__name__}: {error}")])


def _check_isolated(path: Path, settings: Settings, project_modules: FrozenSet[str]) -> FileResult:
    """Re-check a file whose worker died, in a pool of its own, so a crash stays contained."""
    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=(settings, project_modules)) as pool:
            return pool.submit(_check_in_worker, path).result()
    except BrokenProcessPool:
        message = "internal error: the worker process checking this file died (a crash in the parser?)"
        return FileResult(path=str(path), errors=[InternalError(str(path), message)])


# -- the run ------------------------------------------------------------------------------


def _token_pattern(codes: Iterable[str]) -> Optional["re.Pattern[bytes]"]:
    tokens: Set[str] = set()
    for code in codes:
        tokens.update(RULES_BY_CODE[code].tokens)
    if not tokens:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(tokens)).encode())


_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def lint_files(
    files: Sequence[Path],
    settings: Settings,
    jobs: Optional[int] = None,
    cache_dir: Optional[Path] = None,
    progress: Optional[Progress] = None,
) -> RunResult:
    run = RunResult()
    jobs = jobs or os.cpu_count() or 1
    modules_of = {path: module_name_for(path)[0] for path in files}
    project_modules = frozenset(modules_of.values())
    cache = None
    if cache_dir is not None:
        cache = Cache(cache_dir, [settings.cache_key(), "\n".join(sorted(project_modules))])

    data: Dict[Path, bytes] = {}
    digests: Dict[Path, str] = {}
    results: Dict[Path, FileResult] = {}
    for path in files:
        try:
            data[path] = path.read_bytes()
        except OSError:
            results[path] = check_file(path, settings, project_modules)  # reports why as AIO001
            continue
        digests[path] = content_hash(data[path])

    def cached(path: Path, need_parse: bool) -> Optional[FileResult]:
        if cache is None or path not in digests:
            return None
        hit = cache.get(str(path), digests[path])
        return hit if hit is not None and (hit.parsed or not need_parse) else None

    def check(paths: List[Path]) -> None:
        todo = []
        for path in paths:
            hit = cached(path, need_parse=True)
            if hit is not None:
                results[path] = hit
                run.files_cached += 1
            else:
                todo.append(path)
        for path, result in zip(todo, check_many(todo, settings, project_modules, jobs, data, progress)):
            results[path] = result
            run.files_parsed += 1
            if cache is not None and path in digests:
                cache.put(str(path), digests[path], result)

    # 1-2: files some enabled rule needs.
    needed, maybe = [], []
    patterns = {}
    for path in data:
        codes = settings.codes_for(path)
        key = frozenset(codes)
        if key not in patterns:
            patterns[key] = _token_pattern(codes - {"AIO001"})
        pattern = patterns[key]
        (needed if pattern is not None and pattern.search(data[path]) else maybe).append(path)
    check(needed)

    # 3a: files that may call a project coroutine function: they name it, and name the
    # module it lives in (or its class, for a method), else they cannot reach it.
    callers = _coroutine_callers(results.values())
    if callers:
        mentions = [p for p in maybe if _may_call(set(_IDENTIFIER.findall(data[p])), callers)]
        check(mentions)
        maybe = [p for p in maybe if p not in results]

    # 3b: files whose facts a pending finding needs, until nothing new is needed.
    # A module name can have several files (a `.pyi` beside its `.py`, scripts in
    # different folders): parse them all when the module is needed.
    paths_of: Dict[str, List[Path]] = {}
    for path, module in modules_of.items():
        paths_of.setdefault(module, []).append(path)
    search = _DemandSearch(project_modules)
    while True:
        wanted = search.needed(results.values())
        more = [p for m in sorted(wanted) for p in paths_of.get(m, []) if p in data and p not in results]
        if not more:
            break
        check(more)
    maybe = [p for p in maybe if p not in results]

    # 3c: the rest only need to be valid Python.
    unparsable = []
    for path in maybe:
        hit = cached(path, need_parse=False)
        if hit is None:
            hit = syntax_only(path, data[path], settings)
            if hit is None:
                unparsable.append(path)
                continue
            if cache is not None:
                cache.put(str(path), digests[path], hit)
        results[path] = hit
    check(unparsable)

    # 4: settle and report in a stable order.
    ordered = [results[path] for path in files]
    for result in ordered:
        run.diagnostics.extend(result.diagnostics)
        run.errors.extend(result.errors)
    settled = settle(ordered, settings, project_modules)
    run.diagnostics.extend(settled.diagnostics)
    if "AIO900" in settings.enabled_codes():  # per-file ignores only ever remove codes
        run.diagnostics.extend(unused_noqa(ordered, settled, settings, data))
    run.diagnostics.sort(key=lambda d: d.sort_key)
    run.files_checked = len(ordered)
    if cache is not None:
        cache.save()
    return run


def _coroutine_callers(results: Iterable[FileResult]) -> Dict[bytes, List[Set[bytes]]]:
    """For each project coroutine function's name, the names a caller must also mention:
    its module's path components (`pkg`, `api` for `pkg.api.fetch`) or its class."""
    callers: Dict[bytes, List[Set[bytes]]] = {}
    for result in results:
        if result.facts is None:
            continue
        module_parts = result.facts.module.split(".")
        for function in result.facts.functions.values():
            if not function.is_coroutine_function or ".<locals>." in function.qualname:
                continue
            parts = function.qualname.split(".")
            inner = parts[len(module_parts):]
            context = {inner[-2]} if len(inner) >= 2 else set(module_parts)
            callers.setdefault(parts[-1].encode(), []).append({part.encode() for part in context})
    return callers


def _may_call(identifiers: Set[bytes], callers: Dict[bytes, List[Set[bytes]]]) -> bool:
    for name in identifiers & callers.keys():
        if any(context & identifiers for context in callers[name]):
            return True
    return False


class _DemandSearch:
    """Which modules' facts are missing to decide the pending findings.

    From each pending finding's callee it follows re-exports and the calls of plain
    functions already known; a name that leads into a module not parsed yet names a
    module to parse. Asked again after those are parsed, it goes on from where it
    stopped: from the new files' pending findings and the names that were waiting.
    """

    def __init__(self, project_modules: FrozenSet[str]) -> None:
        self.project_modules = project_modules
        self.index = ProjectIndex([], Settings(), project_modules)
        self.indexed: Set[int] = set()  # id() of the results already taken in
        self.waiting: Set[str] = set()  # names that led into a module not parsed yet
        self.done: Set[str] = set()

    def needed(self, results: Iterable[FileResult]) -> Set[str]:
        queue = list(self.waiting)
        self.waiting = set()
        for result in results:
            if id(result) in self.indexed:
                continue
            self.indexed.add(id(result))
            if result.facts is not None:
                self.index.add(result.facts)
            queue.extend(pending.qualname for _, _, pending in result.pending)
        needed: Set[str] = set()
        while queue:
            name = queue.pop()
            if name in self.done or name in self.waiting or name.count(".") > 30:
                continue
            function = self.index.resolve(name)
            target = None if function is not None else self.index.unalias(name)
            module = None if function or target else _module_of(name, self.project_modules)
            if module is not None and module not in self.index.modules:
                needed.add(module)
                self.waiting.add(name)
                continue
            self.done.add(name)
            if function is not None and not function.is_async:
                queue.extend(function.calls)
            elif target is not None:
                queue.append(target)
        return needed


def _module_of(qualname: str, project_modules: FrozenSet[str]) -> Optional[str]:
    parts = qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:cut])
        if candidate in project_modules:
            return candidate
    return None


def lint_paths(
    paths: Sequence[Path],
    settings: Settings,
    jobs: Optional[int] = None,
    cache_dir: Optional[Path] = None,
    progress: Optional[Progress] = None,
) -> RunResult:
    """Lint files and folders; paths that do not exist are listed in `missing`."""
    files, missing = discover(paths, settings)
    run = lint_files(files, settings, jobs=jobs, cache_dir=cache_dir, progress=progress)
    run.missing = missing
    return run
