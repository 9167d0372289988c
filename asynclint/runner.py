"""A whole run: discover files, check each (cheap before expensive), settle the project.

Order of work, cheapest first:
1. every file is read and hashed; when every file is as it was in the last run, that
   run's outcome is the answer. When the changed files give the other files what they
   gave them last time (same functions, facts and pending findings: incremental.py),
   those files alone are checked and the rest is the last run's. Otherwise the whole
   run follows, where a cached result for the same content is reused;
2. every other file is parsed by Python's own parser and outlined (screen.py): which
   rules may fire in it, which names it calls where other modules matter;
3. from all outlines, the files where some enabled rule may fire are parsed and checked
   by libcst; so are the modules whose facts a pending finding needs (a helper module
   that AIO110 must follow), until none is missing, except for pending findings that no
   outline can confirm. The check leaves out the function bodies and the pending
   findings that the outlines say nothing can depend on. A file Python cannot parse goes
   to libcst too, to report why as AIO001 (and if libcst can parse it, every file gets
   the full check);
4. findings that depend on several modules are settled against the project index.
Parsing runs in a process pool when there is enough of it; each file has a time limit.

Nothing here imports libcst: a run whose files are all cached never loads it.
"""
from __future__ import annotations

import gc
import os
import pickle
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .cache import Cache, content_hash
from .config import Settings
from .diagnostics import Diagnostic, FileResult, InternalError, PendingNames
from .files import SourceError, decode_source, discover
from .gc_pause import collect_young, paused_collector
from .modules import module_name_for
from .noqa import may_have_noqa
from .incremental import RunState, memo_of, same_contribution
from .project import ProjectIndex, Settled, settle
from .blanking import Body, skip_bodies
from .screen import Outline, Screen, ScreenParts, Vocabulary, outline_and_lines
from .statements import python_tree, statement_lines
from .timelimit import FileTimeout, time_limit
from .unused_noqa import unused_noqa

# Fewer files to parse than this are checked in-process: a pool costs more to start.
POOL_THRESHOLD = 8
# Outlining is quick: files go to the pool in batches, and only when there are many.
OUTLINE_BATCH = 32
# What creating a process pool raises where processes or semaphores are unavailable
# (no /dev/shm, some sandboxes): the files are then checked in-process.
_NO_POOL = (OSError, NotImplementedError, ImportError)

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
    lines: Optional[Sequence[int]] = None,
    skip: Sequence[Body] = (),
    pending_names: Optional[PendingNames] = None,
) -> FileResult:
    """Read, decode, parse and check one file; an unreadable one is a single AIO001.
    `lines`: where each statement of `data` starts, from the outline pass (statements.py);
    `skip`: bodies the check may leave out (Screen.skippable); `pending_names`: which
    pending findings may hold (Screen.pending_names)."""
    from .engine import check_source  # libcst is needed only from here on

    display = str(path)
    codes = settings.codes_for(path)
    try:
        source = decode_source(data) if data is not None else _read_text(path)
    except SourceError as error:
        result = FileResult(path=display, rejected=True)
        if "AIO001" in codes:
            result.diagnostics.append(Diagnostic(display, error.line, error.column, "AIO001", error.reason))
        return result
    module_name, is_package = module_name_for(path)
    if skip:
        source, lines, _ = skip_bodies(source, skip, lines)
    try:
        with time_limit(settings.file_timeout):
            result = check_source(
                source,
                display,
                settings,
                codes,
                module_name,
                is_package,
                project_modules,
                lines=lines,
                pending_names=pending_names,
            )
            result.skipped = tuple(skip)
            return result
    except FileTimeout:
        result = FileResult(path=display, timed_out=True)
        if "AIO001" in codes:
            reason = f"cannot check file: gave up after {settings.file_timeout:g} s (raise file-timeout to allow more)"
            result.diagnostics.append(Diagnostic(display, 1, 1, "AIO001", reason))
        return result


def _read_text(path: Path) -> str:
    from .files import read_source

    return read_source(path)


Outlined = Tuple[FileResult, Optional[Sequence[int]]]


def outline_file(path: Path, data: bytes, module: str, vocabulary: Vocabulary) -> Outlined:
    """The cheap look at a file: its outline, as a result with no findings (yet), and
    where its statements start (for the check, should the file need one)."""
    tree = python_tree(data)
    if tree is None:
        return FileResult(path=str(path)), None
    outline, lines = outline_and_lines(tree, module, vocabulary, data)
    return FileResult(path=str(path), outline=outline), statement_lines(tree) if lines is None else lines


def outline_many(
    paths: Sequence[Path],
    data: Dict[Path, bytes],
    modules: Dict[Path, str],
    vocabulary: Vocabulary,
    workers: "Workers",
) -> Iterator[Outlined]:
    """Outline files, in the run's process pool when there are enough; results in
    `paths` order, each batch as soon as it is done, so that the caller can work on it
    while the pool outlines the next."""
    work = [(path, data[path], modules[path]) for path in paths]
    if workers.jobs <= 1 or len(paths) < POOL_THRESHOLD * 4:
        yield from _outline_batch(work, vocabulary)
        return
    done = 0  # files outlined and handed on
    try:
        pool = workers.pool()
        # Workers forked after the files were read have their bytes already.
        sent = [(path, None, module) for path, _, module in work] if workers.inherits(data) else work
        batches = [sent[i : i + OUTLINE_BATCH] for i in range(0, len(sent), OUTLINE_BATCH)]
        futures = [pool.submit(_outline_batch, batch, vocabulary) for batch in batches]
        for future in futures:
            outlined = future.result()
            # What was just unpickled (and what the caller made of the last batch) leaves
            # the young generation now, while the workers outline: else the first
            # collection here after the outline pass (a check in this process) would
            # walk every outline of the run (gc_pause.py).
            collect_young()
            done += len(outlined)
            yield from outlined
    except (BrokenProcessPool, *_NO_POOL):
        # A pool that cannot start or dies: the outlines are cheap enough to make here.
        workers.discard()
        yield from _outline_batch(work[done:], vocabulary)


def _outline_batch(batch: List[Tuple[Path, Optional[bytes], str]], vocabulary: Vocabulary) -> List[Outlined]:
    """Outline files given as (path, bytes, module); no bytes: the bytes inherited."""
    results = [
        outline_file(path, _inherited[path] if data is None else data, module, vocabulary) for path, data, module in batch
    ]
    collect_young()
    return results


# -- the pool ---------------------------------------------------------------------------

_worker_settings: Optional[Settings] = None
_worker_modules: FrozenSet[str] = frozenset()
_worker_pending_names: Optional[Tuple[str, PendingNames]] = None  # (token, names)
# The files' bytes as the main process read them, when its workers are forked after the
# read (Workers.pool): they need not be pickled and piped to them, 40 MB for a large
# project. Set in the main process just before the fork.
_inherited: Dict[Path, bytes] = {}

# The screen's pending names as the workers get them: (a token, the pickled names).
NamesBlob = Tuple[str, bytes]


def _init_worker(settings: Settings, modules: FrozenSet[str]) -> None:
    global _worker_settings, _worker_modules
    _worker_settings, _worker_modules = settings, modules
    # A forked worker inherits the run's paused collector; a spawned one must pause its
    # own (gc_pause.py). The worker ends with the run.
    gc.disable()


def _check_in_worker(
    path: Path,
    data: Optional[bytes],
    lines: Optional[Sequence[int]] = None,
    skip: Sequence[Body] = (),
    names: Optional[NamesBlob] = None,
) -> FileResult:
    # The bytes the main process read and hashed: a file saved since then must not be
    # checked in its new content and cached under the old content's hash.
    assert _worker_settings is not None
    if data is None:
        data = _inherited.get(path)
    result = check_file(path, _worker_settings, _worker_modules, data, lines, skip, _unpickled(names))
    collect_young()
    return result


def _unpickled(names: Optional[NamesBlob]) -> Optional[PendingNames]:
    """The pending names of a blob, unpickled once per worker (they come with every check)."""
    global _worker_pending_names
    if names is None:
        return None
    token, blob = names
    if _worker_pending_names is None or _worker_pending_names[0] != token:
        _worker_pending_names = (token, pickle.loads(blob))
    return _worker_pending_names[1]


def _forks() -> bool:
    """Whether worker processes start as forks of this one."""
    import multiprocessing

    return multiprocessing.get_start_method(allow_none=False) == "fork"


def _preload_checker() -> None:
    """Import libcst and the rules before the outline pass starts the pool.

    With this many files to outline, some will need the full check, here (the demand
    search's last small rounds) and in every worker. Workers forked after the import
    share it instead of each importing libcst again (about 0.2 s of CPU a process).
    Elsewhere (spawned workers) it would only cost the time here.
    """
    if _forks():
        from . import engine  # noqa: F401


class Workers:
    """The process pool of a run, started when first needed and kept for the next batch:
    the outlines, the files the screen picks, each round of the demand search. A worker
    imports libcst once, not once per batch."""

    def __init__(
        self, jobs: int, settings: Settings, project_modules: FrozenSet[str], data: Optional[Dict[Path, bytes]] = None
    ) -> None:
        self.jobs = jobs
        self.settings = settings
        self.project_modules = project_modules
        self.data = data  # every file's bytes, read before the pool starts
        # Whether the running pool's workers have `data` (forked after it was read).
        self.inherit = False
        self.pending_names: Optional[PendingNames] = None  # for the checks, once the screen has them
        self.names_blob: Optional[NamesBlob] = None  # the same, as each check in a worker gets them
        self._pool: Optional[ProcessPoolExecutor] = None

    def pool(self) -> ProcessPoolExecutor:
        """The pool; raises one of _NO_POOL where processes cannot be made."""
        if self._pool is None:
            global _inherited
            _inherited = self.data if self.data is not None and _forks() else {}
            self.inherit = bool(_inherited)
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs, initializer=_init_worker, initargs=(self.settings, self.project_modules)
            )
        return self._pool

    def inherits(self, data: Dict[Path, bytes]) -> bool:
        """Whether the running pool's workers hold these bytes already."""
        return self.inherit and data is self.data

    @property
    def running(self) -> bool:
        return self._pool is not None

    def use_pending_names(self, names: Optional[PendingNames]) -> None:
        """The pending names (Screen.pending_names) the checks go by from now on.

        Each check in a worker gets them, pickled here once: unpickled for each file,
        they would cost more than they save. A worker unpickles them once (_unpickled).
        Starting a new pool that has them costs more still: workers forked from a
        process that holds every outline took half a second more CPU than they saved.
        """
        self.pending_names = names
        self.names_blob = None if names is None else (uuid.uuid4().hex, pickle.dumps(names))

    def discard(self) -> None:
        """Drop a pool that broke (a worker died); the next batch starts a new one."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        global _inherited
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        _inherited = {}


def check_many(
    paths: Sequence[Path],
    settings: Settings,
    project_modules: FrozenSet[str],
    data: Dict[Path, bytes],
    progress: Optional[Progress],
    workers: Workers,
    lines: Optional[Dict[Path, Sequence[int]]] = None,
    skip: Optional[Dict[Path, Sequence[Body]]] = None,
) -> List[FileResult]:
    """Check files, in the run's process pool when there are enough; results in `paths`
    order. `lines`: where each file's statements start, for those the outline pass saw;
    `skip`: the bodies each check may leave out."""
    lines = lines or {}
    skip = skip or {}
    # A pool that runs already (the demand search's later rounds) costs nothing to start:
    # two files or more go there.
    few = POOL_THRESHOLD if not workers.running else 2
    if workers.jobs <= 1 or len(paths) < few:
        return _check_here(paths, settings, project_modules, data, progress, lines, skip, workers.pending_names)
    # Largest files first, so that one big file does not finish last on its own.
    order = sorted(range(len(paths)), key=lambda i: -len(data.get(paths[i], b"")))
    by_index: Dict[int, FileResult] = {}
    try:
        pool = workers.pool()
    except _NO_POOL:
        return _check_here(paths, settings, project_modules, data, progress, lines, skip, workers.pending_names)
    try:
        futures = {
            pool.submit(
                _check_in_worker,
                paths[i],
                None if workers.inherits(data) else data.get(paths[i]),
                lines.get(paths[i]),
                skip.get(paths[i], ()),
                workers.names_blob,
            ): i
            for i in order
        }
        for done, future in enumerate(_completed(futures), start=1):
            index = futures[future]
            by_index[index] = _result_or_crash(future, paths[index])
            if progress:
                progress(done, len(paths))
    except BrokenProcessPool:
        workers.discard()  # a worker died: whatever it did not finish is retried below, one by one
    for index, path in enumerate(paths):
        if index not in by_index:
            by_index[index] = _check_isolated(path, workers, data.get(path), skip.get(path, ()))
    return [by_index[i] for i in range(len(paths))]


def _check_here(
    paths: Sequence[Path],
    settings: Settings,
    project_modules: FrozenSet[str],
    data: Dict[Path, bytes],
    progress: Optional[Progress],
    lines: Dict[Path, Sequence[int]],
    skip: Dict[Path, Sequence[Body]],
    pending_names: Optional[PendingNames],
) -> List[FileResult]:
    results = []
    for done, path in enumerate(paths, start=1):
        results.append(
            check_file(path, settings, project_modules, data.get(path), lines.get(path), skip.get(path, ()), pending_names)
        )
        collect_young()
        if progress:
            progress(done, len(paths))
    return results


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


def _check_isolated(path: Path, workers: Workers, data: Optional[bytes], skip: Sequence[Body]) -> FileResult:
    """Re-check a file whose worker died, in a pool of its own, so a crash stays contained."""
    try:
        arguments = (workers.settings, workers.project_modules)
        with ProcessPoolExecutor(max_workers=1, initializer=_init_worker, initargs=arguments) as pool:
            return pool.submit(_check_in_worker, path, data, None, skip, workers.names_blob).result()
    except BrokenProcessPool:
        message = "internal error: the worker process checking this file died (a crash in the parser?)"
        return FileResult(path=str(path), errors=[InternalError(str(path), message)])


# -- the run ------------------------------------------------------------------------------


def lint_files(
    files: Sequence[Path],
    settings: Settings,
    jobs: Optional[int] = None,
    cache_dir: Optional[Path] = None,
    progress: Optional[Progress] = None,
) -> RunResult:
    with paused_collector():
        return _lint_files(files, settings, jobs, cache_dir, progress)


def _lint_files(
    files: Sequence[Path],
    settings: Settings,
    jobs: Optional[int],
    cache_dir: Optional[Path],
    progress: Optional[Progress],
) -> RunResult:
    run = RunResult()
    jobs = jobs or os.cpu_count() or 1
    modules_of = {path: module_name_for(path)[0] for path in files}
    project_modules = frozenset(modules_of.values())
    cache = None
    if cache_dir is not None:
        cache = Cache(cache_dir, [settings.cache_key(), "\n".join(sorted(project_modules))])

    data: Dict[Path, bytes] = {}
    digests: Dict[Path, str] = {}  # the cache's keys: without a cache, nothing to hash
    results: Dict[Path, FileResult] = {}
    for path in files:
        try:
            data[path] = path.read_bytes()
        except OSError:
            results[path] = check_file(path, settings, project_modules)  # reports why as AIO001
            continue
        if cache is not None:
            digests[path] = content_hash(data[path])
    # What the last run left (incremental.py): the answer when no file changed, and
    # when the changed files give the others what they gave before, the base of an
    # edit run that checks those files alone.
    state: Optional[RunState] = None
    if cache is not None and len(digests) == len(files):
        state = cache.last_run()
        if not isinstance(state, RunState) or state.files.keys() != {str(path) for path in files}:
            state = None
    if state is not None:
        changed = [path for path in files if state.files[str(path)].digest != digests[path]]
        if not changed:
            return _reported(run, state, len(files), parsed=0)
        last_screen = cache.screen(state.screen_id) if state.screen_id and len(changed) <= EDIT_RUN_LIMIT else None
        if last_screen is not None:
            edit = _EditRun(state, last_screen, settings, project_modules, cache, data, digests)
            if edit.check(changed, modules_of):
                return edit.finish(run, len(files))

    workers = Workers(jobs, settings, project_modules, data)
    tried: Set[Path] = set()  # sent to check(): checked, or taken from the cache

    def cached(path: Path, need_parse: bool) -> Optional[FileResult]:
        if cache is None or path not in digests:
            return None
        hit = cache.get(str(path), digests[path])
        return hit if hit is not None and (hit.parsed or hit.rejected or not need_parse) else None

    def bodies_to_skip(path: Path) -> Tuple[Body, ...]:
        if not skipping:
            return ()
        return _bodies_to_skip(screen, outlined[path].outline if path in outlined else None, path, settings)

    def check(paths: List[Path]) -> None:
        tried.update(paths)
        todo = []
        skip: Dict[Path, Tuple[Body, ...]] = {}
        for path in paths:
            skip[path] = bodies_to_skip(path)
            hit = cached(path, need_parse=True)
            if hit is not None and (hit.rejected or _checked_alike(hit, skip[path], workers.pending_names)):
                results[path] = hit
                run.files_cached += 1
            else:
                todo.append(path)
        for path, result in zip(todo, check_many(todo, settings, project_modules, data, progress, workers, lines_of, skip)):
            result.outline = outlined[path].outline if path in outlined else None
            results[path] = result
            run.files_parsed += 1
            if cache is not None and path in digests:
                cache.put(str(path), digests[path], result)

    # 2: outline what the cache does not know.
    outlined: Dict[Path, FileResult] = {}
    lines_of: Dict[Path, Sequence[int]] = {}  # where the statements start, for the check
    unknown = []
    # What the screen needs of each outline, gathered as they come in: the serial part
    # of building it then waits for less once the last outline is in.
    parts = ScreenParts()
    for path in data:
        hit = cached(path, need_parse=False)
        if hit is not None:
            outlined[path] = hit
            if hit.outline is not None:
                parts.add(hit.outline)
        else:
            unknown.append(path)
    if unknown:
        if workers.jobs > 1 and len(unknown) >= POOL_THRESHOLD * 4:
            _preload_checker()
        vocabulary = Vocabulary(settings, project_modules, signatures=cache is not None)
        for path, (result, lines) in zip(unknown, outline_many(unknown, data, modules_of, vocabulary, workers)):
            outlined[path] = result
            if lines is not None:
                lines_of[path] = lines
            if result.outline is not None:
                parts.add(result.outline)
                if cache is not None:
                    cache.put(str(path), digests[path], result)
    screen = Screen(modules=project_modules, parts=parts)
    # Bodies the screen says nothing depends on are left out of the check
    # (_bodies_to_skip), and so are the pending findings it rules out, until the screen
    # turns out to know too little (below).
    skipping = True
    workers.use_pending_names(screen.pending_names())

    # 3: the files some enabled rule may report on, then the modules their pending
    # findings need. A module name can have several files (a `.pyi` beside its `.py`,
    # scripts in different folders): parse them all when the module is needed.
    needed = []
    for path, result in outlined.items():
        if result.parsed and not _checked_alike(result, bodies_to_skip(path), workers.pending_names):
            # Checked with other bodies or pending findings left out than this screen
            # allows: its facts may lack what a finding now depends on, or it may lack
            # the finding. Its outline is as good as new.
            result = outlined[path] = FileResult(path=result.path, outline=result.outline)
        if result.parsed or result.rejected:
            tried.add(path)
            results[path] = result
            run.files_cached += 1
            continue
        if _needs_full_check(screen, result.outline, path, settings, data[path]):
            needed.append(path)
        else:
            results[path] = result
    check(needed)
    # A file Python cannot parse but libcst can (syntax newer than the running Python)
    # has no outline: the screen knew nothing of its functions and may have held back a
    # file that calls them. Then every file gets the full check.
    everything_checked = any(outlined[path].outline is None and results[path].parsed for path in needed)
    if everything_checked:
        # ... and the bodies and pending findings left out may be what a finding
        # depends on, or the finding itself.
        skipping = False
        workers.use_pending_names(None)
        again = [path for path in tried if path in results and not _checked_alike(results[path], (), None)]
        tried.difference_update(again)
        check(sorted(again) + [path for path in outlined if path not in tried and path not in again])
    paths_of: Dict[str, List[Path]] = {}
    for path, module in modules_of.items():
        paths_of.setdefault(module, []).append(path)
    # After the fallback above, the screen's names are no guide either.
    may_hold = (lambda kind, qualname: True) if everything_checked else screen.may_hold
    search = _DemandSearch(project_modules, may_hold)
    fresh = False
    while True:
        wanted = search.needed(r for r in results.values() if r.parsed)
        # A module whose file failed (libcst rejects it, a rule crashed) stays missing:
        # it is tried once, or the search would ask for it again and again.
        more = [p for m in sorted(wanted) for p in paths_of.get(m, []) if p in data and p not in tried]
        if more:
            check(more)
            fresh = False
        elif fresh:
            break
        else:
            # Going on from where it stopped, the search may miss a module: a name it
            # followed before another module was known can lead elsewhere now (through
            # a star import). A fresh search over everything has the last word, as in
            # a warm run, which must then find nothing more to parse.
            search = _DemandSearch(project_modules, may_hold)
            fresh = True
    workers.close()

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
        if len(digests) == len(files) and not run.errors and not any(result.timed_out for result in ordered):
            by_path: Dict[str, List[Diagnostic]] = {}
            for diagnostic in run.diagnostics:
                by_path.setdefault(diagnostic.path, []).append(diagnostic)
            memos = {
                result.path: memo_of(result, digests[path], settled.outcomes.get(result.path, ()), by_path.get(result.path, ()))
                for path, result in zip(files, ordered)
            }
            # After the fallback, or with a blind screen, the screen says nothing an
            # edit run could go by.
            screen_id = None
            if not (everything_checked or screen.blind):
                screen_id = uuid.uuid4().hex
                cache.save_screen(screen_id, screen)
            cache.save_last_run(RunState(memos, run.files_checked, screen_id))
    return run


def _checked_alike(result: FileResult, skip: Tuple[Body, ...], names: Optional[PendingNames]) -> bool:
    """Whether a result from an earlier run is what a check would give now: the same
    bodies left out, and every pending finding left out then is ruled out now too."""
    return result.skipped == skip and (not result.dropped or (names is not None and names.rules_out(result.dropped)))


def _needs_full_check(screen: Screen, outline: Optional[Outline], path: Path, settings: Settings, data: bytes) -> bool:
    """Whether libcst must check a file: an enabled rule may fire in it, or AIO900 must
    judge its `# noqa` comments."""
    if screen.needs_check(outline, frozenset(settings.codes_for(path))):
        return True
    return "AIO900" in settings.enabled_codes() and may_have_noqa(data)


def _bodies_to_skip(screen: Screen, outline: Optional[Outline], path: Path, settings: Settings) -> Tuple[Body, ...]:
    """The function bodies the check of a file may leave out (blanking.py): none when
    AIO900 must see every `# noqa` comment."""
    if "AIO900" in settings.enabled_codes():
        return ()
    return screen.skippable(outline, frozenset(settings.codes_for(path)))


# An edit run takes over the last run's findings for at most this many changed files;
# with more, the whole run (which reuses every cached result) costs about the same.
EDIT_RUN_LIMIT = 32


class _EditRun:
    """A run that checks the changed files alone and takes the rest from the last run.

    It holds only while each changed file gives the other files what it gave them in
    the last run (incremental.same_contribution); `check` says whether that is so.
    """

    def __init__(
        self,
        state: RunState,
        screen: Screen,
        settings: Settings,
        project_modules: FrozenSet[str],
        cache: Cache,
        data: Dict[Path, bytes],
        digests: Dict[Path, str],
    ) -> None:
        self.state = state
        self.screen = screen
        self.settings = settings
        self.project_modules = project_modules
        self.cache = cache
        self.data = data
        self.digests = digests
        self.memos = dict(state.files)
        self.parsed = 0

    def check(self, changed: Sequence[Path], modules_of: Dict[Path, str]) -> bool:
        vocabulary = Vocabulary(self.settings, self.project_modules)
        unused_noqa_on = "AIO900" in self.settings.enabled_codes()
        pending_names = self.screen.pending_names()
        for path in changed:
            memo = self.state.files[str(path)]
            result, lines = outline_file(path, self.data[path], modules_of[path], vocabulary)
            outline = result.outline
            if outline is None:
                return False  # Python cannot parse it: the whole run tells why
            # A file parsed last time is parsed again: its facts may have changed. The
            # bodies the last run's screen lets the check leave out are left out as they
            # were then, or the facts would differ for that alone.
            if memo.parsed or _needs_full_check(self.screen, outline, path, self.settings, self.data[path]):
                skip = _bodies_to_skip(self.screen, outline, path, self.settings)
                result = check_file(path, self.settings, self.project_modules, self.data[path], lines, skip, pending_names)
                result.outline = outline
                self.parsed += 1
            if result.errors or result.timed_out or not same_contribution(memo, result):
                return False
            own = Settled()
            own.add(result, memo.outcomes)  # the same pending findings settle the same way
            diagnostics = [*result.diagnostics, *own.diagnostics]
            if unused_noqa_on:
                diagnostics += unused_noqa([result], own, self.settings, {path: self.data[path]})
            self.memos[str(path)] = memo._replace(digest=self.digests[path], diagnostics=tuple(diagnostics))
        return True

    def finish(self, run: RunResult, files: int) -> RunResult:
        state = RunState(self.memos, self.state.files_checked, self.state.screen_id)
        # The per-file entries stay as they are: reading and rewriting a shard would
        # cost more than this run's check, and a whole run re-checks a changed file
        # whose entry is stale, which is one file.
        self.cache.save_last_run(state)
        return _reported(run, state, files, self.parsed)


def _reported(run: RunResult, state: RunState, files: int, parsed: int) -> RunResult:
    """The run's outcome as `state` holds it; the files not parsed came from the cache."""
    run.diagnostics = sorted(state.diagnostics(), key=lambda d: d.sort_key)
    run.files_checked = state.files_checked
    run.files_parsed = parsed
    run.files_cached = files - parsed
    return run


class _DemandSearch:
    """Which modules' facts are missing to decide the pending findings.

    From each pending finding's callee it follows re-exports and the calls of plain
    functions already known; a name that leads into a module not parsed yet names a
    module to parse. Asked again after those are parsed, it goes on from where it
    stopped: from the new files' pending findings and the names that were waiting.
    """

    def __init__(self, project_modules: FrozenSet[str], may_hold: Callable[[str, str], bool]) -> None:
        self.project_modules = project_modules
        # A pending finding that the screen says cannot hold (no outline has a function
        # by that name that blocks, or is an `async def`) needs no module parsed.
        self.may_hold = may_hold
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
            queue.extend(
                pending.qualname
                for _, _, pending in result.pending
                if self.may_hold(pending.kind, pending.qualname)
            )
        needed: Set[str] = set()
        while queue:
            name = queue.pop()
            if name in self.done or name in self.waiting or name.count(".") > 30:
                continue
            function = self.index.resolve(name)
            target = None if function is not None else self.index.unalias(name)
            if target is not None:
                # Every star-imported module the name may come from, at once.
                needed.update(m for m in self.index.unindexed_star_sources(name) if m in self.project_modules)
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
