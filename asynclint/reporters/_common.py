"""What several reporters share: rule metadata, severity, fix information, paths.

Nothing here imports libcst. When a caller passes no rule metadata, it comes from the
plain-data catalogue `asynclint.codes.RULES`, imported inside the function that needs it.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePath
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ..diagnostics import Diagnostic

REPOSITORY_URL = "https://github.com/asynclint/asynclint"
DOCS_URL = f"{REPOSITORY_URL}/blob/main/docs/rules/"

#: Codes reported as errors rather than warnings (SARIF level, GitHub command).
ERROR_CODES = frozenset({"AIO001"})

FIX_SAFETIES = ("safe", "unsafe")


class RuleMeta(NamedTuple):
    """The metadata of one rule that reporters read.

    `asynclint.codes.RuleInfo` entries and rule classes have the same attributes and are
    accepted wherever a reporter takes `rules`.
    """

    code: str
    name: str
    summary: str
    default_enabled: bool = True


def default_rules() -> Sequence[Any]:
    """Every rule's metadata: `asynclint.codes.RULES` (plain data, no libcst)."""
    try:
        from ..codes import RULES
    except ImportError:  # pragma: no cover - only without the catalogue module
        from ..rules import ALL_RULES as RULES  # imports libcst
    return RULES


def rule_infos(rules: Optional[Iterable[Any]] = None) -> List[RuleMeta]:
    """Normalise rule metadata: `codes.RuleInfo`s, rule classes, `RuleMeta`s or mappings
    with the keys code, name, summary, default_enabled. None: `default_rules()`.
    """
    if rules is None:
        rules = default_rules()
    infos: List[RuleMeta] = []
    for rule in rules:
        if isinstance(rule, RuleMeta):
            infos.append(rule)
        elif isinstance(rule, Mapping):
            infos.append(
                RuleMeta(
                    str(rule["code"]),
                    str(rule.get("name") or ""),
                    str(rule.get("summary") or ""),
                    bool(rule.get("default_enabled", True)),
                )
            )
        else:
            infos.append(
                RuleMeta(
                    str(rule.code),
                    str(getattr(rule, "name", "") or ""),
                    str(getattr(rule, "summary", "") or ""),
                    bool(getattr(rule, "default_enabled", True)),
                )
            )
    return infos


def rules_by_code(rules: Optional[Iterable[Any]] = None) -> Dict[str, RuleMeta]:
    return {info.code: info for info in rule_infos(rules)}


def level_for(code: str) -> str:
    """SARIF level / GitHub command for a code: "error" for AIO001, "warning" otherwise."""
    return "error" if code in ERROR_CODES else "warning"


def _safety(value: Any) -> Optional[str]:
    value = getattr(value, "value", value)  # an Enum member
    if isinstance(value, str) and value.lower() in FIX_SAFETIES:
        return value.lower()
    return None


def fix_info(diagnostic: Diagnostic) -> Tuple[bool, Optional[str]]:
    """(available, safety) of a finding's fix; safety is "safe", "unsafe" or None.

    `Diagnostic` has no fix field yet; when it gains one, any of these shapes is read:
    None (no fix), a bool, a safety string ("safe"/"unsafe") or Enum, a mapping with
    "available"/"safety", or an object with `available`/`safety` attributes.
    """
    fix = getattr(diagnostic, "fix", None)
    if fix is None or fix is False:
        return False, None
    if fix is True:
        return True, None
    if isinstance(fix, Mapping):
        safety = _safety(fix.get("safety"))
        available = bool(fix.get("available", safety is not None))
        return available, safety if available else None
    safety = _safety(fix)
    if safety is not None:
        return True, safety
    if hasattr(fix, "safety") or hasattr(fix, "available"):
        safety = _safety(getattr(fix, "safety", None))
        available = bool(getattr(fix, "available", True))
        return available, safety if available else None
    return bool(fix), None


def relative_to_root(path: str, root: Path) -> Optional[PurePath]:
    """`path` relative to `root`, or None when it lies outside it.

    A relative `path` is taken relative to the current folder, as the engine reports
    paths the way they were given on the command line.
    """
    absolute_root = Path(os.path.abspath(root))
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(absolute_root)
    except ValueError:
        pass
    try:  # the same places reached through a symbolic link
        return Path(os.path.realpath(absolute)).relative_to(os.path.realpath(absolute_root))
    except ValueError:
        return None


def display_path(path: str, root: Path) -> str:
    """The path relative to `root` with `/` separators, or the path as given if outside."""
    relative = relative_to_root(path, root)
    if relative is None:
        return path.replace(os.sep, "/") if os.sep != "/" else path
    return relative.as_posix()
