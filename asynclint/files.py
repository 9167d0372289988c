"""Finding the files to lint and reading them as text."""
from __future__ import annotations

import ast
import io
import os
import re
import sys
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

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


# -- what libcst's parser cannot take -----------------------------------------------------
#
# libcst's native parser has no nesting limit of its own. Far past the limits of Python's
# parser (200 brackets, a few thousand operators) it overflows the C stack, a
# segmentation fault that no `except` clause catches, or takes minutes. Python's parser
# checks those limits in milliseconds, so it is asked first. It is asked at the
# interpreter's default recursion limit, the one Python itself compiles imported code
# at: the engine raises the limit for its own traversal, and that would let Python
# accept chains that libcst cannot take. A chain of `and`/`or` is flat for Python but
# nested for libcst, so that one is counted.

_PYTHON_RECURSION_LIMIT = 1000
_NESTING_MESSAGES = ("too many nested parentheses", "too many nested f-strings")  # the latter: Python 3.12+
_BOOLEAN_OPERATOR = re.compile(r"\b(?:and|or)\b")
MAX_BOOLEAN_OPERANDS = 5000


_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
# Far deeper than real code nests, far below what overflows libcst's stack.
_SUSPICIOUS_DEPTH = 50
_SUSPICIOUS_LINE = 2000


# About where Python 3.11's compiler gives up (see nesting_error).
MAX_TREE_DEPTH = 3000


def _deeper_than(tree: ast.AST, limit: int) -> Optional[ast.AST]:
    """The first node found deeper than `limit` levels, without recursion; None if none."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return node
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return None


def may_be_too_deep(source: str) -> bool:
    """A cheap first look: could `source` be nested deeply enough to need nesting_error()?

    Counts brackets (strings and comments included, which can only overestimate) and
    and/or operators, and looks for very long lines (a chain of unary operators or
    lambdas nests without brackets, but not across lines); real code stays far below.
    """
    if len(source) > _SUSPICIOUS_LINE and any(len(line) > _SUSPICIOUS_LINE for line in source.split("\n")):
        return True
    depth = deepest = 0
    for bracket in _NOT_BRACKETS.sub("", source):
        depth = depth + 1 if bracket in "([{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
        if deepest > _SUSPICIOUS_DEPTH:
            return True
    return len(_BOOLEAN_OPERATOR.findall(source)) > MAX_BOOLEAN_OPERANDS


def nesting_error(source: str) -> Optional[SourceError]:
    """Why `source` is nested too deeply to hand to libcst, or None when it is not.

    Python's own verdict on anything else (a syntax error, syntax newer than this
    Python) is left to libcst, which reports it with its own reason.
    """
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(_PYTHON_RECURSION_LIMIT)
    except RecursionError:  # already deeper than that: keep the limit there is
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not our business
            tree = compile(source, "<source>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except (RecursionError, MemoryError):  # Python's parser stack is full: MemoryError
        return SourceError(1, 1, "cannot parse file: it is nested too deeply")
    except SyntaxError as error:
        if error.msg in _NESTING_MESSAGES:
            return SourceError(error.lineno or 1, max(error.offset or 1, 1), f"cannot parse file: it is nested too deeply ({error.msg})")
        return None
    except ValueError:  # NUL bytes: reported by decode_source
        return None
    finally:
        sys.setrecursionlimit(limit)
    # Python before 3.11 builds a chain of 100,000 `+` (or `.b`, or `()`) without
    # complaint; 3.11's compiler stops near 3,000 levels with the limit above. libcst
    # takes no deeper a tree on any Python, so the depth is measured here too.
    where = _deeper_than(tree, MAX_TREE_DEPTH)
    if where is not None:
        return SourceError(getattr(where, "lineno", 1), getattr(where, "col_offset", 0) + 1, "cannot parse file: it is nested too deeply")
    if len(_BOOLEAN_OPERATOR.findall(source)) > MAX_BOOLEAN_OPERANDS:
        for node in ast.walk(tree):
            if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOLEAN_OPERANDS:
                return SourceError(node.lineno, node.col_offset + 1, "cannot parse file: it is nested too deeply (a chain of and/or)")
    return None
