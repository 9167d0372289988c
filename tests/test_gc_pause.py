"""The run pauses Python's cyclic collector and still frees each file's cycles."""
from __future__ import annotations

import gc
import weakref

import pytest

from asynclint.config import Settings
from asynclint.gc_pause import collect_young, paused_collector
from asynclint.runner import lint_files


class _Node:
    pass


def test_cycles_made_while_paused_are_collected_from_the_young_generation() -> None:
    with paused_collector():
        assert not gc.isenabled()
        collect_young()  # start from an empty youngest generation
        first, second = _Node(), _Node()
        first.other, second.other = second, first  # a cycle: reference counts never reach 0
        alive = weakref.ref(first)
        del first, second
        assert alive() is not None
        collect_young()
        assert alive() is None


@pytest.mark.parametrize("enabled", [True, False])
def test_a_run_leaves_the_collector_as_it_found_it(tmp_path, enabled: bool) -> None:
    (tmp_path / "m.py").write_text("import time\n\nasync def f():\n    time.sleep(1)\n")
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        run = lint_files([tmp_path / "m.py"], Settings(), jobs=1)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert [d.code for d in run.diagnostics] == ["AIO100"]
