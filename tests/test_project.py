"""The whole-project index: module names, re-exports, call chains, and their settings."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from asynclint import lint_paths, lint_source
from asynclint.config import ConfigError, Settings, settings_from_table
from asynclint.diagnostics import Diagnostic, FunctionFacts, ModuleFacts
from asynclint.engine import check_source
from asynclint.project import ProjectIndex, settle

Found = Set[Tuple[str, int, str]]


def lint(root: Path, **settings) -> List[Diagnostic]:
    run = lint_paths([root], Settings(root=root, **settings))
    assert not run.errors, run.errors
    return run.diagnostics


def found(root: Path, **settings) -> Found:
    """(path relative to root, line, code) of every finding."""
    return {(Path(d.path).relative_to(root).as_posix(), d.line, d.code) for d in lint(root, **settings)}


def messages(root: Path, code: str, **settings) -> Dict[Tuple[str, int], str]:
    return {
        (Path(d.path).relative_to(root).as_posix(), d.line): d.message
        for d in lint(root, **settings)
        if d.code == code
    }


def settle_all(sources: Dict[str, str], settings: Settings) -> List[Diagnostic]:
    """Check every module in full (no pre-filter) and settle their pending findings."""
    modules = {path: path[: -len(".py")].replace("/__init__", "").replace("/", ".") for path in sources}
    results = [
        check_source(
            text, path, settings, module_name=modules[path], is_package=path.endswith("__init__.py"),
            project_modules=frozenset(modules.values()),
        )
        for path, text in sources.items()
    ]
    return settle(results, settings).diagnostics


# -- AIO110: chains -----------------------------------------------------------------------

HELPER_CHAIN = """\
import requests


def _poll(url):
    return requests.get(url, timeout=5).json()


def poll_until_ready(url, attempts=10):
    for _ in range(attempts):
        if _poll(url)["ready"]:
            return True
    return False


async def wait_for_service(url):
    return poll_until_ready(url)
"""


def test_message_names_the_chain(tmp_project):
    root = tmp_project({"probe.py": HELPER_CHAIN})
    assert messages(root, "AIO110") == {
        ("probe.py", 16): "poll_until_ready() -> _poll() -> requests.get() blocks the event loop; "
        "run it with `await asyncio.to_thread(...)` or make it async"
    }


def test_one_module_view_follows_the_same_chain():
    [diagnostic] = lint_source(HELPER_CHAIN, "probe.py")
    assert (diagnostic.line, diagnostic.code) == (16, "AIO110")
    assert diagnostic.message.startswith("poll_until_ready() -> _poll() -> requests.get() blocks the event loop")


def test_shortest_chain_is_chosen(tmp_project):
    root = tmp_project(
        {
            "svc.py": """\
import time


def _deep():
    time.sleep(1)


def _middle():
    _deep()


def refresh(fast):
    if fast:
        _middle()
    else:
        _deep()


async def handler():
    refresh(True)
""",
        }
    )
    assert messages(root, "AIO110") == {
        ("svc.py", 20): "refresh() -> _deep() -> time.sleep() blocks the event loop; "
        "run it with `await asyncio.to_thread(...)` or make it async"
    }


def test_cycles_terminate_and_a_cycle_that_never_blocks_is_silent(tmp_project):
    root = tmp_project(
        {
            "walk.py": """\
import os


def walk(folder):
    return [walk(sub) for sub in entries(folder)]


def entries(folder):
    return walk(folder) if folder == "." else os.listdir(folder)


def ping(n):
    return n and pong(n - 1)


def pong(n):
    return n and ping(n - 1)


def itself(n):
    return itself(n - 1) if n else 0


async def handler():
    walk("/srv")
    ping(3)
    itself(5)
""",
        }
    )
    assert messages(root, "AIO110") == {
        ("walk.py", 25): "walk() -> entries() -> os.listdir() blocks the event loop; "
        "run it with `await asyncio.to_thread(...)` or make it async"
    }


def test_methods_through_self_and_cls(tmp_project):
    root = tmp_project(
        {
            "store.py": """\
import json


class Store:
    def _read(self):
        with open("store.json") as handle:
            return json.load(handle)

    def reload(self):
        self.data = self._read()

    @classmethod
    def default(cls):
        store = cls()
        store.reload()
        return store

    async def watch(self):
        self.reload()
        return Store.default()
""",
        }
    )
    found_messages = messages(root, "AIO110")
    assert found_messages[("store.py", 19)].startswith("Store.reload() -> Store._read() -> open() blocks")
    assert found_messages[("store.py", 20)].startswith(
        "Store.default() -> Store.reload() -> Store._read() -> open() blocks"
    )


def test_a_nested_function_that_is_never_called_does_not_count(tmp_project):
    root = tmp_project(
        {
            "lazy.py": """\
import time


def make_sleeper(seconds):
    def sleeper():
        time.sleep(seconds)

    return sleeper


def run_now(seconds):
    def sleeper():
        time.sleep(seconds)

    sleeper()


async def handler():
    make_sleeper(1)
    run_now(1)
""",
        }
    )
    assert found(root) == {("lazy.py", 20, "AIO110")}


def test_default_arguments_and_decorators_run_when_the_def_runs(tmp_project):
    root = tmp_project(
        {
            "conf.py": """\
import functools


def load():
    with open("settings.json") as handle:
        return handle.read()


def connect(settings=load()):
    return settings


@functools.lru_cache(maxsize=len(load()))
def lookup(key):
    return key


async def handler():
    connect()
    lookup("x")
""",
        }
    )
    assert found(root) == set()


def test_a_noqa_at_the_blocking_call_clears_the_helper(tmp_project):
    root = tmp_project(
        {
            "pace.py": """\
import time


def throttle():
    time.sleep(0.01)  # noqa: AIO100


def pace():
    throttle()


def other():
    time.sleep(0.01)  # noqa: E501


async def handler():
    pace()
    other()
""",
        }
    )
    assert found(root) == {("pace.py", 18, "AIO110")}


def test_a_call_that_is_already_a_direct_finding_is_not_reported_twice(tmp_project):
    root = tmp_project(
        {
            "app/__init__.py": "",
            "app/db.py": """\
import time


def query_sync(sql):
    time.sleep(0.1)
    return []
""",
            "app/views.py": """\
from app.db import query_sync


def report():
    return query_sync("SELECT 1")


async def handler():
    query_sync("SELECT 1")
    report()
""",
        }
    )
    settings = {"extend_blocking_calls": {"app.db.query_sync": "use app.db.query"}}
    assert found(root, **settings) == {("app/views.py", 9, "AIO105"), ("app/views.py", 10, "AIO110")}
    assert messages(root, "AIO110", **settings)[("app/views.py", 10)].startswith(
        "report() -> app.db.query_sync() blocks the event loop"
    )


# -- AIO110: settings ------------------------------------------------------------------

DEEP_CHAIN = {
    "deep/__init__.py": "",
    "deep/io.py": """\
import time


def pause():
    time.sleep(1)


def retry():
    pause()
""",
    "deep/jobs.py": """\
from .io import pause, retry


def sync_all():
    retry()


async def one():
    pause()


async def two():
    retry()


async def three():
    sync_all()
""",
}


@pytest.mark.parametrize(
    "depth, lines",
    [(None, {9, 13, 17}), (3, {9, 13, 17}), (2, {9, 13}), (1, {9})],
)
def test_max_chain_depth(tmp_project, depth, lines):
    root = tmp_project(DEEP_CHAIN)
    assert {line for _, line, code in found(root, max_chain_depth=depth) if code == "AIO110"} == lines


def test_max_chain_depth_from_the_config_table():
    settings = settings_from_table({"max-chain-depth": 2, "non-blocking-functions": ["deep.io.retry"]}, Path("."), "t")
    assert settings.max_chain_depth == 2
    assert settings.non_blocking_functions == ["deep.io.retry"]
    with pytest.raises(ConfigError):
        settings_from_table({"max-chain-depth": 0}, Path("."), "t")
    with pytest.raises(ConfigError):
        settings_from_table({"non-blocking-functions": ["not a name"]}, Path("."), "t")


def test_non_blocking_functions_cut_every_chain_through_them(tmp_project):
    root = tmp_project(DEEP_CHAIN)
    # `retry` is trusted: `two` and `three` reach time.sleep only through it.
    assert {line for _, line, _ in found(root, non_blocking_functions=["deep.io.retry"])} == {9}
    # Trusting the end of every chain silences them all.
    assert found(root, non_blocking_functions=["deep.io.pause"]) == set()


def test_non_blocking_functions_accept_a_re_exported_name():
    # Every module checked in full: the command parses `deep/__init__.py` only when a
    # finding needs it (runner.py), and a setting's name is not such a need yet.
    sources = {**DEEP_CHAIN, "deep/__init__.py": "from .io import pause\n"}
    settings = Settings(non_blocking_functions=["deep.pause"])
    assert settle_all(sources, settings) == []
    assert len(settle_all(sources, Settings())) == 3


# -- the index: module names and imports -----------------------------------------------

PACKAGE = {
    "shop/__init__.py": """\
from .api import fetch_order
from . import api
from .notify import *  # noqa: F403

cancel = api.cancel_order
""",
    "shop/api.py": """\
async def fetch_order(order_id):
    return order_id


async def cancel_order(order_id):
    return order_id


def order_url(order_id):
    return f"/orders/{order_id}"
""",
    "shop/notify.py": """\
__all__ = ["send_receipt"]


async def send_receipt(order_id):
    return order_id
""",
    "shop/sub/__init__.py": "",
    "shop/sub/jobs.py": """\
from .. import api
from ..api import fetch_order
from .. import cancel


async def job(order_id):
    fetch_order(order_id)
    api.cancel_order(order_id)
    cancel(order_id)
    api.order_url(order_id)
""",
    "main.py": """\
import shop
import shop.api as shop_api
from shop import api, cancel, fetch_order, send_receipt
from shop.api import order_url


def main():
    fetch_order(1)
    api.fetch_order(1)
    shop.fetch_order(1)
    shop_api.cancel_order(1)
    cancel(1)
    send_receipt(1)
    shop.send_receipt(1)
    order_url(1)
""",
}


def test_imports_absolute_relative_and_re_exported(tmp_project):
    root = tmp_project(PACKAGE)
    assert found(root) == {
        ("shop/sub/jobs.py", 7, "AIO200"),
        ("shop/sub/jobs.py", 8, "AIO200"),
        ("shop/sub/jobs.py", 9, "AIO200"),
        ("main.py", 8, "AIO200"),
        ("main.py", 9, "AIO200"),
        ("main.py", 10, "AIO200"),
        ("main.py", 11, "AIO200"),
        ("main.py", 12, "AIO200"),
        ("main.py", 13, "AIO200"),
        ("main.py", 14, "AIO200"),
    }


def test_one_module_view_does_not_follow_imports(tmp_project):
    root = tmp_project(PACKAGE)
    source = (root / "main.py").read_text()
    assert lint_source(source, str(root / "main.py")) == []


def test_cross_module_chain_through_a_package(tmp_project):
    root = tmp_project(
        {
            "svc/__init__.py": "from .disk import *  # noqa: F403\n",
            "svc/disk.py": """\
import shutil

__all__ = ["archive"]


def archive(name):
    shutil.move(name, name + ".old")
""",
            "svc/ops.py": """\
from . import archive


def rotate(names):
    for name in names:
        archive(name)
""",
            "svc/web.py": """\
import asyncio

from svc import ops


async def rotate_logs(names):
    ops.rotate(names)
    await asyncio.to_thread(ops.rotate, names)
""",
        }
    )
    assert messages(root, "AIO110") == {
        ("svc/web.py", 7): "rotate() -> archive() -> shutil.move() blocks the event loop; "
        "run it with `await asyncio.to_thread(...)` or make it async"
    }


def test_import_cycles_and_star_cycles_terminate(tmp_project):
    root = tmp_project(
        {
            "loop/__init__.py": "from .a import *  # noqa: F403\nfrom .b import *  # noqa: F403\n",
            "loop/a.py": "from .b import *  # noqa: F403\nfrom . import b as other\n",
            "loop/b.py": "from .a import *  # noqa: F403\nfrom . import a as other\n",
            "loop/use.py": """\
import loop
from loop import a


async def go():
    loop.missing()
    a.missing()
    a.other.other.missing()
    loop.a.b.a.missing()
""",
        }
    )
    assert found(root) == set()


def test_same_module_name_in_two_folders_is_not_mixed_up(tmp_project):
    root = tmp_project(
        {
            "tools/deploy/main.py": """\
async def run():
    pass


def cli():
    run()
""",
            "tools/backup/main.py": """\
import time


def run():
    time.sleep(1)


async def handler():
    run()


run()
""",
        }
    )
    assert found(root) == {("tools/deploy/main.py", 6, "AIO200"), ("tools/backup/main.py", 9, "AIO110")}


def test_a_stub_beside_its_source_does_not_hide_the_source():
    """settle() prefers `api.py`'s facts (with bodies) to `api.pyi`'s."""
    settings = Settings()
    modules = frozenset({"pkg.api", "pkg.web"})
    source = check_source(
        "import time\n\ndef pause():\n    time.sleep(1)\n", "pkg/api.py", settings,
        module_name="pkg.api", project_modules=modules,
    )
    stub = check_source("def pause() -> None: ...\n", "pkg/api.pyi", settings, module_name="pkg.api", project_modules=modules)
    web = check_source(
        "from pkg.api import pause\n\nasync def handler():\n    pause()\n", "pkg/web.py", settings,
        module_name="pkg.web", project_modules=modules,
    )
    for order in ([source, stub, web], [stub, source, web]):
        assert [(d.path, d.line, d.code) for d in settle(order, settings).diagnostics] == [("pkg/web.py", 4, "AIO110")]


def test_index_resolves_aliases_without_hanging():
    facts = ModuleFacts("pkg", functions={}, aliases={"pkg.x": "pkg.y", "pkg.y": "pkg.x"})
    real = ModuleFacts("pkg.api", functions={"pkg.api.f": FunctionFacts("pkg.api.f", is_async=True, is_coroutine_function=True)})
    index = ProjectIndex([facts, real], Settings())
    assert index.resolve("pkg.x") is None
    assert index.resolve("pkg.api.f") is real.functions["pkg.api.f"]


# -- AIO200: what a coroutine function is --------------------------------------------------


def test_async_generators_and_async_context_managers_are_not_coroutine_functions(tmp_project):
    root = tmp_project(
        {
            "gen.py": """\
from contextlib import asynccontextmanager


async def stream():
    yield 1


@asynccontextmanager
async def session():
    yield


async def work():
    def helper():
        yield 2

    return helper


async def main():
    stream()
    session()
    work()
""",
        }
    )
    assert found(root) == {("gen.py", 23, "AIO200")}


def test_a_submodule_of_a_star_importing_package_is_parsed_when_a_chain_needs_it(tmp_project):
    # `pkg` star-imports; `pkg.utils` is a submodule nobody parsed yet, so its name must
    # not be read as something `*` brought into `pkg`. (On the benchmark corpus,
    # asyncio.windows_utils.pipe was lost that way, behind asyncio's many star imports.)
    root = tmp_project(
        {
            # Star-imports from outside the project too (asyncio's from _overlapped); the
            # mention of CancelledError gets it parsed first, as asyncio's is.
            "pkg/__init__.py": "from .base import *\nfrom os.path import *  # CancelledError\n",
            "pkg/base.py": "VALUE = 1\n",
            "pkg/utils.py": "import time\n\ndef pipe():\n    time.sleep(1)\n",
            "app.py": "from pkg.utils import pipe as make_pipe\n\nasync def main():\n    make_pipe()\n",
        }
    )
    assert found(root) == {("app.py", 4, "AIO110")}


def test_a_star_imported_module_that_brings_the_name_in_ends_the_search():
    index = ProjectIndex([], Settings(), ["pkg", "pkg.a", "pkg.b", "pkg.c"])
    index.add(ModuleFacts("pkg", star_imports=["pkg.a", "pkg.b", "pkg.c"]))
    assert index.unindexed_star_sources("pkg.fetch") == ["pkg.a", "pkg.b", "pkg.c"]
    assert index.unalias("pkg.fetch") == "pkg.a.fetch"  # the first, as Python looks
    index.add(ModuleFacts("pkg.a"))
    assert index.unindexed_star_sources("pkg.fetch") == ["pkg.b", "pkg.c"]
    index.add(ModuleFacts("pkg.b", functions={"pkg.b.fetch": FunctionFacts("pkg.b.fetch", False)}))
    assert index.unindexed_star_sources("pkg.fetch") == []  # pkg.b brings it in
    assert index.unalias("pkg.fetch") == "pkg.b.fetch"
    assert index.unindexed_star_sources("pkg.a.other") == []  # a submodule, not a star import
