"""`asynclint --explain CODE` (also `asynclint rule CODE`): a rule's documentation page.

The pages are docs/rules/CODE.md. A checkout reads them there; a wheel carries them as
package data in asynclint/_docs/rules/ (pyproject.toml maps that folder to docs/rules,
so there is one copy). Should neither be found, the rule's summary and the address of
its page stand in.
"""
from __future__ import annotations

from .codes import RULES, RuleInfo


class UnknownRule(LookupError):
    pass


def find_rule(code_or_name: str) -> RuleInfo:
    """The rule with this code (any case) or name (`AIO100`, `aio100`, `blocking-sleep`)."""
    wanted = code_or_name.strip()
    for rule in RULES:
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    raise UnknownRule(f"unknown rule {code_or_name!r} (`asynclint --list-rules` lists them)")


def explain(code_or_name: str) -> str:
    """The Markdown page of the rule, or its summary and where the page is online."""
    from .reporters.sarif import docs_url, find_rule_doc

    rule = find_rule(code_or_name)
    page = find_rule_doc(rule.code)
    if page is not None:
        return page
    default = "on" if rule.default_enabled else "off"
    return f"# {rule.code} {rule.name}\n\n{rule.summary} (default: {default}).\n\nThe full page: {docs_url(rule.code)}\n"
