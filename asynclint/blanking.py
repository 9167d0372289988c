"""Function bodies the check leaves out: an empty string in their place, on the same lines.

libcst's parse and the rules' walk cost time in proportion to the code they see. The
screen knows which defs can neither hold a finding nor decide one elsewhere
(screen.Unit, Screen.skippable); the check parses the file with each such body replaced
by a string literal spanning the same lines (`pass` for a body of one line), so every
line outside those bodies keeps its number and text, and findings, fixes and `# noqa`
comments there stay where they were.

A body is skipped only when its first line holds nothing but its first statement (or
that statement's first decorator): `def f(): return 1` and bodies after a backslash
are left alone.

The parameters of such a def go too, when the screen gives the line of its `def`: they
bind names for the body alone, and the rules found nothing in their defaults and
annotations. `def get(self, key: str = "") -> str:` becomes `def get():`; a header over
several lines becomes `def get(*_: S):`, S being a string over the same lines, so that
every line stays where it was. What the rest of the file needs of the def is kept: its
name, whether it is `async`, its decorators (and the return annotation, when the screen
says it may be `NoReturn`: see Unit.header). In files with long signatures (fastapi's,
with a docstring in each parameter's annotation) that is a large part of what libcst
parses.
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from typing import List, Optional, Sequence, Tuple

from .noqa import line_offsets

# First line, column of its first statement, last line, and the line of its `def` when
# the header may go too (0 when it must stay).
Body = Tuple[int, int, int, int]

_INDENT = " \t\f"
# A def's first line: indentation, `async`, the name, and where the parameters start
# (or type parameters). Anything else (a backslash after `def`) keeps the header.
_HEADER = re.compile(r"([ \t\f]*)(async[ \t\f]+)?def[ \t\f]+(\w+)[ \t\f]*[(\[]")


def skip_bodies(
    source: str, bodies: Sequence[Body], lines: Optional[Sequence[int]] = None
) -> Tuple[str, Optional[Sequence[int]], Tuple[Body, ...]]:
    """`source` with each body that can be skipped left out (see above); the statement
    lines of the result (statements.py), if `lines` were those of `source`; and the
    bodies skipped."""
    if not bodies:
        return source, lines, ()
    starts = line_offsets(source)
    count = len(starts) - 1  # lines in the source
    pieces: List[str] = []
    skipped: List[Body] = []
    done = 0  # offset in `source` up to which `pieces` holds it
    for body in sorted(bodies):
        first, column, last, header = body
        if first < 2 or last < first or last > count or starts[first - 1] < done:
            continue
        line = _line(source, starts, first)
        indent = line[:column]
        if len(line) <= column or indent.strip(_INDENT) or line[column] in _INDENT or line[column] in "\r\n#":
            continue  # the body's first line starts with something else (a header, `def f(): ...`)
        if _continued(source, starts, first):
            continue  # the line before goes on into it
        header_text = _header(source, starts, header, first) if header and starts[header - 1] >= done else None
        if header_text is not None:
            pieces.append(source[done : starts[header - 1]])
            pieces.append(header_text)
        else:
            pieces.append(source[done : starts[first - 1]])
        if first == last:
            pieces.append(indent + "pass" + _line_end(line))
        else:
            # One string over the body's lines: a single token for libcst, where as many
            # blank lines would each be a node.
            pieces.append(indent + '"""' + _line_ends(source, starts, first, last) + '"""')
            pieces.append(_line_end(_line(source, starts, last)))
        done = starts[last]
        skipped.append(body)
    if not skipped:
        return source, lines, ()
    pieces.append(source[done:])
    return "".join(pieces), None if lines is None else _statement_lines(lines, skipped), tuple(skipped)


def _line(source: str, starts: Sequence[int], number: int) -> str:
    """Line `number` of `source` (from 1), with its line break."""
    return source[starts[number - 1] : starts[number]]


def _line_ends(source: str, starts: Sequence[int], first: int, last: int) -> str:
    """The line breaks of lines `first` to `last - 1`: a string's content over them."""
    return "".join(_line_end(_line(source, starts, number)) for number in range(first, last))


def _continued(source: str, starts: Sequence[int], number: int) -> bool:
    """Whether the line before line `number` goes on into it (a backslash)."""
    return _line(source, starts, number - 1).rstrip("\r\n").endswith("\\")


def _header(source: str, starts: Sequence[int], header: int, first: int) -> Optional[str]:
    """The header of a def whose `def` is on line `header` and whose body starts on line
    `first`, without its parameters and annotations, over the same lines; None when it
    must stay as it is."""
    if not 0 < header < first or (header > 1 and _continued(source, starts, header)):
        return None
    line = _line(source, starts, header)
    match = _HEADER.match(line)
    if match is None:
        return None
    indent, is_async, name = match.groups()
    opening = f"{indent}{'async ' if is_async else ''}def {name}("
    if header == first - 1:
        return opening + "):" + _line_end(line)
    closing = '"""):' + _line_end(_line(source, starts, first - 1))
    return opening + '*_: """' + _line_ends(source, starts, header, first - 1) + closing


def _line_end(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _statement_lines(lines: Sequence[int], skipped: Sequence[Body]) -> "array[int]":
    """The statements of a body go; its string (or `pass`) comes in their place. A body holds
    every statement that starts on its lines (none outside it starts there)."""
    kept = array("I")
    position = 0
    for first, _, last, _ in skipped:
        low = bisect_left(lines, first, position)
        high = bisect_right(lines, last, low)
        kept.extend(lines[position:low])
        kept.append(first)
        position = high
    kept.extend(lines[position:])
    return kept
