"""``.env`` files beside the IaC sources: which variables they set, never what to.

A value is read once, to tell whether it is empty and whether it has a credential's form (an AWS key,
a private key); only those facts are kept, so no report, error or cache can ever hold the value.
"""

from __future__ import annotations

import re
from pathlib import Path

from pytest_iaccompliance.model import DOTENV, ResourceSet, SourceLocation, config_entry, credential_forms

__all__ = ["KIND_DOTENV", "is_dotenv", "load_file"]

KIND_DOTENV = "dotenv"
# Templates hold names and placeholders, meant to be committed.
_TEMPLATES = frozenset({"example", "sample", "template", "dist", "defaults", "schema"})
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?P<value>.*)$")


def is_dotenv(path: Path) -> bool:
    """``.env``, ``.env.local``, ``.env.production``; not ``.env.example`` and other templates."""
    name = path.name
    if name == ".env":
        return True
    if not name.startswith(".env."):
        return False
    return not _TEMPLATES.intersection(name[len(".env."):].lower().split("."))


def _unquoted(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value


def load_file(path: Path, data: bytes) -> ResourceSet:
    from pytest_iaccompliance.sources import SourceError

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(path, "is not UTF-8 text") from None
    variables: dict[str, bool] = {}
    forms: dict[str, list[str]] = {}
    lines = iter(enumerate(text.splitlines(), start=1))
    for number, line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ASSIGNMENT.match(line)
        if match is None:
            raise SourceError(path, f"line {number} is not a NAME=value assignment")
        value = match["value"]
        quote = value.strip()[:1]
        if quote and quote in "'\"" and value.strip().count(quote) == 1:  # a quoted value over several lines
            parts = [value]
            for _, more in lines:
                parts.append(more)
                if quote in more:
                    break
            else:
                raise SourceError(path, f"line {number}: the quoted value of {match['name']} is never closed")
            value = "\n".join(parts)
        value = _unquoted(value)
        variables[match["name"]] = bool(value)
        found = credential_forms(value)
        if found:
            forms[match["name"]] = found
    entry = config_entry(DOTENV, path.name, path.name, {"variables": variables, "credential_forms": forms},
                         SourceLocation(KIND_DOTENV, str(path), path.name))
    return ResourceSet((), name=path.name, metadata={"kind": KIND_DOTENV}, configuration=[entry])
