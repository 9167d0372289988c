"""A light semantic model: what a name means at a point of the code.

Rules ask two questions: "what does this expression resolve to?" (`time.sleep`,
`requests.Session.get`, `pkg.api.fetch`) and "is this code in an async body?". The
answers come from scopes built by scanning statements only (never expressions), once per
scope, when the traversal enters it. That is far cheaper than libcst's
QualifiedNameProvider, which resolves every node of the module up front.

Python's own rules are followed where they matter for a linter: a name bound anywhere in
a function is local to the whole function; class bodies are not visible from the
methods inside them; `global`/`nonlocal` send a name to the outer scope.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Set, Union

import libcst as cst

from .catalog import canonical_qualname

BUILTIN_NAMES = frozenset(dir(builtins))

FunctionNode = Union[cst.FunctionDef, cst.Lambda]


@dataclass(frozen=True)
class Value:
    """What an expression denotes: a qualified name, or an instance of one.

    `Value("requests.get")` is the function; `Value("requests.Session", instance=True)`
    is an object made by calling `requests.Session(...)`.
    """

    qualname: str
    instance: bool = False


@dataclass
class Binding:
    """One way a name gets bound in a scope."""

    kind: str  # "import", "def", "class", "assign", "param", "other"
    qualname: Optional[str] = None  # import target, or the def/class's own name
    value: Optional[cst.BaseExpression] = None  # right-hand side of an assignment
    is_async: bool = False  # for "def": an async def


@dataclass
class Scope:
    kind: str  # "module", "class", "function", "lambda"
    node: cst.CSTNode
    parent: Optional["Scope"]
    qualname: str  # module name, "mod.Class", "mod.func.<locals>.inner", ...
    bindings: Dict[str, List[Binding]] = field(default_factory=dict)
    global_names: Set[str] = field(default_factory=set)
    nonlocal_names: Set[str] = field(default_factory=set)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def child_qualname(self, name: str) -> str:
        if self.kind in ("function", "lambda"):
            return f"{self.qualname}.<locals>.{name}"
        return f"{self.qualname}.{name}" if self.qualname else name


def dotted_name(expr: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` as a string, for Name/Attribute chains; None for anything else."""
    parts: List[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


def resolve_relative(module: str, is_package: bool, level: int, target: Optional[str]) -> Optional[str]:
    """The absolute module named by `from <level dots><target> import ...` in `module`."""
    package_parts = module.split(".") if module else []
    if not is_package:
        package_parts = package_parts[:-1]
    if level > 1:
        if level - 1 > len(package_parts):
            return None
        package_parts = package_parts[: len(package_parts) - (level - 1)]
    if target:
        package_parts = package_parts + target.split(".")
    return ".".join(package_parts) or None


class ScopeBuilder:
    """Collects the bindings of one scope by scanning its statements.

    Nested function and class bodies are not entered (they get their own scope when the
    traversal reaches them), so every statement of a module is scanned once in total.
    """

    def __init__(self, scope: Scope, module_name: str, is_package: bool) -> None:
        self.scope = scope
        self.module_name = module_name
        self.is_package = is_package

    def scan(self, statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            self._statement(statement)

    def _statement(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self._small_statement(small)
        elif isinstance(node, cst.FunctionDef):
            self.scope.bind(
                node.name.value,
                Binding(
                    "def",
                    qualname=self.scope.child_qualname(node.name.value),
                    is_async=node.asynchronous is not None,
                ),
            )
        elif isinstance(node, cst.ClassDef):
            self.scope.bind(
                node.name.value,
                Binding("class", qualname=self.scope.child_qualname(node.name.value)),
            )
        elif isinstance(node, (cst.If, cst.While)):
            self._block(node.body)
            if node.orelse is not None:
                self._statement(node.orelse)
        elif isinstance(node, cst.Else):
            self._block(node.body)
        elif isinstance(node, cst.For):
            self._target(node.target, None)
            self._block(node.body)
            if node.orelse is not None:
                self._statement(node.orelse)
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    self._target(item.asname.name, item.item)
            self._block(node.body)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self._block(node.body)
            for handler in node.handlers:
                if handler.name is not None:
                    self._target(handler.name.name, None)
                self._block(handler.body)
            if node.orelse is not None:
                self._statement(node.orelse)
            if node.finalbody is not None:
                self._block(node.finalbody.body)
        elif isinstance(node, cst.Match):
            for case in node.cases:
                self._pattern(case.pattern)
                self._block(case.body)

    def _block(self, body: cst.BaseSuite) -> None:
        if isinstance(body, cst.IndentedBlock):
            self.scan(body.body)
        elif isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self._small_statement(small)

    def _small_statement(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted_name(alias.name)
                if full is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.scope.bind(alias.asname.name.value, Binding("import", qualname=full))
                else:
                    top = full.split(".")[0]
                    self.scope.bind(top, Binding("import", qualname=top))
        elif isinstance(node, cst.ImportFrom):
            self._import_from(node)
        elif isinstance(node, cst.Assign):
            value = node.value if len(node.targets) == 1 else None
            for target in node.targets:
                self._target(target.target, value)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self._target(node.target, node.value)
        elif isinstance(node, cst.AugAssign):
            self._target(node.target, None)
        elif isinstance(node, cst.Global):
            self.scope.global_names.update(item.name.value for item in node.names)
        elif isinstance(node, cst.Nonlocal):
            self.scope.nonlocal_names.update(item.name.value for item in node.names)

    def _import_from(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        target = dotted_name(node.module) if node.module is not None else None
        if node.relative:
            source = resolve_relative(self.module_name, self.is_package, len(node.relative), target)
        else:
            source = target
        if source is None:
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.scope.bind(local, Binding("import", qualname=f"{source}.{alias.name.value}"))

    def _target(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            self.scope.bind(target.value, Binding("assign" if value is not None else "other", value=value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value, None)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value, None)

    def _pattern(self, pattern: cst.MatchPattern) -> None:
        # Capture names in match patterns bind like assignments of unknown values.
        if isinstance(pattern, cst.MatchAs):
            if pattern.name is not None:
                self.scope.bind(pattern.name.value, Binding("other"))
            if pattern.pattern is not None:
                self._pattern(pattern.pattern)
        elif isinstance(pattern, cst.MatchStar):
            if pattern.name is not None:
                self.scope.bind(pattern.name.value, Binding("other"))
        elif isinstance(pattern, (cst.MatchSequence, cst.MatchList, cst.MatchTuple)):
            for element in pattern.patterns:
                self._pattern(element.value if isinstance(element, cst.MatchSequenceElement) else element)
        elif isinstance(pattern, cst.MatchMapping):
            for element in pattern.elements:
                self._pattern(element.pattern)
            if pattern.rest is not None:
                self.scope.bind(pattern.rest.value, Binding("other"))
        elif isinstance(pattern, cst.MatchClass):
            for positional in pattern.patterns:
                self._pattern(positional.value)
            for keyword in pattern.kwds:
                self._pattern(keyword.pattern)
        elif isinstance(pattern, cst.MatchOr):
            for element in pattern.patterns:
                self._pattern(element.pattern)


class SemanticModel:
    """Scopes and async-body state, kept current by the traversal in engine.py."""

    def __init__(self, module_name: str, is_package: bool = False) -> None:
        self.module_name = module_name
        self.is_package = is_package
        self.scope: Optional[Scope] = None
        # One entry per enclosing def/lambda/class: True for an `async def`.
        self._async_stack: List[bool] = []
        self._function_stack: List[FunctionNode] = []
        self._value_cache: Dict[int, Optional[Value]] = {}
        self._resolving: Set[int] = set()

    # -- traversal hooks -------------------------------------------------------------
    def enter_module(self, node: cst.Module) -> None:
        self.scope = Scope("module", node, None, self.module_name)
        ScopeBuilder(self.scope, self.module_name, self.is_package).scan(node.body)

    def enter_class(self, node: cst.ClassDef) -> None:
        assert self.scope is not None
        scope = Scope("class", node, self.scope, self.scope.child_qualname(node.name.value))
        ScopeBuilder(scope, self.module_name, self.is_package).scan(_suite_statements(node.body))
        self.scope = scope
        self._async_stack.append(False)

    def enter_function(self, node: cst.FunctionDef) -> None:
        assert self.scope is not None
        parent = self.scope
        scope = Scope("function", node, parent, parent.child_qualname(node.name.value))
        self._bind_params(scope, node.params, method_of=parent if parent.kind == "class" else None, node=node)
        ScopeBuilder(scope, self.module_name, self.is_package).scan(_suite_statements(node.body))
        self.scope = scope
        self._async_stack.append(node.asynchronous is not None)
        self._function_stack.append(node)

    def enter_lambda(self, node: cst.Lambda) -> None:
        assert self.scope is not None
        scope = Scope("lambda", node, self.scope, self.scope.child_qualname("<lambda>"))
        self._bind_params(scope, node.params, method_of=None, node=None)
        self.scope = scope
        self._async_stack.append(False)
        self._function_stack.append(node)

    def leave_scope(self) -> None:
        assert self.scope is not None and self.scope.parent is not None
        if self.scope.kind in ("function", "lambda"):
            self._function_stack.pop()
        self.scope = self.scope.parent
        self._async_stack.pop()

    def _bind_params(
        self,
        scope: Scope,
        params: cst.Parameters,
        method_of: Optional[Scope],
        node: Optional[cst.FunctionDef],
    ) -> None:
        ordered = [*params.posonly_params, *params.params]
        first = ordered[0] if ordered else None
        for param in [*ordered, *params.kwonly_params]:
            scope.bind(param.name.value, Binding("param", value=param.annotation.annotation if param.annotation else None))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope.bind(star.name.value, Binding("other"))
        # `self`/`cls` of a method stand for the class, so `self.fetch()` resolves to
        # `mod.Class.fetch`. A staticmethod has no such parameter.
        if method_of is not None and first is not None and node is not None:
            decorators = {dotted_name(d.decorator) for d in node.decorators}
            if "staticmethod" not in decorators:
                scope.bindings[first.name.value] = [
                    Binding("class", qualname=method_of.qualname, value=None, is_async=False)
                ]
                if "classmethod" not in decorators:
                    scope.bindings[first.name.value][0].kind = "self"

    # -- questions rules ask ----------------------------------------------------------
    @property
    def in_async_body(self) -> bool:
        """Lexically inside an `async def`, not inside a nested def/lambda/class."""
        return bool(self._async_stack) and self._async_stack[-1]

    @property
    def in_function(self) -> bool:
        return bool(self._function_stack)

    @property
    def function(self) -> Optional[FunctionNode]:
        """The innermost enclosing def or lambda (None at module or class level)."""
        return self._function_stack[-1] if self._function_stack else None

    @property
    def function_scope(self) -> Optional[Scope]:
        scope = self.scope
        while scope is not None and scope.kind not in ("function", "lambda"):
            if scope.kind == "module":
                return None
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> Optional[List[Binding]]:
        """The bindings `name` refers to from the current scope, or None if unbound.

        Returns a pair-like list; use `lookup_scope` to also learn where it was found.
        """
        found = self.lookup_scope(name)
        return found[1] if found else None

    def lookup_scope(self, name: str) -> Optional[tuple]:
        scope = self.scope
        first = True
        while scope is not None:
            # `global x` at module level (legal, and a no-op) must not send us round again.
            if name in scope.global_names and scope.parent is not None:
                scope = self._module_scope()
                first = False
                continue
            visible = first or scope.kind != "class"
            if visible and name in scope.bindings and name not in scope.nonlocal_names:
                return scope, scope.bindings[name]
            first = False
            scope = scope.parent
        return None

    def module_scope(self) -> Scope:
        return self._module_scope()

    def _module_scope(self) -> Scope:
        scope = self.scope
        assert scope is not None
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def value_of(self, expr: cst.BaseExpression) -> Optional[Value]:
        """What `expr` denotes, through imports and aliases; None when unknown."""
        key = id(expr)
        if key in self._value_cache:
            return self._value_cache[key]
        if key in self._resolving:  # `x = x()` and other self-references
            return None
        self._resolving.add(key)
        try:
            result = self._value_of(expr)
        finally:
            self._resolving.discard(key)
        self._value_cache[key] = result
        return result

    def qualname(self, expr: cst.BaseExpression) -> Optional[str]:
        """The qualified name of `expr` when it names a module-level object."""
        value = self.value_of(expr)
        return value.qualname if value is not None and not value.instance else None

    def call_qualname(self, call: cst.Call) -> Optional[str]:
        """The qualified name of the callable a call invokes (`requests.Session.get`)."""
        value = self.value_of(call.func)
        return value.qualname if value is not None and not value.instance else None

    def _value_of(self, expr: cst.BaseExpression) -> Optional[Value]:
        if isinstance(expr, cst.Name):
            return self._name_value(expr.value)
        if isinstance(expr, cst.Attribute):
            base = self.value_of(expr.value)
            if base is None:
                return None
            return Value(canonical_qualname(f"{base.qualname}.{expr.attr.value}"))
        if isinstance(expr, cst.Call):
            callee = self.value_of(expr.func)
            if callee is None or callee.instance:
                return None
            return Value(callee.qualname, instance=True)
        return None

    def _name_value(self, name: str) -> Optional[Value]:
        found = self.lookup_scope(name)
        if found is None:
            return Value(f"builtins.{name}") if name in BUILTIN_NAMES else None
        scope, bindings = found
        values = []
        for binding in bindings:
            if binding.kind == "assign" and _is_none(binding.value):
                continue  # `try: import x / except ImportError: x = None`
            values.append(self._binding_value(binding, scope))
        if not values or any(v is None for v in values):
            return None
        first = values[0]
        return first if all(v == first for v in values) else None

    def _binding_value(self, binding: Binding, scope: Scope) -> Optional[Value]:
        if binding.kind in ("import", "def", "class"):
            assert binding.qualname is not None
            return Value(canonical_qualname(binding.qualname))
        if binding.kind == "self":
            assert binding.qualname is not None
            return Value(binding.qualname, instance=True)
        if binding.kind == "assign" and binding.value is not None:
            if isinstance(binding.value, cst.Call):
                # An object made by a call (`s = requests.Session()`) is tracked only in
                # the function that makes it: elsewhere the name may be rebound freely.
                if scope is not self.function_scope:
                    return None
                return self._value_in_scope(binding.value, scope)
            if isinstance(binding.value, (cst.Name, cst.Attribute)):
                return self._value_in_scope(binding.value, scope)
            return None
        if binding.kind == "param" and binding.value is not None:
            if scope is not self.function_scope:
                return None
            annotation = self._value_in_scope(binding.value, scope)
            if annotation is not None and not annotation.instance:
                return Value(annotation.qualname, instance=True)
        return None

    def _value_in_scope(self, expr: cst.BaseExpression, scope: Scope) -> Optional[Value]:
        # The right-hand side of a binding is evaluated in the scope that holds it.
        saved = self.scope
        self.scope = scope
        try:
            return self.value_of(expr)
        finally:
            self.scope = saved

    def is_bound_locally(self, name: str) -> bool:
        """True when `name` is bound in a scope other than builtins (not a builtin)."""
        return self.lookup_scope(name) is not None


def _is_none(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _suite_statements(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return []


def iter_statements(body: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    yield from _suite_statements(body)
