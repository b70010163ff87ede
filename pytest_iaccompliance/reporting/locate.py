"""The line of a resource in the JSON file it was read from, found when a report asks, not while parsing.

A plan, a state, an export or a hand-written ``*.tf.json`` has no Python line behind it: its own line is
where a reader (and a code-scanning annotation) should land. Parsing keeps no positions (that would slow
every scan down); a report that needs lines reads each file once more and indexes it in one pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Final

from pytest_iaccompliance.model import Finding

__all__ = ["json_lines", "with_lines"]

# `"address": "aws_s3_bucket.b"` (plan, state JSON) and `"urn": "urn:pulumi:..."` (pulumi stack export).
_NAMED: Final = re.compile(r'"(?:address|urn)"\s*:\s*"((?:[^"\\]|\\.)*)"')
# terraform.tfstate: {"module": "module.m", "mode": "managed", "type": "aws_vpc", "name": "main", ...}
_STATE: Final = re.compile(
    r'(?:"module"\s*:\s*"(?P<module>(?:[^"\\]|\\.)*)"\s*,\s*)?"mode"\s*:\s*"(?P<mode>managed|data)"\s*,\s*'
    r'"type"\s*:\s*"(?P<type>(?:[^"\\]|\\.)*)"\s*,\s*"name"\s*:\s*"(?P<name>(?:[^"\\]|\\.)*)"')
# A JSON string (a key when a colon follows) or a bracket: enough to follow a configuration's nesting.
_TOKEN: Final = re.compile(r'"(?:[^"\\]|\\.)*"(?P<key>\s*:)?|[{}\[\]]')
_INDEX: Final = re.compile(r"\[[^\]]*\]$")


def _unquote(text: str) -> str:
    try:
        value = json.loads(text)
    except ValueError:
        return text[1:-1]
    return value if isinstance(value, str) else text[1:-1]


def json_lines(text: str) -> dict[str, int]:
    """The first line naming each resource address (or URN) in a JSON source's text."""
    found: dict[str, int] = {}
    line, last = 1, 0
    for match in _NAMED.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        found.setdefault(_unquote(f'"{match.group(1)}"'), line)
    line, last = 1, 0
    for match in _STATE.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        data = "data." if match["mode"] == "data" else ""
        module = f"{_unquote(chr(34) + match['module'] + chr(34))}." if match["module"] else ""
        found.setdefault(f"{module}{data}{match['type']}.{match['name']}", line)
    if any(f'"{key}"' in text for key in ("resource", "data", "provider", "variable", "terraform")):
        for address, at in _configuration_lines(text).items():
            found.setdefault(address, at)
    return found


def _configuration_lines(text: str) -> dict[str, int]:
    """Declarations of a Terraform JSON configuration by line: ``TYPE.NAME`` and ``data.TYPE.NAME`` resources,
    ``provider.NAME``, ``var.NAME`` and ``terraform.backend.TYPE`` (the addresses configuration entries have)."""
    found: dict[str, int] = {}
    opened: list[str | None] = []  # the key that opened each enclosing object or list
    pending: str | None = None
    line, last = 1, 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{", "["):
            opened.append(pending)
            pending = None
        elif token in ("}", "]"):
            if opened:
                opened.pop()
            pending = None
        elif match["key"] is not None:
            pending = _unquote(token[: token.rindex('"') + 1])
            address = None
            if len(opened) == 3 and opened[1] in ("resource", "data") and opened[2]:
                address = f"{'data.' if opened[1] == 'data' else ''}{opened[2]}.{pending}"
            elif len(opened) == 2 and opened[1] in ("provider", "variable"):
                address = f"{'provider' if opened[1] == 'provider' else 'var'}.{pending}"
            elif len(opened) == 3 and opened[1:] == ["terraform", "backend"]:
                address = f"terraform.backend.{pending}"
            if address is not None:
                line += text.count("\n", last, match.start())
                last = match.start()
                found.setdefault(address, line)
        else:
            pending = None
    return found


def with_lines(findings: Iterable[Finding], read: Mapping[str, str] | None = None,
               indexes: dict[str, dict[str, int] | None] | None = None) -> list[Finding]:
    """Findings of JSON sources given the line of their resource in that file where they have no line yet.

    ``read`` maps a file to its text (for tests); files are otherwise read once each (once across calls that
    share ``indexes``), and a file that can no longer be read leaves its findings as they are: a line is a
    pointer, never a verdict.
    """
    findings = list(findings)
    indexes = {} if indexes is None else indexes
    result: list[Finding] = []
    for finding in findings:
        file = finding.source_file
        if finding.origin_line is not None or not file or not file.endswith(".json"):
            result.append(finding)
            continue
        if file not in indexes:
            indexes[file] = _index(file, read)
        index = indexes[file]
        line = None
        if index:
            line = index.get(finding.address) or index.get(_INDEX.sub("", finding.address))
        if line is None:
            result.append(finding)
            continue
        fields = dict(vars(finding))
        fields["origin_file"], fields["origin_line"] = file, line
        result.append(Finding.from_fields(fields))
    return result


def _index(file: str, read: Mapping[str, str] | None) -> dict[str, int] | None:
    if read is not None:
        text = read.get(file)
        return json_lines(text) if text is not None else None
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            return json_lines(handle.read())
    except OSError:
        return None
