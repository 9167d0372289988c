"""`# noqa` comments: which codes each line silences."""
from __future__ import annotations

import re
import tokenize
from typing import Callable, Dict, FrozenSet, Iterator, List, NamedTuple, Optional, Set, Tuple

# `# noqa`, `# noqa: AIO100`, `# noqa:AIO100,AIO2 E501` (case-insensitive, like flake8).
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?",
    re.IGNORECASE,
)
_CODE = re.compile(r"[A-Z]+[0-9]*", re.IGNORECASE)

# None stands for a bare `# noqa`: it silences every code on its line.
NoqaMap = Dict[int, Optional[FrozenSet[str]]]

# Line breaks as Python and libcst count lines; str.splitlines() also breaks at form
# feeds, \x1c-\x1e, \x85 and \u2028, which would shift every later line number.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def find_noqa(line: str) -> "Optional[re.Match[str]]":
    """The `# noqa` comment on one physical line, as parse_noqa sees it."""
    return _NOQA.search(line)


def may_have_noqa(data: bytes) -> bool:
    """False when the file surely has no `# noqa` comment, in any spelling."""
    return b"noqa" in data.lower()


def parse_noqa(source: str) -> NoqaMap:
    """Map 1-based line numbers to the codes their `# noqa` comment names."""
    result: NoqaMap = {}
    if "noqa" not in source.lower():
        return result
    for number, line in enumerate(LINE_BREAK.split(source), start=1):
        if "noqa" not in line.lower():
            continue
        match = find_noqa(line)
        if match is None:
            continue
        codes = match.group("codes")
        result[number] = None if codes is None else frozenset(c.upper() for c in _CODE.findall(codes))
    return result


def is_suppressed(noqa: NoqaMap, line: int, code: str) -> bool:
    """True when a `# noqa` on `line` covers `code` (exactly or by prefix)."""
    if line not in noqa:
        return False
    codes = noqa[line]
    if codes is None:
        return True
    return any(code.startswith(prefix) for prefix in codes)


class Comments(NamedTuple):
    """What Python's tokenizer says about a source's comments, by 1-based line."""

    # line -> (0-based column, text) of the comment that ends the line
    comments: Dict[int, Tuple[int, str]]
    # lines that end the way a comment can: not inside a string, not continued by a
    # backslash (a comment appended to any other line would change the code)
    open_to_comments: FrozenSet[int]


def scan_comments(source: str) -> Optional[Comments]:
    """Tokenize `source`; None when Python's tokenizer rejects it."""
    comments: Dict[int, Tuple[int, str]] = {}
    line_ends: Set[int] = set()
    inside_strings: Set[int] = set()
    # Python 3.12+ tokenizes f-strings (3.14 t-strings) piece by piece, with line ends
    # inside their replacement fields; a comment there needs 3.12 and is no place for one.
    string_starts = {getattr(tokenize, n) for n in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, n)}
    string_ends = {getattr(tokenize, n) for n in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, n)}
    open_strings: List[int] = []
    try:
        for token in tokenize.generate_tokens(line_reader(source)):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = (token.start[1], token.string)
                line_ends.add(token.start[0])
            elif token.type in (tokenize.NEWLINE, tokenize.NL):
                line_ends.add(token.start[0])
            elif token.type == tokenize.STRING:
                inside_strings.update(range(token.start[0], token.end[0]))
            elif token.type in string_starts:
                open_strings.append(token.start[0])
            elif token.type in string_ends and open_strings:
                inside_strings.update(range(open_strings.pop(), token.end[0]))
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return Comments(comments, frozenset(line_ends - inside_strings))


def line_reader(source: str) -> Callable[[], str]:
    """A readline for the tokenizer: the lines as Python counts them (see LINE_BREAK)."""
    lines = iter(split_lines(source))
    return lambda: next(lines, "")


def split_lines(source: str) -> Iterator[str]:
    """The lines of `source` with their line breaks (`\\r\\n`, `\\r` or `\\n`)."""
    start = 0
    for match in LINE_BREAK.finditer(source):
        yield source[start : match.end()]
        start = match.end()
    if start < len(source):
        yield source[start:]


def line_offsets(source: str) -> List[int]:
    """Where each line of `source` starts, as split_lines() counts them: line n starts
    at offsets[n - 1]; the last entry is the length of `source`."""
    offsets = [0]
    offsets.extend(match.end() for match in LINE_BREAK.finditer(source))
    if offsets[-1] != len(source):
        offsets.append(len(source))  # the last line has no line break
    return offsets
