"""Output formats. Reporters turn diagnostics into text; they hold no rule logic.

`render(output_format, diagnostics, root=...)` picks the reporter; `statistics(...)` is
the `--statistics` table. Nothing here imports libcst: rule metadata (names, summaries)
comes from the `rules` argument, or, when that is None, from the plain-data catalogue
`asynclint.codes.RULES`, imported inside the function that needs it.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from ..diagnostics import Diagnostic
from ._common import RuleMeta, default_rules, fix_info, rule_infos, rules_by_code

OUTPUT_FORMATS = ("text", "json", "sarif", "github")


def render(
    output_format: str,
    diagnostics: Iterable[Diagnostic],
    *,
    root: Path,
    execution_successful: bool = True,
    rules: Optional[Iterable[Any]] = None,
    docs_dirs: Optional[Sequence[Union[str, Path]]] = None,
) -> str:
    """The findings in `output_format` ("text", "json", "sarif" or "github").

    root: the folder SARIF URIs and GitHub annotation paths are relative to (normally the
        current folder, the repository root in CI). Relative diagnostic paths are taken
        relative to the current folder. "text" and "json" print paths as given.
    execution_successful: recorded in SARIF `invocations` (False after internal errors
        or missing paths); the other formats ignore it.
    rules: rule metadata (`codes.RuleInfo`s, rule classes or `RuleMeta`s) for names,
        summaries and the SARIF rule list; by default `asynclint.codes.RULES`.
    docs_dirs: where SARIF looks for `CODE.md` help pages (default: see
        `sarif.default_docs_dirs`); falls back to the rule summary.

    Every format returns "" or text ending with a newline; JSON and SARIF are meant to
    be written as UTF-8. Raises ValueError for an unknown format.
    """
    if output_format == "text":
        from .text import format_text

        return format_text(diagnostics)
    if output_format == "json":
        from .json import format_json

        return format_json(diagnostics, rules=rules)
    if output_format == "sarif":
        from .sarif import format_sarif

        return format_sarif(
            diagnostics,
            root=root,
            execution_successful=execution_successful,
            rules=rules,
            docs_dirs=docs_dirs,
        )
    if output_format == "github":
        from .github import format_github

        return format_github(diagnostics, root=root, rules=rules)
    raise ValueError(f"unknown output format {output_format!r} (choose from {', '.join(OUTPUT_FORMATS)})")


def statistics(diagnostics: Iterable[Diagnostic], *, rules: Optional[Iterable[Any]] = None) -> str:
    """`--statistics`: one line per code, `COUNT<TAB>CODE<TAB>name`, most frequent first.

    Sorted by count descending, then code. Counts are right-aligned and codes padded to a
    common width, as ruff does. When any finding has a safe fix, every line gets a
    `[*] ` (has a safe fix) or `[ ] ` marker before the name. "" when there is nothing.
    """
    diagnostics = list(diagnostics)
    if not diagnostics:
        return ""
    counts = Counter(d.code for d in diagnostics)
    fixable = {d.code for d in diagnostics if fix_info(d) == (True, "safe")}
    names: Dict[str, str] = {code: info.name for code, info in rules_by_code(rules).items()}
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    count_width = max(len(str(count)) for _, count in rows)
    code_width = max(len(code) for code, _ in rows)
    lines: List[str] = []
    for code, count in rows:
        marker = ("[*] " if code in fixable else "[ ] ") if fixable else ""
        name = names.get(code, "")
        lines.append(f"{count:>{count_width}}\t{code:<{code_width}}\t{marker}{name}".rstrip())
    return "\n".join(lines) + "\n"


__all__ = ["OUTPUT_FORMATS", "RuleMeta", "default_rules", "render", "rule_infos", "statistics"]
