"""Where a few nodes start and end, without libcst's PositionProvider.

PositionProvider records a range for every node of the module, which costs about two
and a half parses. A linter needs the positions of the nodes it reports (and edits, for
fixes), so this module runs libcst's plain code generation, notes the token index where
those nodes start and end (their syntactic range: after leading blank lines, comments
and parentheses, as PositionProvider reports it), and stops as soon as every one of them
is complete.

Generating the code of the whole module up to the last node still cost as much as the
parse when the nodes are spread over the file (pending findings are). So each node is
first looked for in the code of the innermost statement that holds it, generated alone:
the traversal notes that statement (engine.py), Python's `ast` says on which line it
starts, and the generated text must equal the source there, or the node is located in
the module's code as before.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from .noqa import line_offsets
from .statements import statement_lines_of_source

_NEWLINE = re.compile(r"\r\n?|\n")


class Span(NamedTuple):
    """1-based lines and columns; the end column is one past the last character."""

    line: int
    column: int
    end_line: int
    end_column: int


class Statement(NamedTuple):
    """A statement that libcst can generate the code of on its own (see engine.py)."""

    node: cst.CSTNode  # a SimpleStatementLine or a compound statement
    index: int  # how many statements come before it in source order, as `ast` counts them
    indents: Tuple[str, ...]  # the indentation of each block it is in


class _AllFound(Exception):
    pass


class _MarkingState(CodegenState):
    """Code generation that remembers the token indexes where target nodes start/end."""

    def __init__(self, module: cst.Module, targets: Dict[int, cst.CSTNode], indents: Sequence[str] = ()) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.indent_tokens = list(indents)
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


def locate_spans(
    module: cst.Module,
    nodes: Iterable[cst.CSTNode],
    statements: Optional[Dict[int, Statement]] = None,
    source: Optional[str] = None,
    lines: Optional[Sequence[int]] = None,
) -> Dict[int, Span]:
    """Map id(node) to its Span for each of `nodes`.

    `statements` maps id(node) to the statement that holds it and `source` is the
    module's text: with both, each node is looked for in its statement's code first.
    `lines` is statements.statement_lines of the source, when the caller has it.
    """
    targets = {id(node): node for node in nodes}
    if not targets:
        return {}
    spans: Dict[int, Span] = {}
    if statements and source is not None:
        spans = _locate_in_statements(module, targets, statements, source, lines)
    rest = {key: node for key, node in targets.items() if key not in spans}
    if rest:
        state = _MarkingState(module, rest)
        try:
            module._codegen(state)
        except _AllFound:
            pass
        spans.update(_spans(state, rest, 1))
    return spans


def _locate_in_statements(
    module: cst.Module,
    targets: Dict[int, cst.CSTNode],
    statements: Dict[int, Statement],
    source: str,
    lines: Optional[Sequence[int]] = None,
) -> Dict[int, Span]:
    groups: Dict[int, Tuple[Statement, Dict[int, cst.CSTNode]]] = {}
    for key, node in targets.items():
        statement = statements.get(key)
        if statement is not None:
            groups.setdefault(id(statement.node), (statement, {}))[1][key] = node
    if not groups:
        return {}
    firsts = lines if lines is not None else statement_lines_of_source(source)
    if firsts is None:
        return {}
    line_starts = line_offsets(source)
    spans: Dict[int, Span] = {}
    for statement, members in groups.values():
        line = _first_line(statement, firsts)
        if line is None or not 1 <= line <= len(line_starts):
            continue
        offset, newline = line_starts[line - 1], module.default_newline
        state = _generate(module, statement, members, elif_=False)
        same = _matches(state, source, offset, newline)
        if not same and isinstance(statement.node, cst.If):
            # An `elif` is an If in the orelse of another; alone, it is generated as `if`.
            state = _generate(module, statement, members, elif_=True)
            same = _matches(state, source, offset, newline)
        if state is None or not same:
            continue  # the line is wrong: leave these nodes to the whole module's code
        found = {key: node for key, node in members.items() if key in state.fallback_ends}
        spans.update(_spans(state, found, line))
    return spans


def _generate(
    module: cst.Module, statement: Statement, members: Dict[int, cst.CSTNode], elif_: bool
) -> Optional[_MarkingState]:
    """The marked code of the statement alone; None if libcst cannot generate it so."""
    state = _MarkingState(module, members, statement.indents)
    try:
        if elif_:
            statement.node._codegen(state, is_elif=True)
        else:
            statement.node._codegen(state)
    except _AllFound:
        pass
    except Exception:  # a shortcut of ours must cost time, never a finding
        return None
    return state


def _matches(state: Optional[_MarkingState], source: str, offset: int, newline: str) -> bool:
    return state is not None and _same_text(source, offset, "".join(state.tokens), newline)


def _first_line(statement: Statement, firsts: Sequence[int]) -> Optional[int]:
    """The line where the statement's own code starts: its leading comment lines first."""
    if statement.index >= len(firsts):
        return None
    node = statement.node
    above = len(getattr(node, "leading_lines", ()))
    decorators = getattr(node, "decorators", ())
    if decorators:
        above += len(decorators[0].leading_lines)
    return firsts[statement.index] - above


def _same_text(source: str, offset: int, text: str, newline: str) -> bool:
    if source.startswith(text, offset):
        return True
    # The module's last line may have no newline; a statement's code always ends in one.
    end = offset + len(text) - len(newline)
    return end == len(source) and text.endswith(newline) and source.startswith(text[: -len(newline)], offset)


def _spans(state: _MarkingState, targets: Dict[int, cst.CSTNode], first_line: int) -> Dict[int, Span]:
    """The spans of `targets` from the tokens `state` generated, the first of which
    starts at column 1 of `first_line`."""
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
    line, column, consumed = first_line, 0, 0
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
