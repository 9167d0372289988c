"""Where a few nodes start and end, without libcst's PositionProvider.

PositionProvider records a range for every node of the module, which costs about two
and a half parses. A linter needs the positions of the handful of nodes it reports (and
edits, for fixes), so this module runs libcst's plain code generation once, notes the
token index where those nodes start and end (their syntactic range: after leading blank
lines, comments and parentheses, as PositionProvider reports it), and stops as soon as
every one of them is complete.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")


class Span(NamedTuple):
    """1-based lines and columns; the end column is one past the last character."""

    line: int
    column: int
    end_line: int
    end_column: int


class _AllFound(Exception):
    pass


class _MarkingState(CodegenState):
    """Code generation that remembers the token indexes where target nodes start/end."""

    def __init__(self, module: cst.Module, targets: Dict[int, cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.targets = targets
        # Syntactic marks, and whitespace-inclusive fallbacks for node types that
        # record no syntactic position.
        self.starts: Dict[int, int] = {}
        self.ends: Dict[int, int] = {}
        self.fallback_starts: Dict[int, int] = {}
        self.fallback_ends: Dict[int, int] = {}
        self.complete = 0

    def before_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.targets:
            self.fallback_starts.setdefault(key, len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.targets and key not in self.fallback_ends:
            self.fallback_ends[key] = len(self.tokens)
            self._one_more_complete()

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        key = id(node)
        if key in self.targets and key not in self.starts:
            self.starts[key] = len(self.tokens)
            yield
            self.ends[key] = len(self.tokens)
        else:
            yield

    def _one_more_complete(self) -> None:
        self.complete += 1
        if self.complete == len(self.targets):
            raise _AllFound  # the rest of the module is not needed


def locate_spans(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Dict[int, Span]:
    """Map id(node) to its Span for each of `nodes`."""
    targets = {id(node): node for node in nodes}
    if not targets:
        return {}
    state = _MarkingState(module, targets)
    try:
        module._codegen(state)
    except _AllFound:
        pass
    tokens = state.tokens
    marks: List[Tuple[int, int, str]] = []  # (token index, key, "start"/"end")
    for key in targets:
        start = state.starts.get(key)
        if start is None:
            start = _skip_whitespace(tokens, state.fallback_starts.get(key, 0))
        end = state.ends.get(key, state.fallback_ends.get(key, len(tokens)))
        marks.append((start, key, "start"))
        marks.append((max(end, start), key, "end"))
    marks.sort()
    where: Dict[Tuple[int, str], Tuple[int, int]] = {}
    line, column, consumed = 1, 0, 0
    for index, key, which in marks:
        chunk = "".join(tokens[consumed:index])
        consumed = index
        pieces = _NEWLINE.split(chunk)
        if len(pieces) == 1:
            column += len(chunk)
        else:
            line += len(pieces) - 1
            column = len(pieces[-1])
        where[(key, which)] = (line, column + 1)
    return {key: Span(*where[(key, "start")], *where[(key, "end")]) for key in targets}


def _skip_whitespace(tokens: List[str], index: int) -> int:
    while index < len(tokens) and (tokens[index] == "" or tokens[index].isspace()):
        index += 1
    return index


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Dict[int, Tuple[int, int]]:
    """Map id(node) to its (1-based line, 1-based column) for each of `nodes`."""
    return {key: (span.line, span.column) for key, span in locate_spans(module, nodes).items()}
