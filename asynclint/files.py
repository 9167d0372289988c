"""Finding the files to lint and reading them as text."""
from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Sequence, Tuple

from .config import PathPatterns, Settings

SOURCE_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class SourceError(Exception):
    """The file cannot be read or decoded: reported as AIO001 at `line`:`column`."""

    line: int
    column: int
    reason: str


def exclusions(settings: Settings) -> PathPatterns:
    return PathPatterns([*settings.exclude, *settings.extend_exclude], settings.root)


def is_excluded(path: Path, settings: Settings) -> bool:
    return exclusions(settings).matches(path)


def discover(paths: Sequence[Path], settings: Settings) -> Tuple[List[Path], List[Path]]:
    """The source files under `paths`, and the paths that do not exist.

    A file named explicitly is always linted, whatever its suffix or the excludes; so
    is the content of a folder named explicitly, though excludes apply below it.
    Symbolic links to folders are not followed (no loops, no linting outside the tree).
    """
    excluded = exclusions(settings)
    found: List[Path] = []
    missing: List[Path] = []
    seen = set()
    for path in paths:
        if path.is_dir():
            candidates: Iterable[Path] = _walk(path, excluded)
        elif path.exists() or path.is_symlink():
            candidates = [path]
        else:
            missing.append(path)
            continue
        for candidate in candidates:
            key = os.path.normcase(os.path.abspath(candidate))
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found, missing


def _walk(folder: Path, excluded: PathPatterns) -> Iterable[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    # Folders above were checked on the way down: only this entry's own name and its
    # path relative to the configuration's folder are left to check.
    relative_folder = excluded.relative(folder)
    for entry in entries:
        if excluded.matches_name(entry.name):
            continue
        if relative_folder is not None:
            relative = f"{relative_folder}/{entry.name}" if relative_folder else entry.name
            if excluded.matches_relative(relative):
                continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(path, excluded)
            elif entry.name.endswith(SOURCE_SUFFIXES) and entry.is_file():
                yield path
        except OSError:
            continue


def source_encoding(data: bytes) -> str:
    """The encoding Python reads a source file with: "utf-8-sig" after a BOM (so that
    encoding the text again restores the BOM), a PEP 263 cookie's, else "utf-8".
    Raises SyntaxError for a cookie naming no encoding."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


def decode_source(data: bytes) -> str:
    """Bytes to text as Python itself does: BOM, then a PEP 263 coding cookie, else UTF-8."""
    try:
        encoding = source_encoding(data)
    except SyntaxError as error:
        line = getattr(error, "lineno", None) or _cookie_line(data)
        raise SourceError(line, 1, f"cannot decode file: {error.msg if hasattr(error, 'msg') else error}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise SourceError(line, column, f"cannot decode file as {encoding}: invalid byte {data[error.start:error.start + 1]!r}") from None
    except LookupError:
        raise SourceError(_cookie_line(data), 1, f"cannot decode file: unknown encoding {encoding!r}") from None
    nul = text.find("\0")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        raise SourceError(line, nul - (text.rfind("\n", 0, nul) + 1) + 1, "cannot parse file: it contains NUL bytes (a binary file?)")
    return text


def _cookie_line(data: bytes) -> int:
    for number, line in enumerate(data.splitlines()[:2], start=1):
        if b"coding" in line:
            return number
    return 1


def read_source(path: Path) -> str:
    """The decoded text of a source file, or SourceError saying why there is none."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise SourceError(1, 1, "cannot read file: it is a directory") from None
    except OSError as error:
        raise SourceError(1, 1, f"cannot read file: {error.strerror or error}") from None
    return decode_source(data)
