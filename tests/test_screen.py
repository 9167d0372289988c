"""The screen (screen.py) may only save work: it must never change what is reported.

Each run below is made twice, once as users get it and once with the screen sending every
file to the full check, with no function body left out of it; the findings must be the
same. The unit tests pin the look-alikes
the screen lets through or holds back, so that a weaker test shows up here first.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from asynclint import lint_source
from asynclint.codes import RULES
from asynclint.config import Settings
from asynclint.files import discover
from asynclint.runner import lint_files
from asynclint.screen import BLOCKING_CODES, Screen, Vocabulary, outline_source

ROOT = Path(__file__).resolve().parent.parent
ALL_CODES = frozenset(rule.code for rule in RULES)


def findings(paths: List[Path], settings: Settings) -> List[Tuple[str, int, int, str, str]]:
    files, _ = discover(paths, settings)
    run = lint_files(files, settings, jobs=1)
    assert not run.errors
    return [(d.path, d.line, d.column, d.code, d.message) for d in run.diagnostics]


def assert_screen_changes_nothing(paths: List[Path], settings: Settings, monkeypatch) -> int:
    screened = findings(paths, settings)
    with monkeypatch.context() as patch:
        patch.setattr(Screen, "needs_check", lambda self, outline, codes: True)
        patch.setattr(Screen, "may_hold", lambda self, kind, qualname: True)
        patch.setattr(Screen, "skippable", lambda self, outline, codes: ())
        patch.setattr(Screen, "pending_names", lambda self: None)
        everything = findings(paths, settings)
    assert screened == everything
    return len(everything)


def test_all_fixtures_as_one_project(monkeypatch):
    settings = Settings(select=tuple(sorted(ALL_CODES)))
    assert assert_screen_changes_nothing([ROOT / "fixtures"], settings, monkeypatch) > 100


def test_each_rule_alone_on_the_fixtures(monkeypatch):
    # One code at a time: the screen must not lean on another rule's site to let a file in.
    for code in sorted(ALL_CODES - {"AIO001", "AIO900"}):
        settings = Settings(select=(code,))
        assert_screen_changes_nothing([ROOT / "fixtures" / code], settings, monkeypatch)


@pytest.mark.slow
def test_the_standard_librarys_asyncio_and_its_tests(monkeypatch):
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    paths = [stdlib / "asyncio", stdlib / "test" / "test_asyncio", stdlib / "concurrent", stdlib / "tempfile.py"]
    paths = [path for path in paths if path.exists()]
    if len(paths) < 2:
        pytest.skip("this interpreter has no test suite installed")
    assert_screen_changes_nothing(paths, Settings(select=tuple(sorted(ALL_CODES - {"AIO900"}))), monkeypatch)


# -- what one file's outline says ----------------------------------------------------------


def local_codes(source: str, module: str = "app") -> frozenset:
    outline = outline_source(source.encode(), module, Vocabulary(Settings(), [module]))
    assert outline is not None
    return outline.local_codes


@pytest.mark.parametrize(
    "source",
    [
        "import time\nasync def f():\n    time.sleep(1)\n",
        "from time import sleep as nap\nasync def f():\n    nap(1)\n",
        "import requests\nasync def f():\n    s = requests.Session()\n    s.get('u')\n",
        "import requests\nasync def f():\n    with requests.Session() as s:\n        s.get('u')\n",
        "from pathlib import Path\nasync def f(p: Path):\n    p.exists()\n",
        "from pathlib import Path\nasync def f():\n    Path('x').read_text()\n",
        "import os.path as osp\nasync def f():\n    osp.exists('x')\n",
        "from os import *\nasync def f():\n    stat('x')\n",
        "async def f():\n    open('x')\n",
        "import posixpath\nasync def f():\n    posixpath.exists('x')\n",
    ],
)
def test_blocking_calls_reach_the_full_check(source):
    assert BLOCKING_CODES <= local_codes(source)


@pytest.mark.parametrize(
    "source",
    [
        # Not the catalogue's objects: a dict's get, an environment lookup, a param.
        "import os\nasync def f(d):\n    os.environ.get('x')\n    d.get('x')\n    {}.get('y')\n",
        # A blocking call in a nested plain function or a lambda does not run here.
        "import time\nasync def f():\n    def g():\n        time.sleep(1)\n    h = lambda: time.sleep(1)\n",
        # `self.session.get` is an attribute of the class, not requests.
        "class C:\n    async def f(self):\n        self.session.get('u')\n",
        # No import of `time`: some other object's sleep.
        "async def f(clock):\n    clock.sleep(1)\n",
    ],
)
def test_look_alikes_are_held_back(source):
    assert not BLOCKING_CODES & local_codes(source)


@pytest.mark.parametrize(
    "source, code",
    [
        ("import asyncio\ndef f():\n    asyncio.sleep(1)\n", "AIO200"),
        ("from asyncio import sleep as pause\ndef f():\n    pause(1)\n", "AIO200"),
        ("import asyncio as aio\nasync def f():\n    aio.get_event_loop()\n", "AIO402"),
        ("import asyncio\nasync def main():\n    pass\ndef f():\n    asyncio.run(main)\n", "AIO202"),
        ("from app import main\ndef f(loop):\n    loop.run_until_complete(main)\n", "AIO202"),
        ("import asyncio\nfrom asyncio import gather as g\ndef f(loop):\n    loop.run_until_complete(g(a(), b()))\n", "AIO202"),
        ("import asyncio\ndef f(loop):\n    loop.run_until_complete(asyncio.wait(ts))\n", "AIO202"),
        ("import asyncio\ndef f(loop):\n    loop.create_task(lambda: 1)\n", "AIO202"),
        ("import asyncio\nclass C:\n    def f(self, loop):\n        loop.run_until_complete(self.main)\n", "AIO202"),
        # The first positional argument after a starred one is the rule's too.
        ("import asyncio\nasync def main():\n    pass\ndef f(args):\n    asyncio.run(*args, main)\n", "AIO202"),
        ("import asyncio\nasync def f():\n    try:\n        await g()\n    except asyncio.CancelledError:\n        pass\n", "AIO300"),
        ("from asyncio import CancelledError as C\nasync def f():\n    with suppress(C):\n        await g()\n", "AIO300"),
    ],
)
def test_asyncio_calls_reach_the_full_check(source, code):
    assert code in local_codes(source)


@pytest.mark.parametrize(
    "source, code",
    [
        # Another module's sleep, wait or get_event_loop is not asyncio's.
        ("import time\ndef f():\n    time.sleep(1)\n", "AIO200"),
        ("import os\ndef f():\n    os.wait()\n", "AIO200"),
        ("import trio\ndef f():\n    trio.sleep(1)\n", "AIO200"),
        ("import trio\nasync def f(x):\n    x.get_event_loop()\n", "AIO402"),
        # An entry point given a parameter, a call's result or a call of a coroutine
        # function: the rules resolve none of them to a function or a future.
        ("import asyncio\ndef f(c):\n    asyncio.run(c)\n", "AIO202"),
        ("import asyncio\ndef f(loop):\n    coro = make()\n    loop.run_until_complete(coro)\n", "AIO202"),
        ("import asyncio\nasync def main():\n    pass\ndef f(loop):\n    loop.run_until_complete(main())\n", "AIO202"),
        # CancelledError caught where nothing can be cancelled: a plain function.
        ("import asyncio\ndef f(t):\n    try:\n        t.result()\n    except asyncio.CancelledError:\n        pass\n", "AIO300"),
    ],
)
def test_calls_of_other_modules_with_asyncio_names_are_held_back(source, code):
    assert code not in local_codes(source)


TRY = "import asyncio\nasync def f(t):\n    try:\n        {body}\n    except {caught}:\n{handler}"


@pytest.mark.parametrize(
    "body, handler, reaches",
    [
        ("await t", "        pass\n", True),
        ("async with t:\n            pass", "        log()\n", True),
        ("x = [await y for y in t]", "        pass\n", True),
        ("x = [y async for y in t]", "        pass\n", True),
        # Every path of the handler ends in a raise: nothing is swallowed.
        ("await t", "        log()\n        raise\n", False),
        ("await t", "        if t:\n            log()\n        raise RuntimeError() from None\n", False),
        # ... unless a path leaves before it.
        ("await t", "        if t:\n            return\n        raise\n", True),
        ("await t", "        for x in t:\n            break\n        raise\n", True),
        # Nothing in the try body can be cancelled.
        ("t.result()", "        pass\n", False),
    ],
)
@pytest.mark.parametrize("caught, code", [("asyncio.CancelledError", "AIO300"), ("BaseException", "AIO301")])
def test_a_handler_reaches_the_full_check_when_it_may_swallow_a_cancellation(body, handler, reaches, caught, code):
    source = TRY.format(body=body, caught=caught, handler=handler)
    compile(source, "<test>", "exec")
    assert (code in local_codes(source)) == reaches


@pytest.mark.parametrize(
    "binding, caught, code",
    [
        ("", "(ValueError, asyncio.CancelledError)", "AIO300"),
        ("", "asyncio.exceptions.CancelledError", "AIO300"),
        ("from concurrent.futures import CancelledError as Stop\n", "Stop", "AIO300"),
        ("RETRY = (OSError, asyncio.CancelledError)\n", "RETRY", "AIO300"),
        ("BROAD = (BaseException,)\n", "BROAD", "AIO301"),
        ("Broad = BaseException\n", "(Broad, OSError)", "AIO301"),
    ],
)
def test_what_a_handler_catches_is_read_through_its_spellings(binding, caught, code):
    source = binding + TRY.format(body="await t", caught=caught, handler="        pass\n")
    assert code in local_codes(source)
    assert code in {d.code for d in lint_source(source, "x.py")}  # the rule agrees: it fires


@pytest.mark.parametrize("caught", ["ValueError", "(OSError, KeyError)", "Exception"])
def test_a_handler_for_other_errors_is_held_back(caught):
    source = TRY.format(body="await t", caught=caught, handler="        pass\n") + "x = asyncio.CancelledError\n"
    assert not {"AIO300", "AIO301"} & local_codes(source)


def test_an_async_def_called_as_a_statement_elsewhere_is_found_through_the_project():
    vocabulary = Vocabulary(Settings(), ["pkg.api", "pkg.cli"])
    api = outline_source(b"async def fetch():\n    pass\n", "pkg.api", vocabulary)
    cli = outline_source(b"from pkg import api\n\ndef main():\n    api.fetch()\n", "pkg.cli", vocabulary)
    other = outline_source(b"def main(log):\n    log.fetch()\n", "pkg.other", vocabulary)
    screen = Screen([api, cli, other])
    assert screen.needs_check(cli, frozenset({"AIO200"}))
    assert not screen.needs_check(other, frozenset({"AIO200"}))  # a parameter is not the project


def test_a_helper_chain_across_modules_is_followed_by_name():
    vocabulary = Vocabulary(Settings(), ["pkg.util", "pkg.web"])
    util = outline_source(
        b"import time\n\ndef _poll():\n    time.sleep(1)\n\ndef wait():\n    _poll()\n", "pkg.util", vocabulary
    )
    web = outline_source(b"from .util import wait as w\n\nasync def handler():\n    w()\n", "pkg.web", vocabulary)
    quiet = outline_source(b"from .util import other\n\nasync def handler():\n    other()\n", "pkg.quiet", vocabulary)
    screen = Screen([util, web, quiet])
    assert screen.needs_check(web, frozenset({"AIO110"}))
    assert not screen.needs_check(quiet, frozenset({"AIO110"}))


def test_a_bare_call_is_keyed_by_where_its_name_comes_from():
    vocabulary = Vocabulary(
        Settings(),
        ["pkg.api", "pkg.jobs", "pkg.cli", "pkg.star", "pkg.rel", "pkg.relstar", "pkg.either", "pkg.other", "pkg.param", "pkg.local", "pkg.starjobs"],
    )
    api = outline_source(b"async def main():\n    pass\n", "pkg.api", vocabulary)
    jobs = outline_source(b"def main():\n    pass\n", "pkg.jobs", vocabulary)
    imported = {
        "pkg.cli": b"from pkg.api import main\n\ndef run():\n    main()\n",
        "pkg.star": b"from pkg.api import *\n\ndef run():\n    main()\n",
        "pkg.rel": b"from . import main\nmain()\n",
        "pkg.relstar": b"from . import *\nmain()\n",  # which module's names: not known
        "pkg.either": b"try:\n    from pkg.api import main\nexcept ImportError:\n    from pkg.jobs import main\nmain()\n",
    }
    quiet = {
        "pkg.starjobs": b"from pkg.jobs import *\n\ndef run():\n    main()\n",
        "pkg.local": b"from pkg.jobs import main\nif DEBUG:\n    main = lambda: None\n\ndef run():\n    main()\n",
        "pkg.other": b"from pkg.jobs import main\n\ndef run():\n    main()\n",
        "pkg.param": b"def run(main):\n    main()\n",
    }
    outlines = {name: outline_source(source, name, vocabulary) for name, source in {**imported, **quiet}.items()}
    screen = Screen([api, jobs, *outlines.values()])
    for name in imported:  # `api.main` is a coroutine function; a star import or a rebinding may be it
        assert screen.needs_check(outlines[name], frozenset({"AIO200"})), name
    for name in quiet:  # `jobs.main` is not, and a parameter is no function of the project
        assert not screen.needs_check(outlines[name], frozenset({"AIO200"})), name


def test_a_pending_finding_about_a_function_its_module_defines_asks_that_function():
    vocabulary = Vocabulary(Settings(), ["pkg.conn", "pkg.aio"])
    conn = outline_source(b"class Conn:\n    def close(self):\n        pass\n", "pkg.conn", vocabulary)
    aio = outline_source(b"class Stream:\n    async def close(self):\n        pass\n", "pkg.aio", vocabulary)
    screen = Screen([conn, aio])
    assert not screen.may_hold("coroutine-function", "pkg.conn.Conn.close")  # a plain method
    assert screen.may_hold("coroutine-function", "pkg.aio.Stream.close")
    # A name no module defines as such may be a re-export of any `close`.
    assert screen.may_hold("coroutine-function", "pkg.reexport.close")
    assert not screen.may_hold("coroutine-function", "pkg.conn.Conn.open")
    # The screen an edit run keeps has no such keys, and answers by name.
    kept = pickle.loads(pickle.dumps(screen))
    assert kept.may_hold("coroutine-function", "pkg.conn.Conn.close")


def test_a_name_below_a_function_asks_no_module():
    modules = ["codec", "pkg", "pkg.mod", "pkg.star", "pkg.aio"]
    vocabulary = Vocabulary(Settings(), modules)
    sources = {
        "codec": b"def encode(data):\n    return data\n",
        # A function `mod` in the package and a submodule `pkg.mod` with an async `f`.
        "pkg": b"def mod():\n    pass\n",
        "pkg.mod": b"async def f():\n    pass\n",
        "pkg.star": b"from pkg.aio import *\n\ndef g():\n    pass\n",
        "pkg.aio": b"async def decode():\n    pass\n\nasync def close():\n    pass\n",
    }
    screen = Screen([outline_source(source, name, vocabulary) for name, source in sources.items()], modules)
    # `codec.encode(data).decode()`: the rules resolve it to no function.
    assert not screen.may_hold("coroutine-function", "codec.encode.decode")
    # `pkg.mod` is the submodule, whatever function `pkg` has by that name.
    assert screen.may_hold("coroutine-function", "pkg.mod.f")
    # A module that star-imports: the rules may look through it.
    assert screen.may_hold("coroutine-function", "pkg.star.g.close")
    # Without the project's modules, by name.
    assert Screen([outline_source(sources["codec"], "codec", vocabulary), outline_source(sources["pkg.aio"], "pkg.aio", vocabulary)]).may_hold(
        "coroutine-function", "codec.encode.decode"
    )


def test_a_module_reexported_under_another_name_is_still_followed(tmp_project, monkeypatch):
    root = tmp_project(
        {
            "pkg/__init__.py": "",
            "pkg/impl.py": "import time\n\ndef f():\n    time.sleep(1)\n",
            # `mod.z.f` is `impl.f`; mod's own `z` class is another `f` that does not block.
            "pkg/mod.py": "from pkg import impl as z\n\nclass y:\n    def f(self):\n        pass\n",
            "pkg/app.py": "from pkg.mod import z\n\nasync def main():\n    z.f()\n",
        }
    )
    settings = Settings(select=("AIO110",))
    assert assert_screen_changes_nothing([root / "pkg"], settings, monkeypatch) == 1


def test_a_function_nested_in_another_is_no_name_for_other_modules():
    vocabulary = Vocabulary(Settings(), ["pkg.tests", "pkg.user"])
    tests = b"def test():\n    async def helper():\n        pass\n    helper()\n"
    user = b"from . import *\n\ndef run():\n    helper()\n"  # any name may be another module's
    outlines = [outline_source(tests, "pkg.tests", vocabulary), outline_source(user, "pkg.user", vocabulary)]
    screen = Screen(outlines)
    assert screen.needs_check(outlines[0], frozenset({"AIO200"}))  # its own module calls it
    assert not screen.needs_check(outlines[1], frozenset({"AIO200"}))
    assert "AIO200" in {d.code for d in lint_source(tests.decode(), "tests.py")}


def test_a_file_python_cannot_parse_always_gets_the_full_check():
    assert outline_source(b"def f(:\n", "m", Vocabulary(Settings())) is None
    assert Screen([]).needs_check(None, frozenset())



def test_a_bug_in_the_outline_sends_every_file_to_the_full_check(monkeypatch, tmp_path):
    from asynclint import screen

    original = screen._Walker.outline

    def broken(self, module_name, *args):
        if module_name == "helpers":  # app.py's outline alone cannot tell poll() blocks
            raise KeyError("a bug of ours")
        return original(self, module_name, *args)

    (tmp_path / "app.py").write_text("import helpers\n\nasync def f():\n    helpers.poll()\n")
    (tmp_path / "helpers.py").write_text("import time\n\ndef poll():\n    time.sleep(1)\n")
    expected = findings([tmp_path], Settings())
    assert [code for *_, code, _ in expected] == ["AIO110"]
    monkeypatch.setattr(screen._Walker, "outline", broken)
    assert screen.outline_source(b"x = 1\n", "helpers", Vocabulary(Settings())).complete is False
    assert findings([tmp_path], Settings()) == expected


def test_a_name_bound_to_its_own_attribute_is_outlined():
    # `write = items[0].write` once sent keys_of() round in circles (RecursionError).
    source = b"def f(items):\n    write = items[0].write\n    write()\n    check = self.check\n    check()\n"
    outline = outline_source(source, "m", Vocabulary(Settings(), ["m"]))
    assert outline is not None and outline.complete


def test_a_module_only_libcst_can_parse_does_not_hide_its_callers(tmp_path):
    # PEP 695 syntax: Python 3.11 cannot parse helpers.py (3.12 can, and then this is
    # the ordinary path), so it has no outline and the screen cannot know that poll()
    # blocks; app.py must be checked all the same.
    (tmp_path / "helpers.py").write_text("import time\n\ndef poll[T](x: T) -> T:\n    time.sleep(1)\n    return x\n")
    (tmp_path / "app.py").write_text("import helpers\n\nasync def f():\n    helpers.poll(1)\n")
    found = findings([tmp_path], Settings())
    assert [(Path(path).name, line, code) for path, line, _, code, _ in found] == [("app.py", 4, "AIO110")]


@pytest.mark.parametrize("is_async", [True, False])
def test_the_demand_search_parses_a_module_only_for_a_callee_that_may_be_a_coroutine_function(
    tmp_path, monkeypatch, is_async
):
    from asynclint import runner

    parsed: List[str] = []
    original = runner.check_many

    def recording(paths, *args, **kwargs):
        parsed.extend(Path(path).name for path in paths)
        return original(paths, *args, **kwargs)

    monkeypatch.setattr(runner, "check_many", recording)
    (tmp_path / "helpers.py").write_text(f"{'async ' if is_async else ''}def poll():\n    pass\n")
    (tmp_path / "app.py").write_text(
        "import time\nimport helpers\n\nasync def tick():\n    time.sleep(1)\n\ndef start():\n    helpers.poll()\n"
    )
    found = [(Path(path).name, line, code) for path, line, _, code, _ in findings([tmp_path], Settings())]
    if is_async:
        assert found == [("app.py", 5, "AIO100"), ("app.py", 8, "AIO200")]
        assert sorted(parsed) == ["app.py", "helpers.py"]
    else:
        assert found == [("app.py", 5, "AIO100")]
        assert parsed == ["app.py"]  # no `async def poll` anywhere: helpers.py is not needed


def test_the_demand_search_parses_every_star_imported_module_a_name_may_come_from_at_once(tmp_path, monkeypatch):
    from asynclint import runner

    rounds: List[List[str]] = []
    original = runner.check_many

    def recording(paths, *args, **kwargs):
        rounds.append(sorted(Path(path).relative_to(tmp_path).as_posix() for path in paths))
        return original(paths, *args, **kwargs)

    monkeypatch.setattr(runner, "check_many", recording)
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .a import *\nfrom .b import *\nfrom .c import *\n")
    (package / "a.py").write_text("def other():\n    return 1\n")
    (package / "b.py").write_text("def another():\n    return 2\n")
    (package / "c.py").write_text("import time\n\ndef fetch():\n    time.sleep(1)\n")
    (tmp_path / "app.py").write_text("import pkg\n\nasync def main():\n    pkg.fetch()\n")
    found = [(Path(path).name, line, code) for path, line, _, code, _ in findings([tmp_path], Settings())]
    assert found == [("app.py", 4, "AIO110")]
    # `pkg.fetch` may come from any of the three: they are parsed in one round, not one
    # round each until the name turns up.
    assert rounds == [["app.py"], ["pkg/__init__.py"], ["pkg/a.py", "pkg/b.py", "pkg/c.py"]]


def test_a_name_bound_to_an_attribute_is_keyed_by_the_attribute():
    source = b"class T:\n    def test(self):\n        check = self.check_match\n        check('a')\n"
    outline = outline_source(source, "m", Vocabulary(Settings(), ["m"]))
    assert outline is not None
    assert outline.dropped_calls == frozenset({"m:T.check_match"})  # not every `check` there is


def test_a_method_called_on_self_is_this_modules_classs():
    # redis has a sync and an async class of the same name: `self.connect()` in the sync
    # one is no coroutine, whatever the async one's `connect` is.
    vocabulary = Vocabulary(Settings(), ["redis.connection", "redis.asyncio.connection"])
    sync = b"class Connection:\n    def connect(self):\n        pass\n\n    def reset(self):\n        self.connect()\n"
    asynchronous = b"class Connection:\n    async def connect(self):\n        pass\n\n    def reset(self):\n        self.connect()\n"
    outlines = [
        outline_source(sync, "redis.connection", vocabulary),
        outline_source(asynchronous, "redis.asyncio.connection", vocabulary),
    ]
    screen = Screen(outlines)
    assert not screen.needs_check(outlines[0], frozenset({"AIO200"}))
    assert screen.needs_check(outlines[1], frozenset({"AIO200"}))
    assert "AIO200" in {d.code for d in lint_source(asynchronous.decode(), "connection.py")}
    # Another module's call through an instance still finds the async one by class name.
    user_source = b"from redis.asyncio.connection import Connection\n\ndef f(c: Connection):\n    c.connect()\n"
    user = outline_source(user_source, "app", vocabulary)
    assert Screen([*outlines, user]).needs_check(user, frozenset({"AIO200"}))


def test_a_name_bound_in_a_function_body_is_no_alias_for_other_modules():
    vocabulary = Vocabulary(Settings(), ["pkg.one", "pkg.two", "pkg.three"])
    one = outline_source(b"import time\ndef helper():\n    time.sleep(1)\n", "pkg.one", vocabulary)
    two = outline_source(b"from pkg.one import helper\ndef run():\n    poll = helper\n    poll()\n", "pkg.two", vocabulary)
    three_source = b"from . import *\nasync def main():\n    poll()\n"  # any name may be another's
    three = outline_source(three_source, "pkg.three", vocabulary)
    assert not Screen([one, two, three]).needs_check(three, frozenset({"AIO110"}))
    # The same alias made at module level is one.
    two_outer = outline_source(b"from pkg.one import helper\npoll = helper\n", "pkg.two", vocabulary)
    assert Screen([one, two_outer, three]).needs_check(three, frozenset({"AIO110"}))


def test_a_global_bound_in_a_function_body_is_an_alias_for_other_modules(tmp_project, monkeypatch):
    tmp_path = tmp_project(
        {
            "pkg/__init__.py": "",
            "pkg/one.py": "import time\n\n\ndef _impl():\n    time.sleep(1)\n\n\ndef setup():\n    global fetch\n    fetch = _impl\n",
            "pkg/app.py": "from . import *\n\n\nasync def main():\n    fetch()\n",
        }
    )
    vocabulary = Vocabulary(Settings(), ["pkg.one", "pkg.app"])
    outlines = [outline_source((tmp_path / "pkg" / name).read_bytes(), f"pkg.{name[:-3]}", vocabulary) for name in ("one.py", "app.py")]
    assert Screen(outlines).needs_check(outlines[1], frozenset({"AIO110"}))
    assert_screen_changes_nothing([tmp_path / "pkg"], Settings(), monkeypatch)


@pytest.mark.parametrize(
    "source, reaches",
    [
        ("import asyncio\n@asyncio.coroutine\ndef f():\n    yield\n", True),
        ("from asyncio import coroutine\n@coroutine\ndef f():\n    yield\n", True),
        ("import asyncio\nco = asyncio.coroutine\n@co\ndef f():\n    yield\n", True),
        ("import asyncio as aio\n@aio.coroutine\ndef f():\n    yield\n", True),
        # Other libraries' coroutine decorators are not deprecated asyncio API.
        ("import types\n@types.coroutine\ndef f():\n    yield\n", False),
        ("from tornado import gen\n@gen.coroutine\ndef f():\n    yield\n", False),
    ],
)
def test_only_asyncios_coroutine_decorator_reaches_the_full_check(source, reaches):
    assert ("AIO402" in local_codes(source)) == reaches
    assert ("AIO402" in {d.code for d in lint_source(source, "x.py")}) == reaches


@pytest.mark.parametrize(
    "source, reaches",
    [
        ("import asyncio, threading\nthreading.Thread(target=asyncio.run, args=(m(),)).start()\n", True),
        ("from asyncio import run\nimport threading\nthreading.Thread(target=run).start()\n", True),
        ("import threading\nclass C:\n    def go(self, loop):\n        threading.Thread(target=loop.run_forever).start()\n", True),
        ("import trio\ndef f(executor):\n    executor.submit(trio.run, main)\n", True),
        # A function of the module called `run` is judged by what it does (the screen's
        # project pass), not by its name.
        ("import threading\ndef f():\n    def run():\n        pass\n    threading.Thread(target=run).start()\n", False),
    ],
)
def test_a_loop_runner_handed_to_a_thread_reaches_the_full_check(source, reaches):
    assert ("AIO400" in local_codes(source)) == reaches


def test_a_method_called_through_an_instance_is_keyed_by_the_classs_module():
    # threading's Event.wait is a plain function, asyncio's (here `locks`) a coroutine.
    modules = ["pkg.threads", "pkg.locks", "pkg", "pkg.api", "pkg.user"]
    vocabulary = Vocabulary(Settings(), modules)
    threads = b"class Event:\n    def wait(self):\n        pass\n"
    locks = b"class Event:\n    async def wait(self):\n        pass\n"
    outlines = {
        "pkg.threads": outline_source(threads, "pkg.threads", vocabulary),
        "pkg.locks": outline_source(locks, "pkg.locks", vocabulary),
    }

    def reaches(source: bytes, extra: Dict[str, bytes] = {}) -> bool:
        more = {name: outline_source(text, name, vocabulary) for name, text in extra.items()}
        user = outline_source(source, "pkg.user", vocabulary)
        return Screen([*outlines.values(), *more.values(), user]).needs_check(user, frozenset({"AIO200"}))

    # The class's module is known: only the sync one is called.
    assert not reaches(b"from pkg.threads import Event\ndef f():\n    e = Event()\n    e.wait()\n")
    assert not reaches(b"import pkg.threads as t\ndef f():\n    e = t.Event()\n    e.wait()\n")
    assert not reaches(b"from pkg.threads import Event\ndef f(e: Event):\n    e.wait()\n")
    # The async one, under any of those spellings.
    assert reaches(b"import pkg.locks as l\ndef f():\n    e = l.Event()\n    e.wait()\n")
    assert reaches(b"from pkg.locks import Event as E\ndef f():\n    e = E()\n    e.wait()\n")
    # Through a package that re-exports it, by name or by a star import, in one or two hops.
    assert reaches(b"import pkg\ndef f():\n    e = pkg.Event()\n    e.wait()\n", {"pkg": b"from .locks import Event\n"})
    assert reaches(b"import pkg\ndef f():\n    e = pkg.Event()\n    e.wait()\n", {"pkg": b"from .locks import *\n"})
    two_hops = {"pkg": b"from .api import Event\n", "pkg.api": b"from .locks import Event\n"}
    assert reaches(b"import pkg\ndef f():\n    e = pkg.Event()\n    e.wait()\n", two_hops)
    # Unknown module (bound two ways, or a parameter's class from a star import): every Event.wait.
    assert reaches(b"from pkg import threads\nimport pkg.threads as threads\ndef f():\n    e = threads.Event()\n    e.wait()\n")
    assert reaches(b"from pkg.threads import Event\nif X:\n    Event = other\ndef f():\n    e = Event()\n    e.wait()\n")
    assert reaches(b"from pkg.threads import *\ndef f(e: Event):\n    e.wait()\n")


def test_methods_called_through_instances_change_no_finding(tmp_project, monkeypatch):
    files = {
        "pkg/__init__.py": "from .locks import Event\nfrom . import threads\n",
        "pkg/threads.py": "class Event:\n    def wait(self):\n        pass\n",
        "pkg/locks.py": "class Event:\n    async def wait(self):\n        pass\n",
        "pkg/user.py": (
            "import pkg\nimport pkg.threads as threads\nfrom pkg.locks import Event as E\n\n\n"
            "def f():\n    a = pkg.Event()\n    a.wait()\n    b = threads.Event()\n    b.wait()\n    c = E()\n    c.wait()\n"
        ),
    }
    tmp_path = tmp_project(files)
    found = findings([tmp_path / "pkg"], Settings())
    assert [(Path(p).name, line, code) for p, line, _, code, _ in found] == [("user.py", 8, "AIO200"), ("user.py", 12, "AIO200")]
    assert_screen_changes_nothing([tmp_path / "pkg"], Settings(), monkeypatch)


SCREEN_IN_A_FRESH_PROCESS = """
from asynclint.config import Settings
from asynclint.screen import Screen, Vocabulary, outline_source
vocabulary = Vocabulary(Settings(), ["pkg", "pkg.api", "pkg.core", "pkg.user"])
sources = {
    "pkg": b"from .api import *\\nfrom .core import *\\n",
    "pkg.api": b"def f():\\n    pass\\n",
    "pkg.core": b"async def f():\\n    pass\\n",
}
outlines = [outline_source(text, name, vocabulary) for name, text in sources.items()]
user = outline_source(b"import pkg\\ndef g():\\n    pkg.f()\\n", "pkg.user", vocabulary)
print(Screen([*outlines, user]).needs_check(user, frozenset({"AIO200"})))
"""


def test_the_screen_is_the_same_whatever_order_sets_iterate_in():
    # `pkg.f` may be either star-imported `f`: the screen must keep both, and once
    # kept only the one its set happened to meet first (which changes with the hash seed).
    answers = set()
    for seed in range(12):
        env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-c", SCREEN_IN_A_FRESH_PROCESS], capture_output=True, text=True, env=env)
        assert proc.returncode == 0, proc.stderr
        answers.add(proc.stdout.strip())
    assert answers == {"True"}


def test_a_finding_through_a_star_import_is_found_under_every_hash_seed(tmp_project):
    # `pkg` star-imports core's `async def f` first, then api's plain `f`: the rules take
    # core's, so `pkg.f()` is an unawaited coroutine, whatever order sets iterate in.
    tmp_path = tmp_project(
        {
            "pkg/__init__.py": "from .core import *\nfrom .api import *\n",
            "pkg/api.py": "def f():\n    pass\n",
            "pkg/core.py": "async def f():\n    pass\n",
            "pkg/user.py": "import pkg\n\n\ndef g():\n    pkg.f()\n",
        }
    )
    for seed in range(8):
        env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=str(ROOT))
        command = [sys.executable, "-m", "asynclint", "--isolated", "--no-cache", "-q", str(tmp_path / "pkg")]
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        assert "user.py:5:5: AIO200" in proc.stdout, (seed, proc.stdout + proc.stderr)


FALLBACK = (
    "import time\n\n\ndef poll():\n    time.sleep(1)\n\n\n"
    "try:\n    from _speedups import poll\nexcept ImportError:\n    pass\n\n\n"
    "async def handler({params}):\n{body}    poll()\n"
)


@pytest.mark.parametrize(
    "params, body, reaches",
    [
        # `poll` is a def and an import at module level: the rules resolve it to nothing.
        ("", "", False),
        # Bound in the function too: the function's own `poll` may be anything.
        ("poll", "", True),
        ("", "    from helpers import poll\n", True),
        ("", "    poll = make()\n", True),
    ],
)
def test_a_name_bound_by_a_def_and_an_import_is_no_function_for_the_rules(params, body, reaches):
    source = FALLBACK.format(params=params, body=body)
    assert ("AIO110" in {d.code for d in lint_source(source, "app.py")}) is False  # the rule: never
    outline = outline_source(source.encode(), "app", Vocabulary(Settings(), ["app", "helpers"]))
    assert Screen([outline]).needs_check(outline, frozenset({"AIO110"})) == reaches


@pytest.mark.skipif(sys.version_info < (3, 10), reason="`match` is Python 3.10 syntax")
def test_a_name_bound_by_a_def_and_an_import_keeps_its_key_when_a_match_may_bind_it():
    source = FALLBACK.format(params="x", body="    match x:\n        case poll:\n            pass\n")
    outline = outline_source(source.encode(), "app", Vocabulary(Settings(), ["app"]))
    assert Screen([outline]).needs_check(outline, frozenset({"AIO110"}))


def test_an_instance_a_classmethod_makes_of_its_class_is_that_class(tmp_project, monkeypatch):
    # `store = cls(...)` in a classmethod: the rules resolve `store.reload()` to the
    # class's own method, and so must the screen, or the blocking chain is lost (it was,
    # until function bodies were left out of the check one by one: blanking.py).
    files = {
        "pkg/__init__.py": "",
        "pkg/store.py": (
            "import json\n\n\nclass Store:\n    def reload(self):\n        with open(self.path) as handle:\n"
            "            return json.load(handle)\n\n    @classmethod\n    def default(cls):\n"
            "        store = cls()\n        store.reload()\n        return store\n\n"
            "    @classmethod\n    async def load(cls):\n        return cls.default()\n"
        ),
    }
    tmp_path = tmp_project(files)
    found = findings([tmp_path / "pkg"], Settings())
    assert [(line, code) for _, line, _, code, _ in found] == [(17, "AIO110")]
    assert_screen_changes_nothing([tmp_path / "pkg"], Settings(), monkeypatch)


def test_a_file_only_libcst_parses_brings_back_the_pending_findings_left_out(tmp_project, monkeypatch):
    # Python "cannot parse" newer.py (as with syntax newer than the running Python), so
    # the screen knows nothing of `pause`, and the first check of app.py (which it sends
    # on for its own AIO100) leaves out the pending AIO110 about `newer.pause`. Once
    # libcst parses newer.py, every file gets the full check: app.py again, with it.
    from asynclint import runner
    from asynclint.runner import lint_paths

    root = tmp_project(
        {
            "pkg/__init__.py": "",
            "pkg/newer.py": "import time\n\n\ndef pause():\n    time.sleep(1)\n",
            "pkg/app.py": "import time\nfrom pkg import newer\n\n\nasync def main():\n    time.sleep(1)\n    newer.pause()\n",
        }
    )
    python_tree = runner.python_tree
    monkeypatch.setattr(runner, "python_tree", lambda data: None if b"def pause" in data else python_tree(data))
    run = lint_paths([root / "pkg"], Settings(select=["AIO1"]), jobs=1)
    assert [(Path(d.path).name, d.line, d.code) for d in run.diagnostics] == [("app.py", 6, "AIO100"), ("app.py", 7, "AIO110")]


@pytest.mark.parametrize(
    "opening, manager, fires",
    [
        ("from contextlib import suppress", "suppress(asyncio.CancelledError)", True),
        ("import contextlib", "contextlib.suppress(asyncio.CancelledError)", True),
        ("from contextlib import suppress as ignoring", "ignoring(asyncio.CancelledError)", True),
        ("import contextlib\nquiet = contextlib.suppress", "quiet(asyncio.CancelledError)", True),
        # Any other context manager cannot suppress: the body may be skipped.
        ("import contextlib", "open('log')", False),
        ("import contextlib", "lock", False),
    ],
)
def test_a_with_in_an_async_body_may_fire_aio300_only_through_suppress(opening, manager, fires):
    source = f"""\
import asyncio
{opening}

CANCELLED = asyncio.CancelledError  # named in the file: only the `with` can tell


async def tick(delay):
    with {manager}:
        await asyncio.sleep(delay)
    return delay
"""
    outline = outline_source(source.encode(), "app", Vocabulary(Settings(), ["app"]))
    assert outline is not None
    assert ("AIO300" in outline.local_codes) == fires
    found = {d.code for d in lint_source(source, "app.py")}
    assert ("AIO300" in found) == fires
