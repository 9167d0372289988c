"""Bodies left out of the check (blanking.py, screen.Unit, Screen.skippable).

What is left must be the same code on the same lines, so that positions, fixes and
`# noqa` comments outside the skipped bodies hold; what is skipped must be what no
finding depends on. tests/test_screen.py compares whole runs with and without skipping.
"""
from __future__ import annotations

import ast
import sysconfig
from pathlib import Path
from typing import Dict, List, Tuple

import libcst
import pytest

from asynclint.blanking import skip_bodies
from asynclint.config import Settings
from asynclint.files import decode_source
from asynclint.runner import lint_files
from asynclint.screen import Screen, Unit, Vocabulary, outline_source
from asynclint.statements import statement_lines

ALL = frozenset({"AIO100", "AIO110", "AIO200", "AIO201", "AIO300", "AIO400", "AIO401"})


def outline_of(source: str, module: str = "app"):
    outline = outline_source(source.encode(), module, Vocabulary(Settings(), [module]))
    assert outline is not None
    return outline


def skippable(source: str, codes=ALL) -> List[Tuple[int, int, int, int]]:
    outline = outline_of(source)
    return list(Screen([outline], ["app"]).skippable(outline, codes))


def blanked(source: str) -> str:
    bodies = skippable(source)
    text, _, skipped = skip_bodies(source, bodies)
    assert list(skipped) == bodies
    return text


HELPERS = '''\
import json


def parse(text):
    data = json.loads(text)
    pairs = data.items()
    return {key: value for key, value in pairs}


class Store:
    def get(self, key):
        value = self.items[key]
        print(value)
        return value

    async def fetch(self, client):
        response = await client.get("/")
        print(response)
        return response.json()
'''


def test_bodies_become_a_string_on_the_same_lines():
    text = blanked(HELPERS)
    assert text.splitlines() == [
        "import json",
        "",
        "",
        "def parse():",
        '    """',
        "",
        '"""',
        "",
        "",
        "class Store:",
        "    def get():",
        '        """',
        "",
        '"""',
        "",
        "    async def fetch():",
        '        """',
        "",
        '"""',
    ]
    ast.parse(text)


def test_a_body_where_a_rule_may_fire_is_kept():
    source = HELPERS + '''
    async def wait(self):
        import time
        time.sleep(1)
        return 1
'''
    bodies = skippable(source)
    assert [first for first, *_ in bodies] == [5, 12, 17]


BLOCKING_HELPER = """\
import time


def pause(seconds):
    time.sleep(seconds)
    print(seconds)
    return seconds


"""


def skippable_in(sources: Dict[str, str], module: str) -> List[int]:
    """The first lines of the bodies of `module` that a screen of all `sources` skips."""
    modules = list(sources)
    outlines = {name: outline_source(text.encode(), name, Vocabulary(Settings(), modules)) for name, text in sources.items()}
    screen = Screen([outline for outline in outlines.values() if outline is not None], modules)
    return [first for first, *_ in screen.skippable(outlines[module], ALL)]


OTHER = "def other(seconds):\n    total = seconds * 2\n    print(total)\n    return total\n"
TWICE = "def twice(seconds):\n    pause(seconds)\n    print(seconds)\n    return pause(seconds)\n"


@pytest.mark.parametrize(
    "second, caller, skipped",
    [
        # `pause` blocks, but no async body calls it: no finding can follow it.
        (OTHER, "", [5, 11]),
        (TWICE, "", [5, 11]),
        # An async body calls `pause`: kept for that call. `other` neither blocks nor calls it.
        (OTHER, "    pause(1)\n", [11]),
        # An async body calls `twice`, which calls `pause`: both kept.
        (TWICE, "    twice(1)\n", []),
        # ... but not `twice` when the async body calls `pause` alone.
        (TWICE, "    pause(1)\n", [11]),
    ],
)
def test_a_plain_def_whose_facts_a_finding_may_follow_is_kept(second, caller, skipped):
    service = f"from helpers import pause, twice\n\n\nasync def main():\n{caller}    return 1\n"
    assert skippable_in({"helpers": BLOCKING_HELPER + second, "service": service}, "helpers") == skipped


LOOP_HELPER = """\
import asyncio


def serve(port):
    asyncio.run(main(port))
    print(port)
    return port
"""


@pytest.mark.parametrize(
    "caller, skipped",
    [
        ("def start():\n    print('start')\n    return serve(80)\n", [5]),
        # Handed to a thread: the AIO400 finding follows `serve`.
        ("def start():\n    thread = threading.Thread(target=serve)\n    return thread\n", []),
    ],
)
def test_a_loop_runner_is_kept_when_a_thread_may_run_it(caller, skipped):
    starter = f"import threading\nfrom helpers import serve\n\n\n{caller}"
    assert skippable_in({"helpers": LOOP_HELPER, "starter": starter}, "helpers") == skipped


@pytest.mark.parametrize(
    "body",
    [
        "    global STATE\n    STATE = 1\n    return STATE\n",  # binds a name the rules see at module level
    ],
)
def test_a_body_that_binds_module_names_is_never_skipped(body):
    assert skippable(f"def f():\n{body}") == []


def test_an_async_generator_is_never_skipped():
    source = "async def items(source):\n    for item in source:\n        yield item\n    return\n"
    assert skippable(source) == []
    plain = "async def items(source):\n    for item in source:\n        print(item)\n    return\n"
    assert skippable(plain) == [(2, 4, 4, 1)]


def test_short_bodies_and_nested_defs_are_not_units():
    source = '''\
def short():
    return 1


def outer():
    def inner():
        value = 1
        other = 2
        return value + other
    return inner
'''
    assert skippable(source) == [(6, 4, 10, 5)]


def test_what_a_decorator_or_a_default_may_fire_keeps_the_body():
    source = '''\
import asyncio


@asyncio.coroutine
def old_style(value):
    print(value)
    value = asyncio.sleep(value)
    return value


async def main(loop=asyncio.get_event_loop()):
    value = 1
    other = 2
    return value + other
'''
    outline = outline_of(source)
    codes = frozenset({"AIO402"})
    assert Screen([outline], ["app"]).skippable(outline, codes) == ()
    # With AIO402 off, nothing there can fire.
    assert len(Screen([outline], ["app"]).skippable(outline, frozenset({"AIO100"}))) == 2


@pytest.mark.parametrize(
    "source, expected",
    [
        # The body's first line holds the header's end, or something after a backslash.
        ("def f(a,\n      b): x = 1; \\\n    y = 2\nz = 3\n", None),
        ("def f(a,\n      b): x = 1\n", None),
        # A decorated def first in the body: skipped from its decorator on.
        ("class C:\n    def f(self):\n        @wraps\n        def g():\n            pass\n        return g\n", "class C:\n    def f():\n        \"\"\"\n\n\n\"\"\"\n"),
        # Tabs, CRLF, no final line end.
        ("def f():\r\n\tx = 1\r\n\treturn x", 'def f():\r\n\t"""\r\n"""'),
        # A body of one line is `pass`.
        ("def f(a,\n      b):\n    return a\n", 'def f(*_: """\n"""):\n    pass\n'),
        # The header goes with the body: annotations, defaults, the return annotation, a
        # comment after it; the decorators and `async` stay.
        (
            "@route('/')\nasync def f(\n    a: T = 1,  # one\n    *, b: 'B' = g(),\n) -> List[\n    T\n]:\n    # first\n    return a\n",
            '@route(\'/\')\nasync def f(*_: """\n\n\n\n\n\n"""):\n    pass\n',
        ),
        # A header that does not start as expected stays whole.
        ("def \\\n  f(a):\n    x = a\n    return x\n", 'def \\\n  f(a):\n    """\n"""\n'),
    ],
)
def test_skip_bodies_keeps_every_other_line(source, expected):
    tree = ast.parse(source)
    node = next(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    opening = node.body[0]
    first = opening.decorator_list[0].lineno if getattr(opening, "decorator_list", None) else opening.lineno
    body = (first, opening.col_offset, node.end_lineno, node.lineno)
    text, lines, skipped = skip_bodies(source, [body], statement_lines(tree))
    if expected is None:
        assert (text, skipped) == (source, ())
        return
    assert text == expected
    assert list(lines) == list(statement_lines(ast.parse(text)))
    assert text.count("\n") == source.count("\n")


def test_statement_lines_follow_the_skipped_bodies():
    # The lines the check is handed must be those of the text it parses.
    source = HELPERS + "\n\nif True:\n    x = 1; y = 2\n    @decorated\n    def g():\n        return 1\n"
    tree = ast.parse(source)
    outline = outline_of(source)
    bodies = Screen([outline], ["app"]).skippable(outline, ALL)
    text, lines, skipped = skip_bodies(source, bodies, statement_lines(tree))
    assert skipped == bodies and len(skipped) == 3
    assert list(lines) == list(statement_lines(ast.parse(text)))


def _project(tmp_path: Path, helper_body: str) -> List[Path]:
    package = tmp_path / "pkg"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text(
        "import time\n\n\ndef wait(seconds):\n" + helper_body + "\n\ndef other(seconds):\n    total = seconds\n    return total\n"
    )
    (package / "app.py").write_text(
        "from pkg.helpers import wait\n\n\nasync def main():\n    wait(1)\n    return 1\n"
    )
    return sorted(package.glob("*.py"))


def test_a_cached_result_whose_skipped_bodies_differ_is_checked_again(tmp_path):
    cache = tmp_path / "cache"
    # `wait` blocks nothing: its body is skipped, and nothing is reported.
    files = _project(tmp_path, "    total = seconds\n    return total\n")
    assert lint_files(files, Settings(), jobs=1, cache_dir=cache).diagnostics == []
    # Now it blocks: app.py's pending finding needs its facts, from a body not skipped.
    files = _project(tmp_path, "    time.sleep(seconds)\n    return seconds\n")
    cached = lint_files(files, Settings(), jobs=1, cache_dir=cache)
    fresh = lint_files(files, Settings(), jobs=1)
    assert [d.code for d in cached.diagnostics] == ["AIO110"]
    assert cached.diagnostics == fresh.diagnostics


def _defs(tree: ast.Module) -> List[Tuple[int, str, str, List[str]]]:
    """What the rest of a file sees of each def at module level or in a class there:
    (line, kind, name, decorators)."""
    found = []
    for statement in tree.body:
        for node in [statement, *(statement.body if isinstance(statement, ast.ClassDef) else [])]:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                decorators = [ast.unparse(decorator) for decorator in node.decorator_list]
                found.append((node.lineno, type(node).__name__, node.name, decorators))
    return found


SOURCES = sorted(Path(__file__).resolve().parent.parent.glob("fixtures/**/*.py")) + sorted(
    (Path(sysconfig.get_paths()["stdlib"]) / "asyncio").glob("*.py")
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_unit_left_out_leaves_the_same_defs_on_the_same_lines(path):
    data = path.read_bytes()
    try:
        tree = ast.parse(data)
    except SyntaxError:
        pytest.skip("Python cannot parse it: no outline, nothing skipped")
    outline = outline_source(data, "app", Vocabulary(Settings(), ["app"]))
    assert outline is not None
    source = decode_source(data)
    bodies = [(unit.first, unit.column, unit.last, unit.header) for unit in map(Unit._make, outline.units)]
    text, lines, skipped = skip_bodies(source, bodies, statement_lines(tree))
    assert len(skipped) == len(bodies)
    assert text.count("\n") == source.count("\n")
    left = ast.parse(text)
    assert list(lines) == list(statement_lines(left))
    assert _defs(left) == _defs(tree)
    libcst.parse_module(text)  # the check's parser takes it too


def test_a_header_that_may_say_noreturn_stays(tmp_path):
    # AIO300/AIO301 read `-> NoReturn` in every def of the module: a handler that ends
    # in fail() re-raises, whether or not fail()'s body is checked.
    source = '''\
import asyncio
from typing import NoReturn


def fail(message: str) -> NoReturn:
    print(message)
    raise SystemExit(message)


def warn(message: str) -> None:
    print(message)
    return None


async def main():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        fail("cancelled")
'''
    assert [body[3] for body in skippable(source)] == [0, 10]
    assert "def fail(message: str) -> NoReturn:" in blanked(source)
    (tmp_path / "app.py").write_text(source)
    assert lint_files([tmp_path / "app.py"], Settings()).diagnostics == []
