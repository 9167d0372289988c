"""The semantic model: names resolved through imports, aliases and shadowing."""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import libcst as cst
import pytest

from asynclint.config import Settings
from asynclint.engine import FileContext, _Walker
from asynclint.positions import locate
from asynclint.rules.base import Rule


def calls(source: str, module: str = "pkg.mod", is_package: bool = False) -> Dict[int, Tuple[Optional[str], bool]]:
    """line -> (qualified name of the call's callee, in an async body) for each call."""
    tree = cst.parse_module(source)
    context = FileContext("t.py", source, module, is_package, Settings())
    seen = []

    class Recorder(Rule):
        code, name, summary = "AIO999", "recorder", ""

        def visit_Call(self, node: cst.Call) -> None:
            seen.append((node, self.semantic.call_qualname(node), self.semantic.in_async_body))

    context.module = tree
    context.semantic.enter_module(tree)
    _Walker([Recorder(context)], context).walk(tree)
    positions = locate(tree, [node for node, _, _ in seen])
    result: Dict[int, Tuple[Optional[str], bool]] = {}
    for node, name, in_async in seen:  # outer calls come first; keep them
        result.setdefault(positions[id(node)][0], (name, in_async))
    return result


def names(source: str, **kwargs) -> Dict[int, Optional[str]]:
    return {line: name for line, (name, _) in calls(source, **kwargs).items()}


def test_import_forms():
    source = """\
import time
import time as t
from time import sleep
from time import sleep as snooze
import os.path
from os import path
sleep(1)
t.sleep(1)
snooze(1)
os.path.exists(1)
path.exists(1)
time.sleep(1)
"""
    assert names(source) == {
        7: "time.sleep",
        8: "time.sleep",
        9: "time.sleep",
        10: "os.path.exists",
        11: "os.path.exists",
        12: "time.sleep",
    }


def test_function_level_import_and_local_shadowing():
    source = """\
import time
def a():
    import requests as rq
    rq.get(1)
def b():
    time = Clock()
    time.sleep(1)
def c(time):
    time.sleep(1)
def d():
    time.sleep(1)
"""
    result = names(source)
    assert result[4] == "requests.get"
    assert result[7] is None  # `time` is a local Clock here
    assert result[9] is None  # a parameter named time
    assert result[11] == "time.sleep"


def test_module_level_rebinding_shadows_import_but_none_fallback_does_not():
    source = """\
from time import sleep
def sleep(x):
    pass
try:
    import requests
except ImportError:
    requests = None
sleep(1)
requests.get(1)
"""
    result = names(source)
    assert result[8] is None
    assert result[9] == "requests.get"


def test_builtins_unless_shadowed():
    source = """\
open(1)
def f():
    from aiofiles import open
    open(1)
def g():
    def input():
        pass
    input()
"""
    result = names(source)
    assert result[1] == "builtins.open"
    assert result[4] == "aiofiles.open"
    assert result[8] == "pkg.mod.g.<locals>.input"


def test_instances_made_in_the_same_function():
    source = """\
import requests
from pathlib import Path
session = requests.Session()
async def f(p: Path, q):
    s = requests.Session()
    s.get(1)
    session.get(1)
    with requests.Session() as s2:
        s2.post(1)
    Path(1).read_text()
    p.exists()
    q.exists()
    requests.Session().get(1)
"""
    result = names(source)
    assert result[6] == "requests.Session.get"
    assert result[7] is None  # made at module level: not tracked
    assert result[9] == "requests.Session.post"
    assert result[10] == "pathlib.Path.read_text"
    assert result[11] == "pathlib.Path.exists"
    assert result[12] is None
    assert result[13] == "requests.Session.get"


def test_methods_through_self_and_cls_and_class_scope_rules():
    source = """\
class Client:
    async def fetch(self):
        pass
    def run(self):
        self.fetch()
    @classmethod
    def make(cls):
        cls.fetch()
    @staticmethod
    def helper(self):
        self.fetch()
"""
    result = names(source)
    assert result[5] == "pkg.mod.Client.fetch"
    assert result[8] == "pkg.mod.Client.fetch"
    assert result[11] is None


def test_relative_imports():
    source = """\
from . import api
from .api import fetch
from ..core.util import poll
api.fetch()
fetch()
poll()
"""
    assert names(source, module="pkg.sub.mod") == {4: "pkg.sub.api.fetch", 5: "pkg.sub.api.fetch", 6: "pkg.core.util.poll"}
    assert names(source, module="pkg.sub", is_package=True)[5] == "pkg.sub.api.fetch"


def test_global_declaration_reaches_module_binding():
    source = """\
import time
def f():
    global time
    time.sleep(1)
"""
    assert names(source)[4] == "time.sleep"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("async def f():\n    g()\n", True),
        ("async def f():\n    def h():\n        g()\n", False),
        ("async def f():\n    lambda: g()\n", False),
        ("async def f():\n    class C:\n        g()\n", False),
        ("async def f():\n    def h():\n        pass\n    g()\n", True),
        ("async def f():\n    yield g()\n", True),
        ("def f():\n    g()\n", False),
        ("async def f():\n    @d(g())\n    def h(x=g()):\n        pass\n", True),
        ("async def f():\n    [g() for x in y]\n", True),
    ],
)
def test_async_body_tracking(source, expected):
    found = calls("from lib import g\n" + source)
    line = max(line for line, (name, _) in found.items() if name == "lib.g")
    assert found[line][1] is expected


def test_registry_and_catalogue_agree():
    """Every rule class has a catalogue entry; every catalogued code but the engine's
    own (AIO001, AIO900) has a class, in code order."""
    from asynclint.codes import RULES
    from asynclint.rules import ALL_RULES

    classes = [rule.code for rule in ALL_RULES]
    assert classes == sorted(classes)
    assert set(classes) == {rule.code for rule in RULES} - {"AIO001", "AIO900"}
    for rule in ALL_RULES:
        assert rule.info().code == rule.code
