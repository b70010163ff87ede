"""The line of a resource in the JSON file it was read from, found when a report asks, not while parsing.

A plan, a state, an export or a hand-written ``*.tf.json`` has no Python line behind it: its own line is
where a reader (and a code-scanning annotation) should land. Parsing keeps no positions (that would slow
every scan down); a report that needs lines reads each file once more and indexes it in one pass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Final

from pytest_iaccompliance.model import Finding

__all__ = ["address_line", "file_lines", "json_lines", "line_of", "with_lines"]

# `"address": "aws_s3_bucket.b"` (plan, state JSON) and `"urn": "urn:pulumi:..."` (pulumi stack export).
_NAMED: Final = re.compile(r'"(?:address|urn)"\s*:\s*"((?:[^"\\]|\\.)*)"')
# terraform.tfstate: {"module": "module.m", "mode": "managed", "type": "aws_vpc", "name": "main", ...}
_STATE: Final = re.compile(
    r'(?:"module"\s*:\s*"(?P<module>(?:[^"\\]|\\.)*)"\s*,\s*)?"mode"\s*:\s*"(?P<mode>managed|data)"\s*,\s*'
    r'"type"\s*:\s*"(?P<type>(?:[^"\\]|\\.)*)"\s*,\s*"name"\s*:\s*"(?P<name>(?:[^"\\]|\\.)*)"')
_INDEX: Final = re.compile(r"\[[^\]]*\]$")
# An index not read yet (``None`` is a file that could not be read).
_UNREAD: Final[dict[str, int]] = {}


def _unquote(text: str) -> str:
    if "\\" not in text:
        return text[1:-1]
    try:
        value = json.loads(text)
    except ValueError:
        return text[1:-1]
    return value if isinstance(value, str) else text[1:-1]


def json_lines(text: str) -> dict[str, int]:
    """The first line naming each resource address (or URN) in a JSON source's text."""
    found: dict[str, int] = {}
    # A regex scan of a large file costs more than parsing it: each runs only where its keys occur at all.
    named = '"address"' in text or '"urn"' in text
    line, last = 1, 0
    for match in _NAMED.finditer(text) if named else ():
        line += text.count("\n", last, match.start())
        last = match.start()
        found.setdefault(_unquote(f'"{match.group(1)}"'), line)
    line, last = 1, 0
    for match in _STATE.finditer(text) if '"mode"' in text else ():
        line += text.count("\n", last, match.start())
        last = match.start()
        data = "data." if match["mode"] == "data" else ""
        module = f"{_unquote(chr(34) + match['module'] + chr(34))}." if match["module"] else ""
        found.setdefault(f"{module}{data}{match['type']}.{match['name']}", line)
    if any(f'"{key}"' in text for key in ("resource", "data", "provider", "variable", "terraform")):
        for address, at in _configuration_lines(text).items():
            found.setdefault(address, at)
    return found


# Declarations by the keys that lead to them: ``resource``/``data`` TYPE NAME, ``provider`` NAME, ``variable``
# NAME, ``terraform`` ``backend`` TYPE. Everything else, every body included, is skipped by the C scanner.
_DECLARATIONS: Final = {"resource": 2, "data": 2, "provider": 1, "variable": 1, "terraform": 2}
_SCAN_STRING: Final[Callable[[str, int], tuple[str, int]]] = json.decoder.scanstring  # type: ignore[attr-defined]
_SPACE: Final = re.compile(r"[ \t\n\r]*")
_SCAN: Final[Callable[[str, int], tuple[object, int]]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


class _Walk:
    """A shallow walk of a Terraform JSON configuration: only the few levels that declare something are read
    key by key; each value below them is skipped in one call of the C scanner (no Python loop over its
    strings), so a 50,000-resource file is indexed in about the time it takes to parse it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[str, int] = {}
        self.line, self.last = 1, 0

    def at(self, index: int) -> int:
        return _SPACE.match(self.text, index).end()  # type: ignore[union-attr]

    def skip(self, index: int) -> int:
        return int(_SCAN(self.text, index)[1])

    def record(self, address: str, index: int) -> None:
        self.line += self.text.count("\n", self.last, index)
        self.last = index
        self.found.setdefault(address, self.line)

    def members(self, index: int, path: tuple[str, ...]) -> int:
        """The members of the object (or list of objects) at ``index``; the index after it."""
        text = self.text
        if text.startswith("[", index):
            index = self.at(index + 1)
            while not text.startswith("]", index):
                index = self.at(self.members(index, path))
                if text.startswith(",", index):
                    index = self.at(index + 1)
            return index + 1
        if not text.startswith("{", index):
            return self.skip(index)
        index = self.at(index + 1)
        while not text.startswith("}", index):
            key, after = _SCAN_STRING(text, index + 1)
            value = self.at(self.at(after) + 1)  # past the colon
            index = self.at(self.value(key, index, value, path))
            if text.startswith(",", index):
                index = self.at(index + 1)
        return index + 1

    def value(self, key: str, key_at: int, index: int, path: tuple[str, ...]) -> int:
        """Record ``key`` if it declares something at ``path``; descend only where a declaration lies below."""
        depth = len(path)
        if depth == 0:
            return self.members(index, (key,)) if key in _DECLARATIONS else self.skip(index)
        top = path[0]
        wanted = _DECLARATIONS[top]
        if top == "terraform" and (depth == 1 and key != "backend"):
            return self.skip(index)
        if depth < wanted:
            return self.members(index, (*path, key))
        if top in ("resource", "data"):
            self.record(f"{'data.' if top == 'data' else ''}{path[1]}.{key}", key_at)
        elif top == "provider":
            self.record(f"provider.{key}", key_at)
        elif top == "variable":
            self.record(f"var.{key}", key_at)
        else:
            self.record(f"terraform.backend.{key}", key_at)
        return self.skip(index)


def _configuration_lines(text: str) -> dict[str, int]:
    """Declarations of a Terraform JSON configuration by line: ``TYPE.NAME`` and ``data.TYPE.NAME`` resources,
    ``provider.NAME``, ``var.NAME`` and ``terraform.backend.TYPE`` (the addresses configuration entries have).

    A text that is not such a document gives what was found before the walk stopped: a line is a pointer,
    never a verdict.
    """
    walk = _Walk(text)
    try:
        start = walk.at(0)
        if text.startswith("{", start):
            walk.members(start, ())
    except (ValueError, StopIteration, IndexError, RecursionError):
        pass
    return walk.found


def with_lines(findings: Iterable[Finding], read: Mapping[str, str] | None = None,
               indexes: dict[str, dict[str, int] | None] | None = None) -> list[Finding]:
    """Findings of JSON sources given the line of their resource in that file where they have no line yet.

    ``read`` maps a file to its text (for tests); files are otherwise read once each (once across calls that
    share ``indexes``), and a file that can no longer be read leaves its findings as they are: a line is a
    pointer, never a verdict.
    """
    indexes = {} if indexes is None else indexes
    result: list[Finding] = []
    for finding in findings:
        line = line_of(finding, indexes, read)
        if line is None:
            result.append(finding)
            continue
        result.append(finding.at_origin(finding.source_file, line))
    return result


def line_of(finding: Finding, indexes: dict[str, dict[str, int] | None],
            read: Mapping[str, str] | None = None) -> int | None:
    """The line ``with_lines`` would give the finding, without a new finding."""
    if finding.origin_line is not None or not finding.source_file:
        return None
    index = file_lines(finding.source_file, indexes, read)
    return address_line(index, finding.address) if index else None


def file_lines(file: str, indexes: dict[str, dict[str, int] | None],
               read: Mapping[str, str] | None = None) -> dict[str, int] | None:
    """The line of each address in a JSON source (``None`` for any other file, or one that cannot be read),
    read once across the calls that share ``indexes``: a report showing many rows of one file asks once."""
    if not file.endswith(".json"):
        return None
    index = indexes.get(file, _UNREAD)
    if index is _UNREAD:
        index = indexes[file] = _index(file, read)
    return index


def address_line(index: Mapping[str, int], address: str) -> int | None:
    """An address's line in a ``file_lines`` index; ``aws_x.y[2]`` (one of ``count`` copies) is at ``aws_x.y``."""
    return index.get(address) or index.get(_INDEX.sub("", address))


def _index(file: str, read: Mapping[str, str] | None) -> dict[str, int] | None:
    if read is not None:
        text = read.get(file)
        return json_lines(text) if text is not None else None
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            return json_lines(handle.read())
    except OSError:
        return None
