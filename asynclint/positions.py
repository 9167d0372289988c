"""Line and column of a few nodes, without libcst's PositionProvider.

PositionProvider records a range for every node of the module, which costs about two
and a half parses. A linter needs the position of the handful of nodes it reports, so
this module runs libcst's plain code generation once and notes where those nodes start
(their syntactic start: after leading blank lines, comments and parentheses, the same
place PositionProvider reports).
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")


class _AllFound(Exception):
    pass


class _MarkingState(CodegenState):
    """Code generation that remembers the token index where target nodes start."""

    def __init__(self, module: cst.Module, targets: Dict[int, cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.targets = targets
        self.marks: Dict[int, int] = {}
        self.settled = 0  # targets with their syntactic start

    def before_codegen(self, node: cst.CSTNode) -> None:
        # Fallback for node types that record no syntactic position.
        key = id(node)
        if key in self.targets and key not in self.marks:
            self.marks[key] = -len(self.tokens) - 1

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        key = id(node)
        if key in self.targets and self.marks.get(key, -1) < 0:
            self.marks[key] = len(self.tokens)
            self.settled += 1
            if self.settled == len(self.targets):
                raise _AllFound  # the rest of the module is not needed
        yield


def locate(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Dict[int, Tuple[int, int]]:
    """Map id(node) to its (1-based line, 1-based column) for each of `nodes`."""
    targets = {id(node): node for node in nodes}
    if not targets:
        return {}
    state = _MarkingState(module, targets)
    try:
        module._codegen(state)
    except _AllFound:
        pass
    # A fallback mark (negative) counts from the whitespace before the node: skip it.
    order: List[Tuple[int, int]] = []
    for key, mark in state.marks.items():
        if mark < 0:
            index = -mark - 1
            while index < len(state.tokens) and (state.tokens[index].isspace() or state.tokens[index] == ""):
                index += 1
            mark = index
        order.append((mark, key))
    order.sort()
    result: Dict[int, Tuple[int, int]] = {}
    line, column, consumed = 1, 0, 0
    tokens = state.tokens
    for mark, key in order:
        chunk = "".join(tokens[consumed:mark])
        consumed = mark
        pieces = _NEWLINE.split(chunk)
        if len(pieces) == 1:
            column += len(chunk)
        else:
            line += len(pieces) - 1
            column = len(pieces[-1])
        result[key] = (line, column + 1)
    return result
