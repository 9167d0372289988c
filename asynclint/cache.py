"""Per-file results kept between runs, in `.asynclint_cache/`.

An entry is keyed on the file's path and content hash, and lives in one of a few shard
files; the folder of the shards is keyed on everything else a result depends on
(asynclint's version, the settings that change findings, the set of the project's
modules). Findings that depend on other files are
not cached as findings: they are settled from the cached facts on every run, so editing
one module updates what others report without re-checking them.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, Iterable, Optional, Set, Tuple

from . import __version__
from .diagnostics import FileResult

DEFAULT_CACHE_DIR = ".asynclint_cache"

_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by asynclint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def _code_stamp() -> str:
    """Sizes and times of asynclint's own modules: results of other code never apply.

    The version alone would do for releases; this keeps an editable install honest.
    """
    package = Path(__file__).resolve().parent
    stamps = []
    for module in sorted(package.rglob("*.py")):
        try:
            stat = module.stat()
        except OSError:
            continue
        stamps.append(f"{module.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(stamps)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Cache:
    """Per-file results, plus what the last run as a whole left (incremental.RunState)
    and the screen it built.

    The per-file entries are loaded a shard at a time, when asked for: a run whose files
    are all as they were last time is answered from the last-run file alone, and an
    edit that changes nothing for the other files needs the screen besides.
    """

    def __init__(self, folder: Path, key_parts: Iterable[str]) -> None:
        self.folder = folder
        key = content_hash("\0".join([__version__, _code_stamp(), *key_parts]).encode("utf-8", "surrogateescape"))
        self.shards_folder = folder / f"v{__version__}" / key
        self.last_run_file = folder / f"v{__version__}" / f"{key}.last-run"
        self.screen_file = folder / f"v{__version__}" / f"{key}.screen"
        self._shards: Dict[int, Dict[str, Tuple[str, FileResult]]] = {}
        self.changed_shards: Set[int] = set()

    def _shard(self, shard: int) -> Dict[str, Tuple[str, FileResult]]:
        """One shard's entries, read when first needed: an edit run reads one or two."""
        entries = self._shards.get(shard)
        if entries is None:
            entries = self._shards[shard] = _read(self._shard_file(shard), _load_entries) or {}
        return entries

    def _shard_file(self, shard: int) -> Path:
        return self.shards_folder / f"{shard:02x}.pickle"

    def get(self, path: str, digest: str) -> Optional[FileResult]:
        entry = self._shard(_shard_of(path)).get(path)
        if entry is not None and entry[0] == digest:
            return entry[1]
        return None

    def put(self, path: str, digest: str, result: FileResult) -> None:
        if result.errors or result.timed_out:
            return  # an internal error is ours to fix, a timeout may not happen next time
        shard = _shard_of(path)
        self._shard(shard)[path] = (digest, result)
        self.changed_shards.add(shard)

    def last_run(self) -> Any:
        """What `save_last_run` stored (incremental.RunState), if anything."""
        return _read(self.last_run_file, pickle.load)

    def save_last_run(self, state: Any) -> None:
        self._write(self.last_run_file, lambda out: pickle.dump(state, out, protocol=PROTOCOL))

    def screen(self, screen_id: str) -> Any:
        """The screen `save_screen` stored under this id, if it is still there.

        It is kept apart from the last run: a run where nothing changed does not need it,
        and it is the larger part. The id ties it to the last run that saved it.
        """
        stored = _read(self.screen_file, pickle.load)
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == screen_id:
            return stored[1]
        return None

    def save_screen(self, screen_id: str, screen: Any) -> None:
        self._write(self.screen_file, lambda out: pickle.dump((screen_id, screen), out, protocol=PROTOCOL))

    def save(self) -> None:
        """Write the shards whose entries changed (an edit rewrites one of them)."""
        for shard in sorted(self.changed_shards):
            entries = self._shards[shard]
            self._write(self._shard_file(shard), lambda out: _dump_entries(entries, out))
        self.changed_shards.clear()

    def _write(self, target: Path, dump: Callable[[BinaryIO], None]) -> None:
        """Write atomically; a cache that cannot be written is silently skipped."""
        try:
            self._prepare_folder()
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    dump(out)
                os.replace(temporary, target)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass

    def _prepare_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(_TAG, encoding="utf-8")
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by asynclint automatically.\n*\n", encoding="utf-8")


PROTOCOL = pickle.HIGHEST_PROTOCOL
# The entries are kept in this many files, by a hash of the path: a run that re-checks a
# few files rewrites a few shards, not the whole cache.
SHARDS = 16


def _shard_of(path: str) -> int:
    return hashlib.blake2b(path.encode("utf-8", "surrogateescape"), digest_size=1).digest()[0] % SHARDS


def _dump_entries(entries: Dict[str, Tuple[str, FileResult]], out: BinaryIO) -> None:
    # One pickle per entry: pickling the whole dictionary at once holds a memo of every
    # object in it until the end (100 MB more at the peak, on 2,700 files).
    pickle.dump(len(entries), out, protocol=PROTOCOL)
    for item in entries.items():
        pickle.dump(item, out, protocol=PROTOCOL)


def _load_entries(handle: BinaryIO) -> Dict[str, Tuple[str, FileResult]]:
    count = pickle.load(handle)
    return dict(pickle.load(handle) for _ in range(count))


def _read(path: Path, load: Callable[[BinaryIO], Any]) -> Any:
    try:
        with open(path, "rb") as handle:
            return load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        return None  # no cache yet, or one from another version: start afresh
