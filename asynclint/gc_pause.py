"""Python's cyclic garbage collector, paused while a run parses.

A run makes tens of millions of objects (libcst's trees, `ast`'s, the outlines). The
collector starts a pass every few hundred allocations, and each older-generation pass
walks every object still alive: the trees being built and all the outlines the run
holds. On the benchmark corpus that was a tenth of a cold run's wall time on two
processes, and over a third of it on one.

Nearly everything here is freed by reference counting the moment it is dropped. What
is not (cycles, such as a scope and the scopes inside it) is collected after each file
from the youngest generation only: with the collector paused, that generation holds
just what was made since the last such collection.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused_collector() -> Iterator[None]:
    """Pause automatic collection for the block; restores what was there before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_young() -> None:
    """Collect the cycles among the objects made since the last call (or pause)."""
    gc.collect(0)
