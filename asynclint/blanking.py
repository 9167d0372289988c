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
"""
from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from typing import List, Optional, Sequence, Tuple

from .noqa import line_offsets

Body = Tuple[int, int, int]  # first line, column of its first statement, last line

_INDENT = " \t\f"


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
    for first, column, last in sorted(bodies):
        if first < 2 or last < first or last > count or starts[first - 1] < done:
            continue
        line = source[starts[first - 1] : starts[first]]
        indent = line[:column]
        if len(line) <= column or indent.strip(_INDENT) or line[column] in _INDENT or line[column] in "\r\n#":
            continue  # the body's first line starts with something else (a header, `def f(): ...`)
        if source[starts[first - 2] : starts[first - 1]].rstrip("\r\n").endswith("\\"):
            continue  # the line before goes on into it
        pieces.append(source[done : starts[first - 1]])
        if first == last:
            pieces.append(indent + "pass" + _line_end(line))
        else:
            # One string over the body's lines: a single token for libcst, where as many
            # blank lines would each be a node.
            pieces.append(indent + '"""')
            for number in range(first, last):
                pieces.append(_line_end(source[starts[number - 1] : starts[number]]))
            pieces.append('"""' + _line_end(source[starts[last - 1] : starts[last]]))
        done = starts[last]
        skipped.append((first, column, last))
    if not skipped:
        return source, lines, ()
    pieces.append(source[done:])
    return "".join(pieces), None if lines is None else _statement_lines(lines, skipped), tuple(skipped)


def _line_end(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _statement_lines(lines: Sequence[int], skipped: Sequence[Body]) -> "array[int]":
    """The statements of a body go; its string (or `pass`) comes in their place. A body holds
    every statement that starts on its lines (none outside it starts there)."""
    kept = array("I")
    position = 0
    for first, _, last in skipped:
        low = bisect_left(lines, first, position)
        high = bisect_right(lines, last, low)
        kept.extend(lines[position:low])
        kept.append(first)
        position = high
    kept.extend(lines[position:])
    return kept
