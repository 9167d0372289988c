"""The screen: Python's own parser decides which files libcst must check at all.

libcst parses about nine times slower than `ast.parse`, and in a code base of async
code almost every file says `async`, so a text search cannot tell the few files with a
finding from the many without. The screen reads every file with `ast` and records an
`Outline`: the rules that may fire in it on their own, and the names it calls where a
finding would depend on other modules (a plain helper called in an async body, a
coroutine function called as a statement, a callable handed to a thread). With every
file's outline in, `Screen` works out, by name only, which project functions may block,
run a loop or be coroutine functions, and so which files need the full check.

The screen must never drop a file that the full check would report on: every test here
is a weaker form of the rule's own (a name instead of a resolved qualified name, any
scope instead of the right one). tests/test_screen.py compares runs with and without it.
"""
from __future__ import annotations

import ast
from array import array
from collections import defaultdict
from itertools import chain
from dataclasses import dataclass
from typing import Any, Callable, DefaultDict, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from .config import Settings
from .diagnostics import PendingNames
from .incremental import export_signature
from .statements import python_tree, statement_start
from .catalog import (
    ASYNCIO_COROUTINE_FUNCTIONS,
    BLOCKING_CALLS,
    ENTRY_POINTS,
    EXECUTOR_METHODS,
    LOOP_ARGUMENT_REMOVED,
    LOOP_ENTRY_POINTS,
    LOOP_RUNNING_FUNCTIONS,
    LOOP_RUNNING_METHODS,
    QUALNAME_ALIASES,
    TASK_FACTORIES,
    THREAD_CLASS,
    TO_THREAD_DECORATORS,
)

BLOCKING_CODES = frozenset({"AIO100", "AIO101", "AIO102", "AIO103", "AIO104", "AIO105"})

# Top-level modules whose functions the rules know by name. A call can only resolve to
# one of them through a name imported from one of them (or `open`/`input`).
_BLOCKING_ROOTS = frozenset(
    {name.split(".")[0] for name in BLOCKING_CALLS}
    | {name.split(".")[0] for pair in QUALNAME_ALIASES.items() for name in pair}
    | {"builtins"}
)
_ASYNCIO = frozenset({"asyncio"})
_ASYNC_ROOTS = _BLOCKING_ROOTS | {"asyncio", "anyio", "trio", "threading", "concurrent", "functools"}
# The last part of a qualified name that canonical_qualname() may rewrite into another
# (`posixpath.exists` is `os.path.exists`, `requests.session()` makes a `Session`).
_SAME_OWNER: Dict[str, Set[str]] = {}
for _alias, _target in QUALNAME_ALIASES.items():
    _SAME_OWNER.setdefault(_alias.rsplit(".", 1)[-1], set()).add(_target.rsplit(".", 1)[-1])
_BUILTIN_ROOTS = frozenset({"open", "input"})


def _last_parts(qualnames: Iterable[str]) -> FrozenSet[str]:
    return frozenset(name.rsplit(".", 1)[-1] for name in qualnames)


# The catalogue's names, by their last part: the screen matches what a call says, not
# what it resolves to. A loop's (or a TaskGroup's) methods match whatever the receiver.
_TASK_FACTORIES = _last_parts(TASK_FACTORIES)
_ENTRY_POINTS = _last_parts(ENTRY_POINTS)
_LOOP_ENTRY_POINTS = frozenset(LOOP_ENTRY_POINTS)
_LOOP_FUNCTIONS = _last_parts(LOOP_RUNNING_FUNCTIONS)
_LOOP_METHODS = LOOP_RUNNING_METHODS
_HANDOVERS = _last_parts([THREAD_CLASS]) | EXECUTOR_METHODS | {"run_in_executor"}
_TO_THREAD_DECORATORS = _last_parts(TO_THREAD_DECORATORS)
_ASYNCIO_COROUTINES = _last_parts(ASYNCIO_COROUTINE_FUNCTIONS)

# Flags of a recorded call.
_IN_ASYNC = 1  # made in an async body
_DROPPED = 2  # an expression statement: its result is thrown away
_HAS_ARGS = 4  # its first argument may be a function, a lambda or a future (AIO202)
_LOOP_KEYWORD = 8  # passes `loop=`
_SELF = 16  # `self.name(...)`: a method of the enclosing class
_SELF_DEEP = 32  # `self.a.name(...)`: a project function only through a nested class
# A call with none of these (and not of asyncio's) can make no rule fire where it is made.
_SCREENED = _IN_ASYNC | _DROPPED | _HAS_ARGS

# (root name, called name, flags, owner): `owner` is what the name is an attribute of,
# as written (`api` in `pkg.api.fetch`, the class for `self.fetch`); None for a bare name.
Call = Tuple[Optional[str], str, int, Optional[str]]


class Unit(NamedTuple):
    """A def at module level or directly in a class body whose body the check may skip.

    libcst's parse and the rules' walk cost time per line, and most of a file that needs
    the check holds no finding. When no rule may fire in a unit's body, its header and
    decorators hold nothing the body needs checked, and (for a plain def) the screen
    says no pending finding can follow it (no async body calls it, even through other
    functions, where it blocks; no thread is handed it, where it runs a loop), the check
    sees an empty string in place of its body (blanking.py).
    """

    first: int  # the line its body starts on (its first statement's, or first decorator's)
    column: int  # the first statement's column (in UTF-8 bytes): the body's indentation
    last: int  # the line its body ends on
    # The line of its `def`, when the check may leave its parameters and annotations out
    # with the body (blanking.py); 0 when a return annotation may say `NoReturn`, which
    # AIO300/AIO301 read in every def of the module (rules/cancellation.py).
    header: int
    # Tuples, not sets: most are empty, and an empty tuple costs nothing (the outlines of
    # a large project are all held at once).
    keys: Tuple[str, ...]  # a plain def's keys (as in Outline.functions); () for an async def
    codes: Tuple[str, ...]  # rules that may fire in it (its decorators and defaults included)
    async_calls: Tuple[str, ...]  # as in Outline, for this def alone
    dropped_calls: Tuple[str, ...]
    handed_over: Tuple[str, ...]


# Shorter bodies are not worth skipping (nor the outline's room).
UNIT_MIN_LINES = 2


@dataclass(frozen=True)
class Outline:
    """What the screen learned of one file (small, picklable, cached with its result).

    Functions are known by keys: a method `m` of class `C` by `C.m`; a function `f` of
    module `pkg.api` by `f`, `api.f` and `pkg.api:f`. A call is keyed by what it names:
    `api.f()` by `api.f`, `self.m()` in a method of `C` by `C.m`, `x.m()` after
    `x = C()` by `C.m`, a bare `f()` by `f` (by `pkg.api:f` when the file defines `f`
    and binds it no other way).
    """

    local_codes: FrozenSet[str]  # rules that may fire here whatever the other files say
    async_calls: FrozenSet[str]  # keys called in async bodies: AIO110 if they block
    dropped_calls: FrozenSet[str]  # keys called as statements: AIO200 if coroutine functions
    handed_over: FrozenSet[str]  # callables given to threads: AIO400 if they run a loop
    # Plain functions: (keys, blocks directly, runs a loop directly, keys called).
    functions: Tuple[Tuple[Tuple[str, ...], bool, bool, FrozenSet[str]], ...]
    coroutines: FrozenSet[str]  # keys of coroutine functions defined here
    aliases: Tuple[Tuple[str, str], ...]  # (new key, key it stands for)
    owner_aliases: Tuple[Tuple[str, str], ...]  # (`pkg`, `api`): `from .api import *` in `pkg`
    # False when outlining failed on a bug of ours: the screen then sends every file on.
    complete: bool = True
    # A hash of the four fields above that other files' screening uses
    # (incremental.export_signature): an edit that keeps it needs no new screen.
    export: str = ""
    # The defs whose bodies the check may skip, depending on the screen (Screen.skippable);
    # none with a `global`, nor an `async def` that yields (an async generator). Each is
    # a Unit's fields as a plain tuple (Unit._make gives the Unit): every file's units
    # go through a pipe, and a NamedTuple pickles eight times slower.
    units: Tuple[Tuple[Any, ...], ...] = ()


_INCOMPLETE = Outline(
    local_codes=frozenset(),
    async_calls=frozenset(),
    dropped_calls=frozenset(),
    handed_over=frozenset(),
    functions=(),
    coroutines=frozenset(),
    aliases=(),
    owner_aliases=(),
    complete=False,
)


class Vocabulary:
    """The names the screen looks for, given the user's settings and the project."""

    def __init__(self, settings: Settings, project_modules: Iterable[str] = (), signatures: bool = True) -> None:
        # Whether outlines carry their export signature: only a run with a cache, which
        # keeps them for the next run's edits, needs it.
        self.signatures = signatures
        extra = list(settings.extend_blocking_calls)
        catalogue = [*BLOCKING_CALLS, *extra]
        # `sleep` for `from time import sleep; sleep()`; ("path", "exists") for `os.path.exists()`.
        self.blocking = frozenset(name.rsplit(".", 1)[-1] for name in catalogue)
        self.blocking_pairs = frozenset(tuple(name.split(".")[-2:]) for name in catalogue if "." in name)
        extra_roots = {name.split(".")[0] for name in extra}
        self.blocking_roots = _BLOCKING_ROOTS | extra_roots
        self.roots = _ASYNC_ROOTS | extra_roots
        self.project_roots = frozenset(module.split(".")[0] for module in project_modules)


def outline_source(data: bytes, module_name: str, vocabulary: Vocabulary) -> Optional[Outline]:
    """The file's outline, or None when Python cannot decode or parse it (libcst then
    checks it, to report why as AIO001)."""
    tree = python_tree(data)
    return None if tree is None else outline_tree(tree, module_name, vocabulary, data)


def outline_tree(tree: ast.Module, module_name: str, vocabulary: Vocabulary, data: bytes) -> Optional[Outline]:
    """The outline of a module Python has parsed (the flake8 plugin gets the tree from
    flake8); `data` is its source, as bytes."""
    return outline_and_lines(tree, module_name, vocabulary, data)[0]


def outline_and_lines(
    tree: ast.Module, module_name: str, vocabulary: Vocabulary, data: bytes
) -> Tuple[Optional[Outline], "Optional[array[int]]"]:
    """The outline, and the line where each statement starts (statements.statement_lines),
    which the same walk meets in the same order; (None, None) when the walk fails."""
    walker = _Walker()
    try:
        walker.visit_body(tree.body)
    except RecursionError:
        return None, None
    lines = array("I", walker.statement_lines)
    try:
        return walker.outline(module_name, vocabulary, data), lines
    except Exception:  # a bug of ours must cost speed, never a finding or the run
        return _INCOMPLETE, lines


# -- one walk over the tree ---------------------------------------------------------------


class _Function:
    __slots__ = ("name", "owner", "nested", "calls", "class_run", "unit")

    def __init__(self, name: str, owner: Optional[str], nested: bool, class_run: bool, unit: Optional[int]) -> None:
        self.name = name
        self.owner = owner  # the class of a method
        self.nested = nested  # defined in another function's body
        self.calls: List[Call] = []
        self.class_run = class_run  # `def run` directly in a class body (a Thread's run?)
        self.unit = unit


class _UnitWalk:
    """A def at module level or directly in a class (at module level): a body the check
    may skip (see Unit)."""

    __slots__ = ("node", "function", "pinned", "has_yield")

    def __init__(self, node) -> None:
        self.node = node
        self.function: Optional[_Function] = None  # a plain def's record
        # Its body must be checked whatever the screen says: it declares a `global`
        # (the rules see the module's names through it), or libcst rejects something in it.
        self.pinned = False
        self.has_yield = False  # an `async def` with a `yield` is no coroutine function


class _Walker:
    """Records raw facts in one pass; `outline()` interprets them once imports are known."""

    def __init__(self) -> None:
        self.calls: List[Call] = []
        self.imports: List[Tuple[str, str]] = []  # (local name, top-level module)
        self.relative_imports: List[str] = []  # local names
        self.from_imports: List[Tuple[str, str, str]] = []  # (local, name, last part of its module)
        self.bound: Set[str] = set()
        self.stored: Set[str] = set()  # every name something is assigned to, anywhere
        self.attribute_aliases: List[Tuple[str, Call]] = []  # `fetch = api.fetch`
        # The aliases made outside any function body (or to a `global` name): the only
        # ones other modules can use.
        self.outer_aliases: Set[Tuple[str, str]] = set()
        self.outer_attribute_aliases: Set[str] = set()
        self.global_names: Set[str] = set()  # declared `global` in some function
        # For names the rules cannot resolve: bound at module level both by a def (or
        # class) and by an import, and nowhere else.
        self.top_defined: Set[str] = set()  # def or class at module level
        self.top_imports: Dict[str, Set[str]] = {}  # local -> last parts of its modules, module level
        self.inner_bound: Set[str] = set()  # parameters, and names a def or class body binds
        self.has_match = False  # `case` patterns bind names this walk does not note
        self.attribute_alias_pairs: Set[Tuple[str, str]] = set()  # the `aliases` entries they add
        # (name, class it is made from or annotated as, how the class is named: see _class_reference)
        self.instances: List[Tuple[str, str, Optional[Tuple[str, str]]]] = []
        self.module_imports: Dict[str, Set[str]] = {}  # `import a.b as m`: m -> {"b"}
        self.star_roots: List[str] = []  # top-level modules (`.` for a relative one)
        self.star_sources: List[str] = []  # last part of the star-imported modules' names
        self.defined: Set[str] = set()  # names of every def and class
        self.self_names: Set[str] = set()  # first parameters of methods
        self.nested_class = False
        self.bindings: List[Tuple[str, str]] = []  # (name, root of what it is bound to)
        self.aliases: List[Tuple[str, str]] = []
        self.handovers: List[Tuple[str, Optional[Call]]] = []  # (how, the callable; None if opaque)
        self.decorators: List[Tuple[Optional[str], str]] = []  # (root, name): `asyncio.coroutine`
        self.functions: List[_Function] = []
        self.coroutines: List[Tuple[str, Optional[str], bool]] = []  # (name, class, nested)
        self.depth = 0  # how many function bodies the walk is in
        self.caught: List[Optional[List[str]]] = []  # async-body handler types (None: bare)
        # Each def at module level or in a class body, and which of them the walk is in
        # (None: module level, class bodies); per record above, the unit it was made in.
        self.units: List[_UnitWalk] = []
        self.unit: Optional[int] = None
        self.call_units: List[Optional[int]] = []
        self.handover_units: List[Optional[int]] = []
        self.decorator_units: List[Optional[int]] = []
        self.caught_units: List[Optional[int]] = []
        # Names bound to a tuple or list: the tuples and lists (`RETRY = (CancelledError,
        # OSError)` for `except RETRY:`). Only an `except` clause asks what names they
        # hold, so that is worked out then.
        self.tuple_members: Dict[str, List[ast.expr]] = {}
        # Index in `calls` -> ("name", `f`) for `run(f)`, ("call", `f`) for `run(f(...))`.
        self.entry_arguments: Dict[int, Tuple[str, Optional[str]]] = {}
        # The units where: a `return`/`break`/`continue` leaves a `finally` of an async
        # body (AIO302); an async body awaits in a loop (AIO203); a `with` there may be
        # `suppress(CancelledError)` (AIO300).
        self.exit_in_finally: Set[Optional[int]] = set()
        self.await_in_loop: Set[Optional[int]] = set()
        self.with_in_async: Set[Tuple[Optional[int], str]] = set()  # (unit, a context manager's maker)
        self.libcst_rejects: Set[Optional[int]] = set()  # Python accepts it, libcst will not: AIO001
        # The line where each statement starts, in the order the walk meets them: that of
        # statements.statement_lines, which the check takes (runner.py).
        self.statement_lines: List[int] = []
        # Where the walk is.
        self.in_async = False
        self.function: Optional[_Function] = None
        self.loops = 0  # `for` loops around here, in this async body
        self.finally_blocks = 0
        self.class_name: Optional[str] = None  # set directly in a class body
        self.method_class: Optional[str] = None  # the class whose method encloses us
        self.self_name: Optional[str] = None  # and that method's `self`

    def visit_body(self, body: Sequence[ast.stmt]) -> None:
        for statement in body:
            self.visit(statement)

    def visit_function(self, node) -> None:
        is_async = type(node) is ast.AsyncFunctionDef
        self.defined.add(node.name)
        owner = self.class_name
        self.note_def(node.name)
        outer_unit = self.unit
        unit = None
        if outer_unit is None and self.depth == 0:
            # The def's decorators and defaults count as its own: a finding there keeps
            # its body too, for rules that look into it.
            unit = self.unit = len(self.units)
            self.units.append(_UnitWalk(node))
        thread_decorated = False
        for decorator in node.decorator_list:
            self.visit(decorator)
            target = decorator.func if type(decorator) is ast.Call else decorator
            name = _terminal(target)
            if name is not None:
                self.decorators.append((_root(target), name))
                self.decorator_units.append(self.unit)
                thread_decorated = thread_decorated or name in _TO_THREAD_DECORATORS
        self.visit_arguments(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        function = None
        nested = owner is None and self.depth > 0
        if is_async or thread_decorated:
            self.coroutines.append((node.name, owner, nested))
        if not is_async:
            function = _Function(node.name, owner, nested, owner is not None and node.name == "run", self.unit)
            self.functions.append(function)
            if unit is not None:
                self.units[unit].function = function
        saved = (self.in_async, self.function, self.loops, self.finally_blocks, self.class_name, self.method_class, self.self_name)
        if owner is not None:
            positional = [*node.args.posonlyargs, *node.args.args]
            self.method_class, self.self_name = owner, positional[0].arg if positional else None
            if self.self_name:
                self.self_names.add(self.self_name)
        self.in_async, self.function, self.loops, self.finally_blocks, self.class_name = is_async, function, 0, 0, None
        self.depth += 1
        self.visit_body(node.body)
        self.depth -= 1
        self.in_async, self.function, self.loops, self.finally_blocks, self.class_name, self.method_class, self.self_name = saved
        self.unit = outer_unit

    def visit_arguments(self, args: ast.arguments) -> None:
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None:
                self.visit(default)
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                self.inner_bound.add(arg.arg)
            if arg is not None and arg.annotation is not None:
                self.visit(arg.annotation)
                root = _root(arg.annotation)
                if root is not None:
                    self.bindings.append((arg.arg, root))
                    annotated = _terminal(arg.annotation)
                    if annotated is not None:
                        self.instances.append((arg.arg, annotated, _class_reference(arg.annotation)))

    def visit_class(self, node: ast.ClassDef) -> None:
        self.defined.add(node.name)
        self.note_def(node.name)
        if self.class_name is not None:
            self.nested_class = True
        for expr in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expr)
        saved = (self.in_async, self.function, self.loops, self.finally_blocks, self.class_name)
        self.in_async, self.function, self.loops, self.finally_blocks, self.class_name = False, None, 0, 0, node.name
        self.visit_body(node.body)
        self.in_async, self.function, self.loops, self.finally_blocks, self.class_name = saved

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        if kind is ast.Name:  # the commonest node: nothing below it
            if type(node.ctx) is not ast.Load:  # type: ignore[attr-defined]
                self.stored.add(node.id)  # type: ignore[attr-defined]
            return
        if kind is ast.Attribute:  # the next commonest: only what it is an attribute of holds more
            base = node.value  # type: ignore[attr-defined]
            while type(base) is ast.Attribute:
                base = base.value  # type: ignore[attr-defined]
            if type(base) is not ast.Name:  # a name there is only read: nothing to note
                self.visit(base)
            return
        if kind is ast.Constant:
            return
        if kind is ast.Call:
            self.visit_call(node, 0)  # type: ignore[arg-type]
            return
        if kind in _STATEMENTS:
            self.statement_lines.append(
                node.decorator_list[0].lineno if kind in _DECORATED and node.decorator_list else node.lineno  # type: ignore[attr-defined]
            )
        if kind not in _NOTED:  # most nodes: only what is below them counts
            self.generic_visit(node)
            return
        if kind is ast.Expr:  # the commonest statement
            value = node.value  # type: ignore[attr-defined]
            if type(value) is ast.Call:
                self.visit_call(value, _DROPPED)
            elif type(value) is not ast.Constant:  # a docstring holds nothing
                self.visit(value)
            return
        if kind is ast.Global:
            self.global_names.update(node.names)  # type: ignore[attr-defined]
            if self.unit is not None:
                self.units[self.unit].pinned = True
            return
        if kind is ast.Yield or kind is ast.YieldFrom:
            if self.unit is not None:
                self.units[self.unit].has_yield = True
            self.generic_visit(node)
            return
        if kind is _MATCH:
            self.has_match = True
        if kind is ast.Lambda:
            self.visit_arguments(node.args)  # type: ignore[attr-defined]
            saved = self.in_async
            self.in_async = False
            self.visit(node.body)  # type: ignore[attr-defined]
            self.in_async = saved
            return
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            self.visit_function(node)
            return
        elif kind is ast.ClassDef:
            self.visit_class(node)  # type: ignore[arg-type]
            return
        elif kind is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                top = alias.name.split(".")[0]
                # `import a.b as m` binds `m` to module `b`; `import a.b` binds `a` to `a`.
                local, module = (alias.asname, alias.name.rsplit(".", 1)[-1]) if alias.asname else (top, top)
                self.note_import(local, module)
                self.imports.append((local, top))
                self.module_imports.setdefault(local, set()).add(module)
                if alias.asname:
                    self.alias(local, module)
            return
        elif kind is ast.ImportFrom:
            self.visit_import_from(node)  # type: ignore[arg-type]
            return
        elif kind is ast.Assign or kind is ast.AnnAssign:
            value = node.value  # type: ignore[attr-defined]
            targets = node.targets if kind is ast.Assign else [node.target]  # type: ignore[attr-defined]
            if value is not None:
                self.bind(targets, value)
            if kind is ast.AnnAssign and _starts_later(node.target, node):  # type: ignore[attr-defined]
                # `(x): int` is legal Python, but libcst's grammar has no parenthesised
                # annotated target, so only libcst can say why the file is not checked.
                self.libcst_rejects.add(self.unit)
                if self.unit is not None:
                    self.units[self.unit].pinned = True
        elif kind is ast.With or kind is ast.AsyncWith:
            in_async = self.in_async and kind is ast.With
            for item in node.items:  # type: ignore[attr-defined]
                if in_async and type(item.context_expr) is ast.Call:
                    # `with suppress(CancelledError):` (AIO300), by the callee's last name.
                    callee = _terminal(item.context_expr.func)
                    if callee is not None:
                        self.with_in_async.add((self.unit, callee))
                if item.optional_vars is not None:
                    self.bind([item.optional_vars], item.context_expr)
        elif kind is ast.Try or kind is _TRY_STAR:
            self.visit_try(node)
            return
        elif kind is ast.For or kind is ast.AsyncFor:
            if self.in_async:
                self.loops += 1
                self.generic_visit(node)
                self.loops -= 1
                return
        elif kind is ast.Await:
            if self.loops and self.in_async:
                self.await_in_loop.add(self.unit)
        elif kind is ast.Return or kind is ast.Break or kind is ast.Continue:
            if self.finally_blocks and self.in_async:
                self.exit_in_finally.add(self.unit)
        self.generic_visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        kind = type(node)
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:
            fields = _CHILD_FIELDS[kind] = tuple(name for name in node._fields if name not in _NO_CHILDREN)
        # A name read and a constant note nothing: most children are one, and skipping
        # the call to visit() for them shows in a large project.
        for name in fields:
            value = getattr(node, name, None)
            for item in value if type(value) is list else (value,):
                kind = type(item)
                if kind is ast.Name:
                    if type(item.ctx) is not ast.Load:  # type: ignore[union-attr]
                        self.stored.add(item.id)  # type: ignore[union-attr]
                elif kind is not ast.Constant and isinstance(item, ast.AST):
                    self.visit(item)

    def visit_call(self, node: ast.Call, flags: int) -> None:
        func = node.func
        name = _terminal(func)
        if name is not None:
            if self.in_async:
                flags |= _IN_ASYNC
            argument = _entry_argument(node)
            if argument is not None:
                flags |= _HAS_ARGS
                if argument[1] is not None:
                    self.entry_arguments[len(self.calls)] = argument  # checked once names are known
            if node.keywords and any(keyword.arg == "loop" for keyword in node.keywords):
                flags |= _LOOP_KEYWORD
            call = self.reference(func, name, flags)
            self.calls.append(call)
            self.call_units.append(self.unit)
            if self.function is not None:
                self.function.calls.append(call)
            # Thread may be imported under another name; the methods are attributes.
            if type(func) is ast.Name or name in _HANDOVERS:
                if node.args or node.keywords:
                    self._record_handover(node, name)
        # A name read or a constant has nothing to note: most callees and arguments
        # are one, and skipping the call to visit() for them shows in a large project.
        if type(func) is not ast.Name:
            self.visit(func)
        for arg in node.args:
            if type(arg) not in _READ_ONLY:
                self.visit(arg)
        for keyword in node.keywords:
            if type(keyword.value) not in _READ_ONLY:
                self.visit(keyword.value)

    def reference(self, func: ast.expr, name: str, flags: int) -> Call:
        """A call's callee (or a callable handed over) as a Call record."""
        root = _root(func)
        owner = None
        if type(func) is ast.Attribute:
            base = func.value  # type: ignore[attr-defined]
            kind = type(base)
            if kind is ast.Name:
                if base.id == self.self_name and self.method_class is not None:
                    flags |= _SELF
                    owner = self.method_class
                else:
                    owner = base.id
            elif kind is ast.Attribute:
                owner = base.attr
            elif kind is ast.Call:
                owner = _terminal(base.func)
            if root is not None and root == self.self_name and not flags & _SELF:
                flags |= _SELF_DEEP
        return (root, name, flags, owner)

    def _record_handover(self, node: ast.Call, how: str) -> None:
        # Only the arguments that can be the callable: Thread(group, target),
        # run_in_executor(executor, func), submit(func)/map(func); `target=`.
        candidates = [*node.args[:2], *(k.value for k in node.keywords if k.arg == "target")]
        for arg in candidates:
            kind = type(arg)
            if kind is ast.Call and _terminal(arg.func) == "partial" and arg.args:  # type: ignore[attr-defined]
                arg = arg.args[0]  # type: ignore[attr-defined]
                kind = type(arg)
            if kind is ast.Lambda and type(arg.body) is ast.Call:  # type: ignore[attr-defined]
                arg = arg.body.func  # type: ignore[attr-defined]
                kind = type(arg)
            if kind is ast.Name or kind is ast.Attribute:
                self.handovers.append((how, self.reference(arg, _terminal(arg), 0)))  # type: ignore[arg-type]
                self.handover_units.append(self.unit)

    def visit_import_from(self, node: ast.ImportFrom) -> None:
        top = node.module.split(".")[0] if node.module else ""
        source = (node.module or "").rsplit(".", 1)[-1]  # the module's last part
        for alias in node.names:
            if alias.name == "*":
                self.star_roots.append("." if node.level else top)
                self.star_sources.append(source)
                continue
            local = alias.asname or alias.name
            self.from_imports.append((local, alias.name, source))
            self.note_import(local, source)
            if node.level:  # a relative import names a module of the project
                self.relative_imports.append(local)
            else:
                self.imports.append((local, top))
            if alias.asname and alias.asname != alias.name:
                self.alias(alias.asname, alias.name)

    def bind(self, targets: Iterable[ast.expr], value: ast.expr) -> None:
        root = _root(value)
        name = _terminal(value) if type(value) in (ast.Name, ast.Attribute) else None
        made = _terminal(value.func) if type(value) is ast.Call else None  # type: ignore[attr-defined]
        made_as = _class_reference(value.func) if made is not None else None  # type: ignore[attr-defined]
        if made is not None and made == self.self_name and self.method_class is not None and type(value.func) is ast.Name:  # type: ignore[attr-defined]
            # `store = cls(...)` in a classmethod: an instance of the class itself.
            made, made_as = self.method_class, ("name", self.method_class)
        members = type(value) in (ast.Tuple, ast.List) and bool(value.elts)  # type: ignore[attr-defined]
        for target in targets:
            if type(target) is ast.Name:
                self.bound.add(target.id)  # type: ignore[attr-defined]
                if members:
                    self.tuple_members.setdefault(target.id, []).append(value)  # type: ignore[attr-defined]
                if made is not None:
                    self.instances.append((target.id, made, made_as))  # type: ignore[attr-defined]
                if type(value) is ast.Attribute:
                    self.attribute_aliases.append((target.id, self.reference(value, value.attr, 0)))  # type: ignore[attr-defined]
                    if self.depth == 0:
                        self.outer_attribute_aliases.add(target.id)  # type: ignore[attr-defined]
                if root is not None:
                    self.bindings.append((target.id, root))  # type: ignore[attr-defined]
                if name is not None and name != target.id:  # type: ignore[attr-defined]
                    self.alias(target.id, name)  # type: ignore[attr-defined]
                    if type(value) is ast.Attribute:
                        self.attribute_alias_pairs.add((target.id, name))  # type: ignore[attr-defined]

    def note_def(self, name: str) -> None:
        if self.depth == 0 and self.class_name is None:
            self.top_defined.add(name)
        else:
            self.inner_bound.add(name)

    def note_import(self, local: str, source: str) -> None:
        if self.depth == 0 and self.class_name is None:
            self.top_imports.setdefault(local, set()).add(source)
        else:
            self.inner_bound.add(local)

    def alias(self, new: str, old: str) -> None:
        self.aliases.append((new, old))
        if self.depth == 0:
            self.outer_aliases.add((new, old))

    def visit_try(self, node) -> None:
        self.visit_body(node.body)
        # AIO300/AIO301 need a `try` body that can be cancelled and a handler that can
        # end without raising.
        cancellable = self.in_async and _may_await(node.body)
        for handler in node.handlers:
            if handler.name:
                self.inner_bound.add(handler.name)
            if cancellable and _may_end_without_raising(handler.body):
                self.caught.append(None if handler.type is None else _names_in(handler.type))
                self.caught_units.append(self.unit)
            if handler.type is not None:
                self.visit(handler.type)
            self.visit_body(handler.body)
        self.visit_body(node.orelse)
        self.finally_blocks += 1
        self.visit_body(node.finalbody)
        self.finally_blocks -= 1

    # interpretation --------------------------------------------------------------------
    def outline(self, module_name: str, vocabulary: Vocabulary, data: bytes) -> Outline:
        aliases = _alias_map(self.aliases)
        bare = _BareNames(self, module_name, aliases)
        names = bare.names
        own_root = module_name.split(".")[0]
        last = module_name.rsplit(".", 1)[-1]
        # Names that may stand for something of a module the rules know (`time`, `asyncio`).
        known = self._known(own_root, vocabulary.roots)
        known_blocking = self._known(own_root, vocabulary.blocking_roots)
        known_asyncio = self._known(own_root, _ASYNCIO)
        # Names that may stand for something of the project (a function the index knows).
        project = self._reach(
            self.defined
            | self.self_names
            | set(self.relative_imports)
            | {local for local, top in self.imports if top in vocabulary.project_roots},
            any(root == "." or root in vocabulary.project_roots for root in self.star_roots),
        )
        instances: Dict[str, Set[Tuple[str, Optional[str]]]] = {}
        from_sources: Dict[str, Set[Tuple[str, str]]] = {}
        for local, imported, source in self.from_imports:
            from_sources.setdefault(local, set()).add((source, imported))
        for name, made_from, made_as in self.instances:
            instances.setdefault(name, set()).add(self._class_module(made_from, made_as, last, from_sources))

        # The same callee recurs (`self.assertEqual`, `log.debug`): its keys, worked out
        # once. The sets are shared, so no caller may change one.
        known_keys: Dict[Tuple[str, Optional[str], int], Set[str]] = {}

        def keys_of(call: Call) -> Set[str]:
            _, name, flags, owner = call
            memo = (name, owner, flags & _SELF)
            keys = known_keys.get(memo)
            if keys is None:
                keys = known_keys[memo] = _keys_of(name, flags, owner)
            return keys

        def _keys_of(name: str, flags: int, owner: Optional[str]) -> Set[str]:
            if owner is None:
                return bare.keys(name, keys_of)
            if flags & _SELF:
                # The rules resolve `self.m` to this module's class and its own method
                # only: another module's class of the same name (redis has a sync and an
                # async `Connection`) is not it.
                return {f"{module_name}:{owner}.{name}"}
            keys = {f"{made}.{name}" for made in names(owner)}
            for source, imported in from_sources.get(owner, ()):
                # `from pkg.mod import z; z.f()`: `mod.z.f`, whatever `mod` binds `z` to
                # (a module imported under another name, a class): see Screen.
                if source:
                    keys.add(f"{source}.{imported}.{name}")
            for made, module in instances.get(owner, ()):
                # `e = threading.Event(); e.wait()`: threading's, not asyncio's Event.wait.
                keys.add(f"{module}.{made}.{name}" if module else f"{made}.{name}")
            return keys

        def in_known(root: Optional[str], names: Optional[Set[str]] = known) -> bool:
            return names is None or (root is not None and root in names)

        def owners(owner: str) -> Set[str]:
            found = names(owner) | {made for made, _ in instances.get(owner, ())}
            return found.union(*(_SAME_OWNER.get(name, ()) for name in found))

        def in_project(call: Call) -> bool:
            root, _, flags, _ = call
            if flags & _SELF:
                return True
            if flags & _SELF_DEEP:
                return self.nested_class
            return project is None or (root is not None and root in project)

        # The same callees recur here too: whether each blocks or runs a loop, worked out once.
        blocking_memo: Dict[Tuple[Optional[str], str, Optional[str]], bool] = {}
        looping_memo: Dict[Tuple[Optional[str], str], bool] = {}

        def blocks(call: Call) -> bool:
            root, name, _, owner = call
            memo = (root, name, owner)
            found = blocking_memo.get(memo)
            if found is None:
                if not in_known(root, known_blocking):
                    found = False
                elif owner is None:
                    found = not names(name).isdisjoint(vocabulary.blocking)
                else:
                    found = any((made, name) in vocabulary.blocking_pairs for made in owners(owner))
                blocking_memo[memo] = found
            return found

        def runs_loop(call: Call) -> bool:
            memo = (call[0], call[1])
            found = looping_memo.get(memo)
            if found is None:
                called = names(call[1])
                found = looping_memo[memo] = not called.isdisjoint(_LOOP_METHODS) or (
                    not called.isdisjoint(_LOOP_FUNCTIONS) and in_known(call[0])
                )
            return found

        def def_keys(name: str, owner: Optional[str], nested: bool = False) -> Tuple[str, ...]:
            if owner is not None:
                return (f"{owner}.{name}", f"{module_name}:{owner}.{name}", f"{last}.{owner}.{name}")
            if nested:
                # A function defined in another's body: no other module can name it.
                return (f"{module_name}:{name}",)
            return (name, f"{last}.{name}", f"{module_name}:{name}")

        # What each unit (a def at module level or in a class: _UnitWalk; None for the
        # rest) may fire or call, so that the check can skip the bodies of the others.
        codes_at: DefaultDict[Optional[int], Set[str]] = defaultdict(set)
        async_at: DefaultDict[Optional[int], Set[str]] = defaultdict(set)
        dropped_at: DefaultDict[Optional[int], Set[str]] = defaultdict(set)
        handed_at: DefaultDict[Optional[int], Set[str]] = defaultdict(set)
        # A name the rules may resolve to a function: imported, defined, or bound to
        # another name; not a parameter or a call's result (`coro = main()`).
        resolvable = self.defined | bare.imported | {new for new, _ in self.aliases} | set(bare.attribute_aliased)

        def may_be_rejected(index: int) -> bool:
            """Whether an entry point's first argument may be what AIO202 reports."""
            kind, argument = self.entry_arguments.get(index, ("other", None))
            if kind == "name":
                return bool(self.star_roots) or argument in resolvable
            if kind == "call":  # only `gather(...)` and `wait(...)` are futures it rejects
                return not names(argument).isdisjoint(_REJECTED_FUTURES)  # type: ignore[arg-type]
            return True

        for index, call in enumerate(self.calls):
            root, name, flags, _ = call
            asyncio_call = in_known(root, known_asyncio)  # the names below are all asyncio's
            if not (flags & _SCREENED or asyncio_call):
                continue  # most calls: in a plain body, their result used, no function handed
            unit = self.call_units[index]
            codes = codes_at[unit]
            called = names(name)
            if flags & _IN_ASYNC:
                if in_project(call):
                    async_at[unit].update(keys_of(call))
                if blocks(call):
                    codes.update(BLOCKING_CODES)
                if runs_loop(call):
                    codes.add("AIO401")
            if flags & _DROPPED:
                if in_project(call):
                    dropped_at[unit].update(keys_of(call))
                if not called.isdisjoint(_LOOP_ENTRY_POINTS & _TASK_FACTORIES) or (
                    asyncio_call and not called.isdisjoint(_TASK_FACTORIES)
                ):
                    codes.add("AIO201")
                if asyncio_call and not called.isdisjoint(_ASYNCIO_COROUTINES):
                    codes.add("AIO200")
            if (
                flags & _HAS_ARGS
                and (not called.isdisjoint(_LOOP_ENTRY_POINTS) or (asyncio_call and not called.isdisjoint(_ENTRY_POINTS)))
                and may_be_rejected(index)
            ):
                codes.add("AIO202")
            if asyncio_call and (
                "get_event_loop" in called or (flags & _LOOP_KEYWORD and not called.isdisjoint(LOOP_ARGUMENT_REMOVED))
            ):
                codes.add("AIO402")
        for (root, name), unit in zip(self.decorators, self.decorator_units):
            if "coroutine" in names(name) and in_known(root, known_asyncio):
                # `@asyncio.coroutine`; not `@types.coroutine` or tornado's `@gen.coroutine`.
                codes_at[unit].add("AIO402")
        for (how, target), unit in zip(self.handovers, self.handover_units):
            if names(how).isdisjoint(_HANDOVERS):
                continue
            # A loop's bound method (`target=loop.run_forever`), or asyncio's, anyio's or
            # trio's `run` itself; another `run` may be a project function that runs one.
            if runs_loop(target):
                codes_at[unit].add("AIO400")
            elif in_project(target):
                handed_at[unit].update(keys_of(target))
        functions = []
        keys_of_function: Dict[int, Tuple[str, ...]] = {}  # id() of a _Function -> its keys
        for function in self.functions:
            loops = blocking = False
            called_keys: Set[str] = set()
            for call in function.calls:
                loops = loops or runs_loop(call)
                blocking = blocking or blocks(call)
                if in_project(call):
                    called_keys.update(keys_of(call))
            if loops and function.class_run:
                codes_at[function.unit].add("AIO400")
            keys_of_function[id(function)] = def_keys(function.name, function.owner, function.nested)
            functions.append((keys_of_function[id(function)], blocking, loops, frozenset(called_keys)))
        for caught, unit in zip(self.caught, self.caught_units):
            codes = codes_at[unit]
            if caught is None:
                codes.add("AIO301")
                continue
            caught_names = set()
            members = [member for name in caught for value in self.tuple_members.get(name, ()) for member in _names_in(value)]
            for name in [*caught, *members]:
                caught_names |= names(name)
            if "BaseException" in caught_names:
                codes.add("AIO301")
            if "CancelledError" in caught_names:
                codes.add("AIO300")
        for unit in self.exit_in_finally:
            codes_at[unit].add("AIO302")
        for unit in self.await_in_loop:
            codes_at[unit].add("AIO203")
        if b"CancelledError" in data:
            # `with suppress(CancelledError):` in an async body, where an await can be
            # cancelled (contextlib's `suppress`, under any name the file gives it).
            for unit, callee in self.with_in_async:
                if "suppress" in names(callee):
                    codes_at[unit].add("AIO300")
        for unit in self.libcst_rejects:
            codes_at[unit].add("AIO001")
        # Other names for the same function, as other files may call it. A name bound in
        # a function body is that function's alone: `cls = self.__class__` in one file
        # and `i = j` in another once chained unrelated names project-wide.
        key_aliases: Set[Tuple[str, str]] = set()
        for new, old in self.aliases:
            if (new, old) in self.outer_aliases or new in self.global_names:
                key_aliases.update({(new, old), (f"{last}.{new}", old)})
        for new, reference in self.attribute_aliases:
            if new not in self.outer_attribute_aliases and new not in self.global_names:
                continue
            for old in keys_of(reference):
                key_aliases.update({(new, old), (f"{last}.{new}", old)})
        for local, name, source in self.from_imports:
            key_aliases.add((f"{last}.{local}", f"{source}.{name}"))
        coroutines = frozenset(key for name, owner, nested in self.coroutines for key in def_keys(name, owner, nested))
        aliases = tuple(sorted(key_aliases))
        owner_aliases = tuple(sorted({(last, source) for source in self.star_sources}))
        units = []
        for index, walked in enumerate(self.units):
            node = walked.node
            opening = node.body[0]
            first = statement_start(opening)
            last_line = node.end_lineno
            is_async = walked.function is None
            if walked.pinned or (is_async and walked.has_yield) or last_line - first < UNIT_MIN_LINES - 1:
                continue
            if walked.has_yield and node.decorator_list:
                continue  # a generator made async by its decorator (`@to_thread`?)
            function = walked.function
            units.append(
                (
                    first,
                    opening.col_offset,
                    last_line,
                    0 if _may_say_no_return(node.returns) else node.lineno,
                    () if function is None else keys_of_function[id(function)],
                    _sorted_tuple(codes_at.get(index)),
                    _sorted_tuple(async_at.get(index)),
                    _sorted_tuple(dropped_at.get(index)),
                    _sorted_tuple(handed_at.get(index)),
                )
            )
        return Outline(
            local_codes=frozenset().union(*codes_at.values()),
            async_calls=frozenset().union(*async_at.values()),
            dropped_calls=frozenset().union(*dropped_at.values()),
            handed_over=frozenset().union(*handed_at.values()),
            functions=tuple(functions),
            coroutines=coroutines,
            aliases=aliases,
            owner_aliases=owner_aliases,
            export=export_signature(functions, coroutines, aliases, owner_aliases) if vocabulary.signatures else "",
            units=tuple(units),
        )

    def _class_module(
        self, made: str, made_as: Optional[Tuple[str, str]], last: str, from_sources: Dict[str, Set[Tuple[str, str]]]
    ) -> Tuple[str, Optional[str]]:
        """(class, last part of its module) for an instance's class, the module None when
        the file does not say for sure: the class `m.C` after `import a.m` or
        `import a.m as m`; `C` after `from a.m import C` (under its own name there), or a
        class of this file. A name bound any other way too keeps the module unknown.
        """
        if made_as is None:
            return made, None
        kind, base = made_as
        sources = from_sources.get(base, set())
        other_ways = base in self.stored or base in self.relative_imports
        if kind == "module":
            modules = self.module_imports.get(base, set())
            if len(modules) == 1 and not sources and not other_ways and base not in self.defined:
                return made, next(iter(modules))
            return made, None
        if sources:
            if len(sources) == 1 and not other_ways and base not in self.defined and base not in self.module_imports:
                source, name = next(iter(sources))
                if source:
                    return name, source
            return made, None
        if base in self.defined and not other_ways and base not in self.module_imports:
            return made, last
        return made, None

    def _known(self, own_root: str, roots: FrozenSet[str]) -> Optional[Set[str]]:
        """Names that may stand for something of one of `roots`; None for "any name"
        (the file is itself part of such a module, or star-imports from one)."""
        everything = own_root in roots or any(root in roots for root in self.star_roots)
        return self._reach({local for local, top in self.imports if top in roots} | _BUILTIN_ROOTS, everything)

    def _reach(self, start: Set[str], everything: bool) -> Optional[Set[str]]:
        """`start` and the names bound to something reached from it (`s = requests.Session()`,
        `p: Path`, `with Path(x) as p`, `t = s`); None for "any name"."""
        if everything:
            return None
        reached = set(start)
        changed = True
        while changed:
            changed = False
            for name, root in self.bindings:
                if root in reached and name not in reached:
                    reached.add(name)
                    changed = True
        return reached


_TRY_STAR = getattr(ast, "TryStar", ast.Try)


def _sorted_tuple(items: Optional[Set[str]]) -> Tuple[str, ...]:
    return tuple(sorted(items)) if items else ()


class _BareNames:
    """The keys of a bare call `f()`, from how the file binds `f`."""

    def __init__(self, walker: "_Walker", module_name: str, aliases: Dict[str, Set[str]]) -> None:
        self.module_name = module_name
        self.aliases = aliases
        self.defined = walker.defined
        self.star_import = bool(walker.star_roots)
        # Bound at module level by a def and by an import of another module, and nowhere
        # else (`def warn_explicit` as a fallback, then `from _warnings import
        # warn_explicit`): the rules see two values for one name and resolve it to
        # nothing, so no call of it can be a finding of theirs.
        own = module_name.rsplit(".", 1)[-1]
        self.unresolvable = (
            set()
            if walker.has_match
            else {
                name
                for name in walker.top_defined & set(walker.top_imports)
                if walker.top_imports[name] - {own}
                and name not in walker.stored
                and name not in walker.inner_bound
                and name not in walker.global_names
            }
        )
        # `from pkg.api import *` brings `api.f`, as functions of `pkg.api` are keyed; a
        # star import from the package itself (`from . import *`) names no module part.
        self.star_sources = None if "" in walker.star_sources else set(walker.star_sources)
        self.rebound = walker.bound | {local for local, _ in walker.imports} | set(walker.relative_imports)
        self.attribute_aliased: Dict[str, List[Call]] = {}
        for new, reference in walker.attribute_aliases:
            self.attribute_aliased.setdefault(new, []).append(reference)
        self.from_package = {local for local, _, source in walker.from_imports if not source}  # `from . import f`
        # Aliases other than `f = obj.attr` (those are keyed through the attribute).
        self.plain_aliased = {new for new, old in walker.aliases if (new, old) not in walker.attribute_alias_pairs}
        bound_otherwise = walker.bound | walker.defined | set(self.attribute_aliased)
        self.imported = {local for local, _ in walker.imports} | set(walker.relative_imports)
        self.bindable = bound_otherwise | walker.stored | self.imported | set(aliases)
        # Where `from module import name` says each name comes from (`api.fetch`) ...
        self.from_keys: Dict[str, Set[str]] = {}
        for local, name, source in walker.from_imports:
            if source:
                self.from_keys.setdefault(local, set()).add(f"{source}.{name}")
        # ... and the names that nothing else binds.
        self.imported_only = {
            local: keys
            for local, keys in self.from_keys.items()
            if local not in bound_otherwise and local not in self.from_package
        }

    def keys(self, name: str, keys_of: Callable[[Call], Set[str]]) -> Set[str]:
        if name in self.unresolvable:
            return set()
        if name in self.defined and name not in self.rebound and name not in self.aliases:
            return {f"{self.module_name}:{name}"}
        if self.star_import:  # after `from module import *`, any name may be that module's
            if self.star_sources is None:
                return self.names(name)
            star_keys = {f"{source}.{other}" for source in self.star_sources for other in self.names(name)}
            return star_keys | self._local_keys(name, keys_of)
        return self._local_keys(name, keys_of)

    def _local_keys(self, name: str, keys_of: Callable[[Call], Set[str]]) -> Set[str]:
        if name in self.imported_only:
            # `from pkg.api import fetch`: `api.fetch`, not every `fetch` there is.
            return self.imported_only[name]
        if name not in self.bindable:
            # A parameter, a loop variable, a builtin: the rules resolve such a name to
            # no function of the project.
            return set()
        if name in self.plain_aliased or name in self.from_package:
            return self.names(name)  # it may stand for a function of another module
        # Bound here by a def, an import, `f = api.fetch` or an assignment of something
        # that is no function (`f = make()`, `f = s[:n]`).
        keys = {f"{self.module_name}:{name}"} if name in self.defined else set()
        keys.update(self.from_keys.get(name, ()))
        for reference in self.attribute_aliased.get(name, ()):
            # `f = self.fetch`: what `self.fetch` is keyed by (`f = d[0].fetch`: `fetch`).
            if reference[3] is not None:
                keys.update(keys_of(reference))
            else:
                keys.update(self.names(reference[1]))
        return keys

    def names(self, name: str) -> Set[str]:
        """The name and every name it may stand for (the walker's aliases)."""
        return self.aliases.get(name, {name})


def _starts_later(inner: ast.AST, outer: ast.AST) -> bool:
    return (inner.lineno, inner.col_offset) != (outer.lineno, outer.col_offset)  # type: ignore[attr-defined]


def _terminal(expr: ast.expr) -> Optional[str]:
    """The last name of a callee: `get` for `requests.get`, `f` for `f`."""
    kind = type(expr)
    if kind is ast.Attribute:
        return expr.attr  # type: ignore[attr-defined]
    if kind is ast.Name:
        return expr.id  # type: ignore[attr-defined]
    return None


def _may_say_no_return(annotation: Optional[ast.expr]) -> bool:
    """Whether a return annotation may be `NoReturn` or `Never` as AIO300/AIO301 read it
    (by its last name, or a string that ends so)."""
    if annotation is None:
        return False
    if type(annotation) is ast.Constant:
        return isinstance(annotation.value, str) and annotation.value.endswith(("NoReturn", "Never"))  # type: ignore[attr-defined]
    return _terminal(annotation) in ("NoReturn", "Never")


def _root(expr: ast.expr) -> Optional[str]:
    """The name a chain of attributes and calls starts from (`requests` in
    `requests.Session().get`); None when it starts from anything else."""
    while True:
        kind = type(expr)
        if kind is ast.Attribute:
            expr = expr.value  # type: ignore[attr-defined]
        elif kind is ast.Call:
            expr = expr.func  # type: ignore[attr-defined]
        elif kind is ast.Name:
            return expr.id  # type: ignore[attr-defined]
        else:
            return None


_CHILD_FIELDS: Dict[type, Tuple[str, ...]] = {}  # a node type's fields, less _NO_CHILDREN
# Fields never worth a visit: `ctx` (Load, Store) and operators (`+`, `==`) are leaves,
# the others hold no nodes (type comments, `kind` of a constant, numbers).
_NO_CHILDREN = frozenset({"ctx", "op", "ops", "type_comment", "kind", "level", "is_async", "conversion"})
# Where an expression is only read (a callee, an argument), these note nothing: a name
# read is no binding, and a constant holds nothing.
_READ_ONLY = frozenset({ast.Name, ast.Constant})
# The node types _Walker.visit() notes something of (besides Name, Attribute, Call).
_NOTED = frozenset(
    {
        ast.Global, ast.Expr, ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
        ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.Try, getattr(ast, "TryStar", ast.Try),
        ast.For, ast.AsyncFor, ast.Await, ast.Return, ast.Break, ast.Continue, getattr(ast, "Match", ast.Global),
        ast.Yield, ast.YieldFrom,
    }
)
_MATCH = getattr(ast, "Match", None)
_STATEMENTS = frozenset(ast.stmt.__subclasses__())
_DECORATED = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_AWAITS = (ast.Await, ast.AsyncWith, ast.AsyncFor)
_LEAVES = (ast.Return, ast.Break, ast.Continue)


def _may_await(body: List[ast.stmt]) -> bool:
    """Whether statements contain an `await`, `async with` or `async for` (nested
    functions included: more than the rules count, never less), or an async comprehension."""
    return any(
        isinstance(node, _AWAITS) or (type(node) is ast.comprehension and node.is_async)  # type: ignore[attr-defined]
        for statement in body
        for node in ast.walk(statement)
    )


def _may_end_without_raising(body: List[ast.stmt]) -> bool:
    """False when a handler surely ends in a `raise`: its last statement raises and
    nothing in it returns, breaks or continues (rules/_paths.py counts any `raise` as an
    end that swallows nothing)."""
    if not body or type(body[-1]) is not ast.Raise:
        return True
    return any(isinstance(node, _LEAVES) for statement in body for node in ast.walk(statement))


_REJECTED_FUTURES = frozenset({"gather", "wait"})


def _entry_argument(call: ast.Call) -> Optional[Tuple[str, Optional[str]]]:
    """If an entry point's first argument may be what AIO202 rejects (a function itself,
    a lambda, a `gather(...)`/`wait(...)` future), what it is: ("name", `f`) for `f`,
    ("call", `f`) for `f(...)` (whether `f` is `gather` depends on the file's aliases),
    or ("other", None); None when it surely is a coroutine or there is none.
    """
    first = None
    for arg in call.args:
        if type(arg) is not ast.Starred:  # the first positional one, as the rule takes it
            first = arg
            break
    if first is None:
        for keyword in call.keywords:
            if keyword.arg in ("main", "coro", "future", "coro_or_future"):
                first = keyword.value
                break
    if first is None:
        return None
    kind = type(first)
    if kind is ast.Call:
        func = first.func  # type: ignore[attr-defined]
        if type(func) is ast.Name:
            return ("call", func.id)  # type: ignore[attr-defined]
        return ("other", None) if _terminal(func) in _REJECTED_FUTURES else None
    if kind is ast.Name:
        return ("name", first.id)  # type: ignore[attr-defined]
    return ("other", None) if kind in (ast.Attribute, ast.Lambda) else None


def _class_reference(expr: ast.expr) -> Optional[Tuple[str, str]]:
    """How an expression names a class: ("module", `m`) for `m.C`, ("name", `C`) for `C`."""
    if type(expr) is ast.Name:
        return ("name", expr.id)  # type: ignore[attr-defined]
    if type(expr) is ast.Attribute and type(expr.value) is ast.Name:  # type: ignore[attr-defined]
        return ("module", expr.value.id)  # type: ignore[attr-defined]
    return None


def _names_in(expr: ast.expr) -> List[str]:
    return [name for node in ast.walk(expr) for name in [_terminal(node)] if name is not None]  # type: ignore[arg-type]


def _alias_map(pairs: Iterable[Tuple[str, str]]) -> Dict[str, Set[str]]:
    """For each name that is an alias, every name it may stand for (itself included)."""
    direct: Dict[str, Set[str]] = {}
    for new, old in pairs:
        direct.setdefault(new, set()).add(old)
    closed: Dict[str, Set[str]] = {}
    for start in direct:
        seen, stack = {start}, [start]
        while stack:
            for old in direct.get(stack.pop(), ()):
                if old not in seen:
                    seen.add(old)
                    stack.append(old)
        closed[start] = seen
    return closed


# -- the whole project --------------------------------------------------------------------


class ScreenParts:
    """What the screen takes from each outline, gathered as the outlines come in: the
    runner adds each while the pool outlines the next. The Screen made from them
    (Screen(parts=...)) takes them over: they serve one screen."""

    def __init__(self) -> None:
        self.complete = True
        # key -> the keys of each plain function that calls it (tuples: cheaper to gather
        # than one set per key, and most are walked once, if ever).
        self.callers: Dict[str, List[Iterable[str]]] = {}
        self.aliases: Dict[str, Set[str]] = {}  # key -> other keys for the same thing
        self.blocking: Set[str] = set()
        self.looping: Set[str] = set()
        self.coroutines: Set[str] = set()
        self.defined: Set[str] = set()  # every function by its module and name (`pkg.api:fetch`)
        # The keys by a name with a dot and no module (`api.fetch`, `api.Client.get`),
        # the only ones star imports and class re-exports rename: by what comes before
        # the first dot ("api" -> {"fetch", "Client.get"}), and the methods among them by
        # module and class ("api.Client" -> {"get"}).
        self.by_owner: Dict[str, Set[str]] = {}
        self.methods: Dict[str, Set[str]] = {}
        self.owner_aliases: Set[Tuple[str, str]] = set()
        self.owners_of: Dict[str, Set[str]] = {}  # `mod.z` -> {"impl"}: see Screen
        self.called_methods: Set[str] = set()  # every key called as `owner.name`, wherever
        self.async_calls: Set[str] = set()
        self.handed_over: Set[str] = set()

    def add(self, outline: Outline) -> None:
        self.complete = self.complete and outline.complete
        callers = self.callers
        called: Set[str] = set()  # the file's callees, each looked at once (_note_called)
        for keys, blocks, loops, calls in outline.functions:
            self._register(keys)
            if blocks:
                self.blocking.update(keys)
            if loops:
                self.looping.update(keys)
            for callee in calls:
                callers.setdefault(callee, []).append(keys)
            called.update(calls)
        self.coroutines.update(outline.coroutines)
        self._register(outline.coroutines)
        for new, old in outline.aliases:
            self.aliases.setdefault(old, set()).add(new)
            if "." in new and ":" not in new:
                self._add_dotted(new)
                if new.count(".") == 1:
                    self.owners_of.setdefault(new, set()).add(old.rsplit(".", 1)[-1])
            elif ":" in new:
                self.defined.add(new)
        self.owner_aliases.update(outline.owner_aliases)
        called.update(outline.async_calls, outline.dropped_calls, outline.handed_over)
        self._note_called(called)
        self.async_calls.update(outline.async_calls)
        self.handed_over.update(outline.handed_over)

    def _register(self, keys: Iterable[str]) -> None:
        for key in keys:
            if ":" in key:
                self.defined.add(key)
            elif "." in key:
                self._add_dotted(key)

    def _add_dotted(self, key: str) -> None:
        owner, _, rest = key.partition(".")
        self.by_owner.setdefault(owner, set()).add(rest)
        if "." in rest and rest.count(".") == 1:
            cls, _, method = key.rpartition(".")
            self.methods.setdefault(cls, set()).add(method)

    def _note_called(self, keys: Iterable[str]) -> None:
        self.called_methods.update(key for key in keys if key.count(".") == 2 and ":" not in key)


class Screen:
    """Which files need the full check, given every file's outline."""

    def __init__(
        self, outlines: Iterable[Outline] = (), modules: Iterable[str] = (), parts: Optional[ScreenParts] = None
    ) -> None:
        """`modules`: the project's module names, if known (may_hold uses them);
        `parts`: the outlines' parts gathered already, in place of `outlines`."""
        if parts is None:
            parts = ScreenParts()
            for outline in outlines:
                parts.add(outline)
        self.blind = not parts.complete
        callers = parts.callers
        aliases = parts.aliases
        blocking, looping, coroutines = parts.blocking, parts.looping, parts.coroutines
        # `from .api import *` in `pkg`: `pkg.f` is `api.f`, for every `api.f` there is.
        owner_aliases = parts.owner_aliases
        star_owners = {owner for pair in owner_aliases for owner in pair}
        by_owner = {owner: set(parts.by_owner[owner]) for owner in star_owners if owner in parts.by_owner}
        methods = parts.methods
        changed = True
        while changed:  # `pkg` may star-import `api`, which star-imports `core`
            changed = False
            for new_owner, old_owner in owner_aliases:
                rests = by_owner.get(old_owner, set())
                new_rests = by_owner.setdefault(new_owner, set())
                if not rests <= new_rests:
                    new_rests |= rests
                    changed = True
        # Every name a star import brings in, whatever else `pkg` has by that name: an
        # alias added only for names `pkg` did not have yet depended on the order of the
        # sets above, which changes from one process to the next.
        for new_owner, old_owner in owner_aliases:
            for rest in by_owner.get(old_owner, ()):
                aliases.setdefault(f"{old_owner}.{rest}", set()).add(f"{new_owner}.{rest}")
        for owner, rests in by_owner.items():
            for rest in rests:
                if rest.count(".") == 1:  # a method, under a star-importing module's name
                    cls, _, method = rest.partition(".")
                    methods.setdefault(f"{owner}.{cls}", set()).add(method)
        # `from .api import Client` in `pkg`: `pkg.Client.get` is `api.Client.get` (chains
        # of re-exports included).
        class_aliases = {old: set(news) for old, news in aliases.items() if old.count(".") == 1 and ":" not in old}
        waiting = [old for old in methods if old in class_aliases]
        while waiting:  # the methods of each class reach the names that re-export it
            old = waiting.pop()
            for new in class_aliases.get(old, ()):
                missing = methods[old] - methods.get(new, set())
                if missing:
                    methods.setdefault(new, set()).update(missing)
                    waiting.append(new)
        for old, news in class_aliases.items():
            for method in methods.get(old, ()):
                for new in news:
                    aliases.setdefault(f"{old}.{method}", set()).add(f"{new}.{method}")
        # `from pkg import impl as z` in `mod`: a call of `mod.z.f` elsewhere is `impl.f`.
        # Only the names some file calls that way are linked, not every function of every
        # module imported under a name.
        owners_of = parts.owners_of
        for key in parts.called_methods:
            owner, _, name = key.rpartition(".")
            for module in owners_of.get(owner, ()):
                aliases.setdefault(f"{module}.{name}", set()).add(key)
        for old, new in aliases.items():
            callers.setdefault(old, []).append(new)
        self.blocking = _callers_closure(blocking, callers)
        self.looping = _callers_closure(looping, callers)
        # Of those, the functions a pending finding may follow: reached from a call in an
        # async body (AIO110), or from a callable handed to a thread (AIO400). Only their
        # bodies must be checked for the facts the findings need (skippable).
        self.blocking_followed = _reached(parts.async_calls & self.blocking, self.blocking, callers)
        self.looping_followed = _reached(parts.handed_over & self.looping, self.looping, callers)
        self.coroutines = _closure(coroutines, lambda key: aliases.get(key, ()))
        # By the kind of pending finding (diagnostics.Pending) each closure can confirm.
        self.keys_by_kind = {"coroutine-function": self.coroutines, "blocking": self.blocking, "loop-runner": self.looping}
        # The names such functions go by (`fetch` of `api.fetch`, of `pkg.api:fetch`).
        self.names = PendingNames({kind: _last_names(keys) for kind, keys in self.keys_by_kind.items()})
        # Every function by its module and name (`pkg.api:fetch`, `pkg.api:Client.get`).
        # Only a full run asks may_hold, so the screen an edit run keeps leaves it out.
        self.defined: Optional[FrozenSet[str]] = frozenset(parts.defined)
        self.modules: Optional[FrozenSet[str]] = frozenset(modules)
        self.star_importers = frozenset(new for new, _ in owner_aliases)  # last parts

    def __getstate__(self) -> Dict[str, object]:
        return {**self.__dict__, "defined": None, "modules": None}

    def may_hold(self, kind: str, qualname: str) -> bool:
        """Whether a pending finding of this kind (diagnostics.Pending) about a project
        callable of this qualified name may hold.

        When the name is that of a function its own module defines (`pkg.api.fetch` for
        `def fetch` in pkg.api, or `pkg.api.Client.get` for a method), the rules find that
        function, and its module-qualified key says whether it (or what it calls) blocks,
        runs a loop or is an `async def`. Otherwise the name may lead elsewhere: resolving
        it through imports, re-exports and star imports keeps its last part, or goes
        through an alias the outlines record, so a function by that name (or an alias of
        one) that does so must exist somewhere.
        """
        if self.blind or kind not in self.keys_by_kind:
            return True
        if self._under_a_function(qualname):
            return False
        module, _, name = qualname.rpartition(".")
        if self.defined:
            outer, _, owner = module.rpartition(".")
            for key in (f"{module}:{name}", f"{outer}:{owner}.{name}"):
                if key in self.defined:
                    return key in self.keys_by_kind[kind]
        return self.names.may_hold(kind, qualname)

    def pending_names(self) -> Optional[PendingNames]:
        """The last part of the callee's name a pending finding of each kind needs to
        hold (may_hold's last test, the one that needs no more than the name); None
        when the screen is blind."""
        return None if self.blind else self.names

    def _under_a_function(self, qualname: str) -> bool:
        """`base64.b64encode.decode` (for `base64.b64encode(data).decode()`): a name
        below a function (or method) its module defines, which the rules resolve to no
        function. Not when the module star-imports (the rules may look through that)."""
        if not self.defined or not self.modules:
            return False
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module not in self.modules:
                continue
            # The longest module the name goes through, as the rules resolve it.
            if cut == len(parts) - 1 or parts[cut - 1] in self.star_importers:
                return False
            if f"{module}:{parts[cut]}" in self.defined:
                return True
            return cut + 2 < len(parts) and f"{module}:{parts[cut]}.{parts[cut + 1]}" in self.defined
        return False

    def needs_check(self, outline: Optional[Outline], codes: FrozenSet[str]) -> bool:
        """True when the full check of a file with this outline may report something."""
        if outline is None or self.blind:
            return True
        return self._may_report(codes, outline.local_codes, outline.async_calls, outline.dropped_calls, outline.handed_over)

    def skippable(self, outline: Optional[Outline], codes: FrozenSet[str]) -> Tuple[Tuple[int, int, int, int], ...]:
        """The bodies (first line, column, last line, header: blanking.Body) the check of a file with this
        outline may leave out: no enabled rule may fire in them, and no finding
        anywhere depends on them (see Unit)."""
        if outline is None or self.blind or not outline.units:
            return ()
        bodies = []
        for unit in map(Unit._make, outline.units):
            if (
                self._may_report(codes, unit.codes, unit.async_calls, unit.dropped_calls, unit.handed_over)
                # A plain def whose facts a pending finding may follow.
                or not self.blocking_followed.isdisjoint(unit.keys)
                or not self.looping_followed.isdisjoint(unit.keys)
            ):
                continue
            bodies.append((unit.first, unit.column, unit.last, unit.header))
        return tuple(bodies)

    def _may_report(
        self,
        codes: FrozenSet[str],
        local_codes: Iterable[str],
        async_calls: Iterable[str],
        dropped_calls: Iterable[str],
        handed_over: Iterable[str],
    ) -> bool:
        """Whether an enabled rule may fire in code (a file, a unit) that the outline
        describes so: on its own, or through the closures of the whole project."""
        return (
            not codes.isdisjoint(local_codes)
            or ("AIO110" in codes and not self.blocking.isdisjoint(async_calls))
            or ("AIO200" in codes and not self.coroutines.isdisjoint(dropped_calls))
            or ("AIO400" in codes and not self.looping.isdisjoint(handed_over))
        )


def _last_names(keys: Iterable[str]) -> FrozenSet[str]:
    """`fetch` of `pkg.api:fetch`, `get` of `api.Client.get`."""
    return frozenset(key.rpartition(".")[2].rpartition(":")[2] for key in keys)


def _closure(start: Set[str], neighbours: Callable[[str], Iterable[str]]) -> FrozenSet[str]:
    """`start`, and every key its neighbours reach, and theirs, and so on."""
    seen = set(start)
    stack = list(start)
    while stack:
        for other in neighbours(stack.pop()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return frozenset(seen)


def _reached(start: Set[str], within: FrozenSet[str], callers: Dict[str, List[Iterable[str]]]) -> FrozenSet[str]:
    """The keys of `within` that calls of `start` reach, following `callers` backwards
    (from a function to the functions it calls, and from an alias to what it names)."""
    callees: Dict[str, Set[str]] = {}
    for callee, groups in callers.items():
        if callee in within:
            for keys in groups:
                for key in keys:
                    if key in within:
                        callees.setdefault(key, set()).add(callee)
    return _closure(start, lambda key: callees.get(key, ()))


def _callers_closure(start: Set[str], callers: Dict[str, List[Iterable[str]]]) -> FrozenSet[str]:
    """`start`, and the keys of every function that calls one of those, and so on."""
    return _closure(start, lambda key: chain.from_iterable(callers.get(key, ())))
