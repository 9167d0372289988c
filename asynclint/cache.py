"""Per-file results kept between runs, in `.asynclint_cache/`.

An entry is keyed on the file's path and content hash; the file it lives in is keyed on
everything else a result depends on (asynclint's version, the settings that change
findings, the set of the project's modules). Findings that depend on other files are
not cached as findings: they are settled from the cached facts on every run, so editing
one module updates what others report without re-checking them.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

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
    def __init__(self, folder: Path, key_parts: Iterable[str]) -> None:
        self.folder = folder
        key = content_hash("\0".join([__version__, _code_stamp(), *key_parts]).encode("utf-8", "surrogateescape"))
        self.file = folder / f"v{__version__}" / f"{key}.pickle"
        self.entries: Dict[str, Tuple[str, FileResult]] = {}
        self.changed = False
        self._load()

    def _load(self) -> None:
        try:
            with open(self.file, "rb") as handle:
                entries = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            return  # no cache yet, or one from another version: start afresh
        if isinstance(entries, dict):
            self.entries = entries

    def get(self, path: str, digest: str) -> Optional[FileResult]:
        entry = self.entries.get(path)
        if entry is not None and entry[0] == digest:
            return entry[1]
        return None

    def put(self, path: str, digest: str, result: FileResult) -> None:
        if result.errors or result.timed_out:
            return  # an internal error is ours to fix, a timeout may not happen next time
        self.entries[path] = (digest, result)
        self.changed = True

    def save(self) -> None:
        """Write atomically; a cache that cannot be written is silently skipped."""
        if not self.changed:
            return
        try:
            self._prepare_folder()
            self.file.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.file.parent, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(self.entries, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.file)
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
