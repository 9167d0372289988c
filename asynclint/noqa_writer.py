"""`--add-noqa`: put `# noqa: CODE` on the line of every current finding.

Pure functions, text (or a file's bytes) and findings in, new text out; the command
reads and writes the files. For adopting the linter in an existing codebase: the
findings of today are silenced where they are, new ones are reported.

- A line without a `# noqa` comment gets `  # noqa: AIO100` at its end, after any
  comment already there (`# type: ignore` must stay first to keep its meaning).
- A `# noqa: E501` comment is extended in place: `# noqa: AIO100, E501` (codes sorted,
  no duplicates); words after the codes (`# noqa: E501 long URL`) are kept.
- A bare `# noqa`, or one whose codes already cover the finding, is left as it is.
- A line whose end lies inside a string (a finding in a multi-line string or f-string)
  or that continues with a backslash cannot take a comment: it is skipped and listed.
- AIO001 (the file cannot be read or parsed) and AIO900 (about noqa comments
  themselves) are never silenced this way.

Every edit is checked: Python's tokenizer must see the same tokens apart from comments,
and the new comment must silence the finding (`noqa.parse_noqa` reads it back). A file
that fails the check is left alone. Line endings are kept, and so is the encoding (BOM,
coding cookie): the file is written back only if its bytes decode and encode back
unchanged.
"""
from __future__ import annotations

import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from .files import source_encoding
from .noqa import (
    LINE_BREAK,
    find_noqa,
    is_suppressed,
    line_reader,
    parse_noqa,
    scan_comments,
    split_lines,
)

NEVER_ADDED = frozenset({"AIO001", "AIO900"})

_CODE_LIKE = re.compile(r"[A-Za-z]+[0-9]+|[A-Z]+")
_WORD = re.compile(r"[A-Za-z]+[0-9]*")


@dataclass
class NoqaEdit:
    """The outcome for one text: the new text, how many lines got a comment or a code
    added, and the lines that needed one but could not take it (with the reason)."""

    text: str
    added: int = 0
    skipped: Dict[int, str] = field(default_factory=dict)


CANNOT_COMMENT = "the line ends inside a string or continues with a backslash"
CANNOT_TOKENIZE = "Python's tokenizer cannot read the file"
NOT_SILENCED = "a comment there would not silence the finding"
CHANGES_CODE = "a comment there would change how Python reads the file"
UNREADABLE = "AIO001 is not silenced this way: make the file readable, or exclude it"


def add_noqa(text: str, findings: Iterable[Tuple[int, str]]) -> NoqaEdit:
    """Add `# noqa: CODE` comments for `findings` ((line, code) pairs) to `text`."""
    wanted: Dict[int, Set[str]] = {}
    for line, code in findings:
        if code not in NEVER_ADDED:
            wanted.setdefault(line, set()).add(code)
    if not wanted:
        return NoqaEdit(text)
    scan = scan_comments(text)
    if scan is None:
        return NoqaEdit(text, skipped={line: CANNOT_TOKENIZE for line in wanted})
    lines = list(split_lines(text))
    edit = NoqaEdit(text)
    edited: List[int] = []
    for number, codes in sorted(wanted.items()):
        if not 0 < number <= len(lines):
            continue
        old = lines[number - 1]
        body = LINE_BREAK.split(old, 1)[0]
        current = parse_noqa(body)
        missing = {code for code in codes if not is_suppressed(current, 1, code)}
        if not missing:
            continue
        if number not in scan.open_to_comments:
            edit.skipped[number] = CANNOT_COMMENT
            continue
        comment = scan.comments.get(number)
        new_body = _with_codes(body, comment, missing)
        if new_body is None or not all(is_suppressed(parse_noqa(new_body), 1, c) for c in missing):
            edit.skipped[number] = NOT_SILENCED
            continue
        lines[number - 1] = new_body + old[len(body) :]
        edited.append(number)
    if not edited:
        return edit
    new_text = "".join(lines)
    if _tokens(new_text) != _tokens(text):  # a comment went where it changes the code
        edit.skipped.update((number, CHANGES_CODE) for number in edited)
        return edit
    edit.text, edit.added = new_text, len(edited)
    return edit


def _with_codes(body: str, comment: Optional[Tuple[int, str]], codes: Set[str]) -> Optional[str]:
    """The line `body` with `codes` added to its noqa comment, or a new one appended."""
    if comment is not None:
        column, text = comment
        if body[column : column + len(text)] != text:
            return None  # the tokenizer's column does not fit this line: do not guess
        match = find_noqa(text)
        if match is not None:
            if match.group("codes") is None:
                return None  # a bare `# noqa` silences everything already
            start, end, written = _leading_codes(text, match)
            merged = _merge(written, codes)
            rest = text[end:]
            if start == end and rest[:1] not in ("", " "):  # `# noqa: word`: keep the word apart
                merged += " "
            return body[:column] + text[:start] + merged + rest + body[column + len(text) :]
    return body.rstrip(" \t") + "  # noqa: " + ", ".join(sorted(codes))


def _leading_codes(comment: str, match: "re.Match[str]") -> Tuple[int, int, List[str]]:
    """The span of the codes a noqa comment lists, and the codes, as written.

    The codes end at the first word that does not look like one (`# noqa: E501 long
    URL` lists E501): such words are the author's note and stay where they are.
    """
    start = match.start("codes")
    end = start
    written: List[str] = []
    for word in _WORD.finditer(comment, start, match.end("codes")):
        if not _CODE_LIKE.fullmatch(word.group()):
            break
        written.append(word.group())
        end = word.end()
    return start, end, written


def _merge(written: List[str], codes: Set[str]) -> str:
    """`E501`, {AIO100} -> `AIO100, E501`: sorted, each code once (case-insensitively)."""
    by_key: Dict[str, str] = {}
    for code in [*written, *sorted(codes)]:
        by_key.setdefault(code.upper(), code)
    return ", ".join(by_key[key] for key in sorted(by_key))


def _tokens(text: str) -> Optional[List[Tuple[int, str]]]:
    """The token stream without comments (None if it does not tokenize)."""
    try:
        return [
            (token.type, token.string)
            for token in tokenize.generate_tokens(line_reader(text))
            if token.type != tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


@dataclass
class FileNoqaEdit:
    """add_noqa for a file's bytes: `data` is None when the file stays as it is."""

    data: Optional[bytes]
    added: int = 0
    skipped: Dict[int, str] = field(default_factory=dict)
    problem: Optional[str] = None  # why the whole file was left alone


def add_noqa_to_bytes(data: bytes, findings: Iterable[Tuple[int, str]]) -> FileNoqaEdit:
    """add_noqa on a file's contents, keeping its encoding, BOM and line endings."""
    findings = list(findings)
    try:
        encoding = source_encoding(data)
        text = data.decode(encoding)
        same = text.encode(encoding) == data
    except (SyntaxError, LookupError, UnicodeError) as error:
        return FileNoqaEdit(None, problem=f"cannot decode it: {error}")
    if not same:
        return FileNoqaEdit(None, problem=f"its bytes do not survive decoding and encoding as {encoding}")
    edit = add_noqa(text, findings)
    if not edit.added:
        return FileNoqaEdit(None, skipped=edit.skipped)
    try:
        new_data = edit.text.encode(encoding)
    except UnicodeError as error:  # the comments are ASCII: only an odd codec gets here
        return FileNoqaEdit(None, problem=f"cannot encode it as {encoding}: {error}")
    return FileNoqaEdit(new_data, edit.added, edit.skipped)


# -- the files (the one part that touches the disk) ----------------------------------------


@dataclass
class NoqaOutcome:
    added: int = 0
    files: int = 0
    skipped: List[Tuple[str, int, str]] = field(default_factory=list)  # (path, line, reason)
    problems: List[Tuple[str, str]] = field(default_factory=list)  # (path, reason): file left alone


def add_noqa_to_files(findings: Iterable[Tuple[str, int, str]]) -> NoqaOutcome:
    """Write the comments for `findings` ((path, line, code) triples) into their files."""
    by_path: Dict[str, List[Tuple[int, str]]] = {}
    outcome = NoqaOutcome()
    for path, line, code in findings:
        if code == "AIO001":
            outcome.skipped.append((path, line, UNREADABLE))
        elif code not in NEVER_ADDED:
            by_path.setdefault(path, []).append((line, code))
    for path, found in sorted(by_path.items()):
        try:
            with open(path, "rb") as file:
                result = add_noqa_to_bytes(file.read(), found)
            if result.data is not None:
                with open(path, "wb") as file:
                    file.write(result.data)
        except OSError as error:
            outcome.problems.append((path, error.strerror or str(error)))
            continue
        if result.problem is not None:
            outcome.problems.append((path, result.problem))
        outcome.skipped.extend((path, line, reason) for line, reason in sorted(result.skipped.items()))
        if result.added:
            outcome.added += result.added
            outcome.files += 1
    return outcome
