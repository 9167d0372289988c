"""Parse once, run every enabled rule in one traversal, turn reports into diagnostics.

The traversal is our own rather than libcst's visitor machinery: libcst's `visit()`
rebuilds every node on the way back up (it serves transformers too), which costs about
as much as the parse. Walking the dataclass fields directly, skipping whitespace and
punctuation, is several times cheaper and lets us evaluate decorators and default
arguments in the enclosing scope, where Python evaluates them.
"""
from __future__ import annotations

import ast
import dataclasses
import re
import sys
import types
from dataclasses import replace
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, Type

import libcst as cst

from .config import Settings
from .diagnostics import Diagnostic, FileResult, Fix, InternalError, Pending, PendingNames, last_name
from .facts import FactsCollector, in_project
from .files import may_be_too_deep, nesting_error
from .incremental import contribution_signature
from .modules import module_name_of_file
from .noqa import NoqaMap, is_suppressed, parse_noqa
from .positions import Statement, locate_spans
from .fixes import FixPlan, newline_of, plan_to_fix, source_lines, touches_lines
from .project import settle
from .rules import ALL_RULES, Rule
from .semantic import SemanticModel

# Fields that hold only whitespace, comments or punctuation: never worth entering.
_SKIPPED_FIELDS = frozenset(
    {
        "lpar", "rpar", "leading_lines", "lines_after_decorators", "header", "footer",
        "comma", "semicolon", "colon", "dot", "equal", "first_colon", "second_colon",
        "lbrace", "rbrace", "lbracket", "rbracket", "newline", "trailing_whitespace",
        "empty_lines", "default_indent", "default_newline", "encoding",
        "has_trailing_newline", "asynchronous", "star", "separator", "trailing_comma",
        "posonly_ind", "operator", "indent", "comment", "relative", "first_line",
        "last_line", "leading_whitespace", "conversion",
    }
)
_FIELDS_BY_TYPE: Dict[type, Tuple[str, ...]] = {}

# How the traversal counts statements, in the order Python's `ast` lists them, so that
# positions.py can find the line where each one starts. A compound statement is one
# statement; a line of small statements (`a = 1; b = 2`) is as many as it holds, and so
# is a suite after a colon on the same line, which has no line of its own to start at.
_COMPOUND, _LINE, _SUITE, _BLOCK = "compound", "line", "suite", "block"
_STATEMENT_KINDS = {
    **{name: _COMPOUND for name in ("If", "For", "While", "Try", "TryStar", "With", "FunctionDef", "ClassDef", "Match")},
    "SimpleStatementLine": _LINE,
    "SimpleStatementSuite": _SUITE,
    "IndentedBlock": _BLOCK,
}


def _child_fields(node_type: type) -> Tuple[str, ...]:
    names = _FIELDS_BY_TYPE.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        _FIELDS_BY_TYPE[node_type] = names
    return names


_NODE_TYPES: Dict[type, bool] = {}

# Nodes with no node below them that matters: names and literals, a third of what the
# traversal met. It enters them only for a rule that visits them (the semantic model
# reads names from the statements that bind them, and calls from the calls).
_LEAVES = frozenset({cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary})


def _is_node(kind: type) -> bool:
    """isinstance(value, cst.CSTNode) by the value's type: CSTNode is an abstract class,
    whose isinstance() takes the slow path, a few million times per corpus."""
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return known


_HOOKS: Dict[type, Tuple[str, ...]] = {}


def _hooks(kind: type) -> Tuple[str, ...]:
    """The visit_/leave_ methods of a rule class, looked up once: dir() is slow, and
    every check makes the walker anew."""
    hooks = _HOOKS.get(kind)
    if hooks is None:
        hooks = _HOOKS[kind] = tuple(name for name in dir(kind) if name.startswith(("visit_", "leave_")))
    return hooks


class FileContext:
    """What rules see of the file being checked."""

    def __init__(
        self,
        path: str,
        source: str,
        module_name: str,
        is_package: bool,
        settings: Settings,
        project_modules: FrozenSet[str] = frozenset(),
        apply_noqa: bool = True,
    ) -> None:
        self.path = path
        self.apply_noqa = apply_noqa
        self.source = source
        self.module_name = module_name
        self.is_package = is_package
        self.settings = settings
        self.project_modules = project_modules
        self.semantic = SemanticModel(module_name, is_package)
        self.noqa: NoqaMap = parse_noqa(source)
        # Shared per-file memo for rules that ask the same question (see blocking.py).
        self.cache: Dict[str, Dict[Any, Any]] = {}
        self.module: Optional[cst.Module] = None  # set before the traversal starts
        self.newline = newline_of(source)
        self.reports: List[Tuple[str, cst.CSTNode, str, Optional[FixPlan]]] = []
        # Deferred findings that the whole-project pass decides (project.py).
        self.pending: List[Tuple[str, cst.CSTNode, Pending, Optional[FixPlan]]] = []
        # The innermost statement the traversal is in (kept by _Walker), and where each
        # node to locate was seen: positions.py generates the code of that statement alone.
        self.statement: Optional[Statement] = None
        self.statement_of: Dict[int, Statement] = {}

    def in_project(self, qualname: str) -> bool:
        """True when `qualname` lives in a module of the linted project (or this one)."""
        return in_project(qualname, self.project_modules) or in_project(qualname, frozenset({self.module_name}))

    def report(self, code: str, node: cst.CSTNode, message: str, fix: Optional[FixPlan] = None) -> None:
        self.reports.append((code, node, message, fix))
        self.seen_here(node, fix)

    def defer(self, code: str, node: cst.CSTNode, query: Pending, fix: Optional[FixPlan] = None) -> None:
        """A finding that the whole-project pass decides (see project.py)."""
        self.pending.append((code, node, query, fix))
        self.seen_here(node, fix)

    def seen_here(self, node: cst.CSTNode, fix: Optional[FixPlan] = None) -> None:
        """Note that `node` (and what `fix` edits) is in the current statement, most
        likely: positions.py checks, and looks in the whole module when it is not."""
        statement = self.statement
        if statement is None:
            return
        self.statement_of.setdefault(id(node), statement)
        if fix is not None:
            for edit in fix.edits:
                self.statement_of.setdefault(id(edit.node), statement)


class _Walker:
    """The single traversal: keeps the semantic model current and calls rule visitors."""

    def __init__(self, rules: Sequence[object], context: FileContext) -> None:
        self.semantic = context.semantic
        self.context = context
        self.indents: Tuple[str, ...] = ()
        self.statements = 0  # statements entered so far (see _STATEMENT_KINDS)
        self.default_indent = context.module.default_indent if context.module is not None else "    "
        self.visitors: Dict[str, List[Callable[[cst.CSTNode], None]]] = defaultdict(list)
        self.leavers: Dict[str, List[Callable[[cst.CSTNode], None]]] = defaultdict(list)
        for rule in rules:
            for attribute in _hooks(type(rule)):
                if attribute.startswith("visit_"):
                    self.visitors[attribute[6:]].append(getattr(rule, attribute))
                else:
                    self.leavers[attribute[6:]].append(getattr(rule, attribute))
        self.leaves = frozenset(kind for kind in _LEAVES if kind.__name__ not in self.visitors and kind.__name__ not in self.leavers)

    def walk(self, node: cst.CSTNode) -> None:
        name = type(node).__name__
        kind = _STATEMENT_KINDS.get(name)
        outer = self._enter_statement(kind, name, node) if kind is not None else None
        visitors = self.visitors.get(name)
        if visitors:
            for visit in visitors:
                visit(node)
        if name == "FunctionDef":
            self._function(node)  # type: ignore[arg-type]
        elif name == "ClassDef":
            self._class(node)  # type: ignore[arg-type]
        elif name == "Lambda":
            self._lambda(node)  # type: ignore[arg-type]
        else:
            self._children(node)
        leavers = self.leavers.get(name)
        if leavers:
            for leave in leavers:
                leave(node)
        if outer is not None:
            self.context.statement, self.indents = outer

    def _enter_statement(self, kind: str, name: str, node: Any) -> Tuple[Optional[Statement], Tuple[str, ...]]:
        """Keep count of statements and block indentation (see _STATEMENT_KINDS); returns
        what to restore on the way out."""
        outer = (self.context.statement, self.indents)
        if kind is _BLOCK:
            self.indents = self.indents + (self.default_indent if node.indent is None else node.indent,)
        elif kind is _SUITE:
            self.statements += len(node.body)
        else:
            self.context.statement = Statement(node, self.statements, self.indents)
            self.statements += len(node.body) if kind is _LINE else 1
            if name == "Match":  # its cases are indented, then their blocks again
                self.indents = self.indents + (self.default_indent if node.indent is None else node.indent,)
        return outer

    def _children(self, node: cst.CSTNode) -> None:
        leaves = self.leaves
        for name in _child_fields(type(node)):
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    kind = type(item)
                    if kind not in leaves and _is_node(kind):
                        self.walk(item)
            elif kind not in leaves and _is_node(kind):
                self.walk(value)

    def _walk_all(self, nodes: Sequence[Optional[cst.CSTNode]]) -> None:
        for node in nodes:
            if isinstance(node, cst.CSTNode):
                self.walk(node)

    def _function(self, node: cst.FunctionDef) -> None:
        # Decorators, defaults and annotations run in the enclosing scope, at def time.
        self._walk_all(node.decorators)
        if node.type_parameters is not None:
            self.walk(node.type_parameters)
        self.walk(node.params)
        if node.returns is not None:
            self.walk(node.returns)
        self.semantic.enter_function(node)
        self.walk(node.body)
        self.semantic.leave_scope()

    def _class(self, node: cst.ClassDef) -> None:
        self._walk_all(node.decorators)
        if node.type_parameters is not None:
            self.walk(node.type_parameters)
        self._walk_all([*node.bases, *node.keywords])
        self.semantic.enter_class(node)
        self.walk(node.body)
        self.semantic.leave_scope()

    def _lambda(self, node: cst.Lambda) -> None:
        self.walk(node.params)
        self.semantic.enter_lambda(node)
        self.walk(node.body)
        self.semantic.leave_scope()


def rules_for(codes: FrozenSet[str]) -> List[Type[Rule]]:
    """The rule classes to run for these codes (AIO001 is the engine's own)."""
    return [rule for rule in ALL_RULES if rule.code in codes and rule.code != "AIO001"]


def parse(source: str) -> cst.Module:
    """libcst's tree of `source`, with its nodes left unvalidated.

    libcst validates each node as it is built (CSTNode.__post_init__ calls _validate()).
    For the nodes its own parser builds, from source its grammar accepted, that repeats
    the parse's work at a sixth of its cost; a comment of libcst's own there says
    validation might better move out of the parse. The hook is put back at once, so
    nodes that rules build for fixes are still validated. tests/test_engine.py checks
    that trees come out the same either way.
    """
    if "__post_init__" not in vars(cst.CSTNode):  # a libcst that validates some other way
        return cst.parse_module(source)
    validate = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _not_validated  # type: ignore[method-assign]
    try:
        return cst.parse_module(source)
    finally:
        cst.CSTNode.__post_init__ = validate  # type: ignore[method-assign]


def _not_validated(node: cst.CSTNode) -> None:
    pass


def parse_error_diagnostic(path: str, source: str, error: Exception) -> Diagnostic:
    """AIO001 for a source libcst rejects, with libcst's reason.

    libcst's native parser sometimes places the error a line or two after the real
    one, so the position comes from Python's own compiler when it also rejects the
    source; otherwise (syntax newer than this Python, or a libcst-only failure) from
    libcst, else line 1.
    """
    if isinstance(error, RecursionError):
        reason = "it is nested too deeply"
    else:
        text = getattr(error, "message", None) or str(error)
        reason = _LIBCST_POSITION.sub("", text.strip().splitlines()[0] if text.strip() else type(error).__name__)
    line, column = 1, 1
    if isinstance(error, cst.ParserSyntaxError):
        line, column = max(error.raw_line, 1), error.raw_column + 1
    try:
        compile(source, path, "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as python_error:
        if python_error.lineno:
            line, column = python_error.lineno, max(python_error.offset or 1, 1)
    except (ValueError, RecursionError, MemoryError):
        pass
    return Diagnostic(path, line, column, "AIO001", f"cannot parse file: {reason}")


_LIBCST_POSITION = re.compile(r"error at \d+:\d+: ")


def check_module(
    module: cst.Module,
    make_context: Callable[[], FileContext],
    codes: FrozenSet[str],
    lines: Optional[Sequence[int]] = None,
    pending_names: Optional[PendingNames] = None,
) -> FileResult:
    """Run the enabled rules over a parsed module in one traversal. `lines`: where each
    statement starts (statements.py), if the caller has it; with `pending_names`, the
    pending findings the screen rules out are left out before anything is located.

    If a rule raises (a bug of ours), the error is recorded with the rule's code and
    the traversal is repeated without that rule, so the other rules' findings survive.
    """
    rule_classes = rules_for(codes)
    failed: List[str] = []
    errors: List[InternalError] = []
    while True:
        context = make_context()
        rules = [rule_class(context) for rule_class in rule_classes if rule_class.code not in failed]
        collector = FactsCollector(context)
        try:
            context.module = module
            context.semantic.enter_module(module)
            _Walker([collector, *rules], context).walk(module)
            break
        except RecursionError:
            diagnostic = Diagnostic(context.path, 1, 1, "AIO001", "cannot check file: it is nested too deeply")
            return FileResult(path=context.path, diagnostics=[diagnostic], errors=errors, noqa=context.noqa, rejected=True)
        except Exception as error:
            culprit = _rule_in_traceback(error.__traceback__)
            where = f"rule {culprit.code} ({culprit.info().name})" if culprit else "the engine"
            errors.append(InternalError(context.path, f"internal error in {where}: {type(error).__name__}: {error}"))
            if culprit is None or culprit.code in failed:
                return FileResult(path=context.path, errors=errors, noqa=context.noqa)
            failed.append(culprit.code)

    result = FileResult(path=context.path, errors=errors, noqa=context.noqa, parsed=True, apply_noqa=context.apply_noqa)
    if pending_names is not None:
        # Most pending findings name a callee that no project function of the kind goes
        # by; locating them cost more than the rest of the check of some files.
        kept, dropped = [], set()
        for entry in context.pending:
            pending = entry[2]
            if pending_names.may_hold(pending.kind, pending.qualname):
                kept.append(entry)
            else:
                dropped.add((pending.kind, last_name(pending.qualname)))
        context.pending = kept
        result.dropped = tuple(sorted(dropped))
    plans = [fix for *_, fix in context.reports + context.pending if fix is not None]
    nodes = [entry[1] for entry in context.reports + context.pending]
    nodes += [edit.node for plan in plans for edit in plan.edits] + collector.nodes_to_locate()
    spans = locate_spans(module, nodes, context.statement_of, context.source, lines)
    lines = source_lines(context.source) if plans else []

    def fix_of(plan: Optional[FixPlan]) -> Optional[Fix]:
        if plan is None:
            return None
        fix = plan_to_fix(plan, spans, lines, context.newline)
        # A line with a `# noqa` comment (for any tool) is the author's: --fix leaves it
        # alone, so the finding must not be counted or shown as fixable either.
        return None if fix is not None and touches_lines(fix, context.noqa) else fix

    for code, node, message, plan in context.reports:
        line, column, end_line, end_column = spans.get(id(node), (1, 1, None, None))
        diagnostic = Diagnostic(context.path, line, column, code, message, end_line, end_column, fix_of(plan))
        if context.apply_noqa and is_suppressed(context.noqa, line, code):
            result.suppressed.append(diagnostic)
        else:
            result.diagnostics.append(diagnostic)
    for code, node, pending, plan in context.pending:
        line, column, end_line, end_column = spans.get(id(node), (1, 1, None, None))
        # Interned: a module has many pending findings with the same message and callee,
        # and pickle (to the main process, to the cache) then keeps one copy of each.
        shared = replace(
            pending, qualname=sys.intern(pending.qualname), message=sys.intern(pending.message), fix=fix_of(plan)
        )
        result.pending.append((code, (line, column, end_line, end_column), shared))
    result.facts = collector.finish({key: (span.line, span.column) for key, span in spans.items()})
    result.contribution = contribution_signature(result.facts, result.pending)
    result.suppressed.extend(collector.silenced)
    return result


def _rule_in_traceback(tb: Optional[types.TracebackType]) -> Optional[Type[Rule]]:
    culprit = None
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get("self")
        if isinstance(candidate, Rule):
            culprit = type(candidate)
        tb = tb.tb_next
    return culprit


def check_source(
    source: str,
    path: str,
    settings: Settings,
    codes: Optional[FrozenSet[str]] = None,
    module_name: str = "",
    is_package: bool = False,
    project_modules: FrozenSet[str] = frozenset(),
    apply_noqa: bool = True,
    lines: Optional[Sequence[int]] = None,
    pending_names: Optional[PendingNames] = None,
) -> FileResult:
    """Parse and check one source text. Parse failures become AIO001. `lines`: where
    each statement starts (statements.py), if the caller has it from `ast` already;
    `pending_names`: the screen's word on which pending findings may hold, if any."""
    if codes is None:
        codes = settings.enabled_codes()
    # libcst overflows the C stack on very deep nesting (a crash, not an exception):
    # such a file is reported without ever reaching it.
    too_deep = nesting_error(source) if may_be_too_deep(source) else None
    if too_deep is not None:
        result = FileResult(path=path, apply_noqa=apply_noqa, rejected=True)
        if "AIO001" in codes:
            result.diagnostics.append(Diagnostic(path, too_deep.line, too_deep.column, "AIO001", too_deep.reason))
        return result
    try:
        module = parse(source)
    except Exception as error:  # libcst raises ParserSyntaxError, and more on odd input
        result = FileResult(path=path, apply_noqa=apply_noqa, rejected=True)
        diagnostic = parse_error_diagnostic(path, source, error)
        if "AIO001" in codes and not (apply_noqa and is_suppressed(parse_noqa(source), diagnostic.line, "AIO001")):
            result.diagnostics.append(diagnostic)
        return result
    if sys.getrecursionlimit() < 10000:
        sys.setrecursionlimit(10000)
    return check_module(
        module,
        lambda: FileContext(path, source, module_name, is_package, settings, project_modules, apply_noqa),
        codes,
        lines,
        pending_names,
    )


def check_single_module(
    source: str, path: str, settings: Settings, apply_noqa: bool = True, lines: Optional[Sequence[int]] = None
) -> List[Diagnostic]:
    """Check one module with a one-module index (the flake8 plugin's view). `lines`:
    where each statement starts (statements.py), from flake8's `ast` tree."""
    module_name, is_package = module_name_of_file(path)
    codes = settings.codes_for(Path(path))
    result = check_source(source, path, settings, codes, module_name, is_package, apply_noqa=apply_noqa, lines=lines)
    diagnostics = result.diagnostics + settle([result], settings).diagnostics
    return sorted(diagnostics, key=lambda d: d.sort_key)
