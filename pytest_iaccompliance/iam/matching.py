"""IAM's wildcard matching: ``*`` and ``?`` in actions (any case) and in ARNs (per segment)."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "action_matches",
    "any_action_matches",
    "arn_matches",
    "glob_matches",
    "policy_variables",
    "substitute",
]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_POLICY_VARIABLE = re.compile(r"\$\{(?:[*?$]|[A-Za-z0-9.-]+:[^}]+)\}")
"""``${aws:username}``, ``${s3:prefix}``, ``${www.amazon.com:user_id}`` and the escapes ``${*}``,
``${?}``, ``${$}``; a Terraform reference such as ``${aws_s3_bucket.b.arn}`` names no ``service:``."""


def policy_variables(text: str) -> list[str]:
    """The IAM policy variables a value names (not Terraform's ``${...}`` references)."""
    return _POLICY_VARIABLE.findall(text) if "${" in text else []


@functools.lru_cache(maxsize=8192)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``*`` is any run of characters, ``?`` exactly one (StringLike, resource segments)."""
    if pattern == "*":
        return True
    return _compile(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Action names are case-insensitive: ``S3:get*`` covers ``s3:GetObject``."""
    return glob_matches(pattern, action, ignore_case=True)


def any_action_matches(patterns: Iterable[str], action: str) -> bool:
    return any(action_matches(p, action) for p in patterns)


def arn_matches(pattern: str, arn: str) -> bool:
    """ARN matching as IAM does it: each of the six colon-separated segments on its own.

    The resource segment (the sixth) keeps any further colons, so ``log-group:*`` covers
    ``log-group:x:log-stream:y``; a pattern that is not an ARN is compared as a whole.
    """
    if pattern == "*":
        return True
    if pattern.startswith("arn:") and arn.startswith("arn:"):
        wanted = pattern.split(":", 5)
        actual = arn.split(":", 5)
        if len(wanted) != 6 or len(actual) != 6:
            return glob_matches(pattern, arn)
        return all(glob_matches(w, a) for w, a in zip(wanted, actual, strict=False))
    return glob_matches(pattern, arn)


def substitute(text: str, context: Mapping[str, Any]) -> str | None:
    """Policy variables (``${aws:username}``) filled from the request; ``None`` if missing."""
    if "${" not in text:
        return text
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        if name in ("*", "?", "$"):
            return name
        key, _, default = name.partition(",")
        value = lookup(context, key.strip())
        if value is None:
            fallback = default.strip().strip("'") if default else None
            if fallback is None:
                missing = True
                return ""
            return fallback
        return str(value[0] if isinstance(value, (list, tuple)) and value else value)

    result = _VARIABLE.sub(replace, text)
    return None if missing else result


def lookup(context: Mapping[str, Any], key: str) -> Any:
    """A context value by key; condition keys are case-insensitive."""
    if key in context:
        return context[key]
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return value
    return None
