"""The flake8 plugin: flake8's (tree, lines, filename) in, (line, col, message, type) out.

A thin adapter over the same engine as the command, with a one-module project index.
flake8 owns selection (`--select AIO`), `# noqa` and per-file ignores, so the plugin
runs every rule and lets flake8 filter what it reports.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, ClassVar, Dict, Iterator, Optional, Sequence, Tuple, Type

from . import __version__

_OFF_BY_DEFAULT: Sequence[str] = ()


class AsyncLintPlugin:
    name = "asynclint"
    version = __version__

    extend_blocking_calls: ClassVar[Dict[str, Optional[str]]] = {}

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # The engine parses with libcst, which keeps what ast drops; flake8's tree serves
        # the screen, which says whether that is needed at all.
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser: Any) -> None:
        from .codes import RULES

        parser.add_option(
            "--extend-blocking-calls",
            default="",
            parse_from_config=True,
            # Not flake8's comma_separated_list: it also splits on spaces, and a
            # suggestion is free text. Entries are separated by commas or new lines.
            help="asynclint: qualified names of your own blocking calls, reported as AIO105 "
            "(`name` or `name=suggestion`, separated by commas or new lines)",
        )
        off = [rule.code for rule in RULES if not rule.default_enabled]
        if off:
            parser.extend_default_ignore(off)

    @classmethod
    def parse_options(cls, options: Any) -> None:
        from .config import ConfigError, parse_blocking_calls

        raw = getattr(options, "extend_blocking_calls", None) or ""
        if not isinstance(raw, str):  # a list, when another plugin registered the same option
            raw = ",".join(raw)
        entries = [e for e in re.split(r"[,\n]", raw) if e.strip()]
        try:
            cls.extend_blocking_calls = parse_blocking_calls(entries, "--extend-blocking-calls")
        except ConfigError as error:
            raise SystemExit(f"asynclint: error: {error}") from None

    def run(self) -> Iterator[Tuple[int, int, str, Type[Any]]]:
        from .config import Settings
        from .codes import RULES
        from .engine import check_single_module

        settings = Settings(
            select=[rule.code for rule in RULES if rule.code != "AIO900"],  # flake8 has its own
            extend_blocking_calls=dict(self.extend_blocking_calls),
        )
        source = "".join(self.lines)
        if not self._may_report(source, settings):
            return
        from .statements import statement_lines

        lines = statement_lines(self.tree) if isinstance(self.tree, ast.Module) else None
        for diagnostic in check_single_module(source, self.filename, settings, apply_noqa=False, lines=lines):
            yield diagnostic.line, diagnostic.column - 1, f"{diagnostic.code} {diagnostic.message}", type(self)

    def _may_report(self, source: str, settings: Any) -> bool:
        """The command's screen (screen.py) on a project of this one module: False when
        no rule can fire here, and libcst need not parse the file."""
        from .modules import module_name_of_file
        from .screen import Screen, Vocabulary, outline_tree

        if not isinstance(self.tree, ast.Module):
            return True
        module = module_name_of_file(self.filename)[0]
        data = source.encode("utf-8", "surrogatepass")
        outline = outline_tree(self.tree, module, Vocabulary(settings, [module]), data)
        return outline is None or Screen([outline]).needs_check(outline, settings.codes_for(Path(self.filename)))
