"""The whole-project pass: facts gathered from every module decide deferred findings.

Checking a file yields its findings plus, for rules that need to know about other
modules, "pending" findings keyed by qualified names. Once every file is checked, the
index of all modules' facts settles them. The flake8 plugin runs the same two steps on
a one-module index.
"""
from __future__ import annotations

from pathlib import Path
from typing import List

from .config import Settings
from .diagnostics import Diagnostic
from .engine import check_source
from .modules import module_name_for


def check_single_module(source: str, path: str, settings: Settings, apply_noqa: bool = True) -> List[Diagnostic]:
    """Check one module with a one-module index (the flake8 plugin's view)."""
    module_name, is_package = module_name_for(Path(path)) if path not in ("<string>", "<stdin>", "stdin") else ("", False)
    codes = settings.codes_for(Path(path))
    result = check_source(source, path, settings, codes, module_name, is_package, apply_noqa=apply_noqa)
    return sorted(result.diagnostics, key=lambda d: d.sort_key)
