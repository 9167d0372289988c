"""What every rule is: a small class with its metadata and visitor methods.

A rule defines `visit_<NodeType>` / `leave_<NodeType>` methods for the libcst node types
it cares about; the engine calls them during its single traversal of the module. A rule
asks `self.semantic` what names mean and calls `self.report(node, message)`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Optional

import libcst as cst

from ..codes import RULES_BY_CODE, RuleInfo

if TYPE_CHECKING:
    from ..engine import FileContext
    from ..fixes import FixPlan
    from ..semantic import SemanticModel


class Rule:
    """A rule names its code; its name, summary and default state are in codes.py."""

    code: ClassVar[str]

    @classmethod
    def info(cls) -> RuleInfo:
        return RULES_BY_CODE[cls.code]

    def __init__(self, context: "FileContext") -> None:
        self.context = context

    @property
    def semantic(self) -> "SemanticModel":
        return self.context.semantic

    def report(self, node: cst.CSTNode, message: str, fix: Optional["FixPlan"] = None) -> None:
        self.context.report(self.code, node, message, fix)
