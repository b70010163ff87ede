"""Waivers teams already keep for other scanners: Checkov baselines and Trivy ignore files.

Their ids are Checkov or Trivy ids, matched through each policy's equivalent Checkov ids (a waiver's
``policy`` glob matches a finding's policy id or any of its Checkov ids). These formats do not require
a reason or an end date; an entry without one is still imported, with a warning that says which is
missing, so the summary shows what a native waiver would have refused.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pytest_iaccompliance.waivers.file import check_expiry
from pytest_iaccompliance.waivers.model import DEFAULT_MAX_DAYS, Waiver, WaiverError, WaiverSet, reason_problem, today

__all__ = ["parse_checkov_baseline", "parse_trivyignore", "parse_trivyignore_yaml"]


def _warning(reason: str | None, expires: date | None) -> str | None:
    missing = [what for what, value in (("reason", reason), ("expiry", expires)) if value is None]
    return f"imported without {' or '.join(missing)}" if missing else None


def _imported(policy: str, origin: str, *, reason: str | None, expires: date | None, source: str | None = None,
              address: str = "*") -> Waiver:
    if reason is not None and reason_problem(reason):
        reason = None
    return Waiver(policy=policy, address=address, reason=reason or "no reason recorded", expires=expires,
                  origin=origin, source=source, warning=_warning(reason, expires))


def parse_checkov_baseline(text: str, file: str, *, on: date | None = None) -> WaiverSet:
    """``checkov --create-baseline`` output: per file, resources and the check ids they failed.

    Checkov names files from the folder it scanned (``/cdktf.out/stacks/app/cdk.tf.json``); read as
    relative to the rootdir, so the file stays part of the match (checkov#7647).
    """
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise WaiverError(file, f"is not valid JSON: {exc}") from None
    checks = document.get("failed_checks") if isinstance(document, Mapping) else None
    if not isinstance(checks, list):
        raise WaiverError(file, "is not a Checkov baseline: expected an object with a `failed_checks` list")
    waivers: list[Waiver] = []
    for number, entry in enumerate(checks, start=1):
        origin = f"{file}: failed_checks {number}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("file"), str):
            raise WaiverError(origin, "expects an object with a `file` path", "file")
        findings = entry.get("findings")
        if not isinstance(findings, list):
            raise WaiverError(origin, "expects a list", "findings")
        source = glob.escape(entry["file"].lstrip("/"))
        for index, finding in enumerate(findings, start=1):
            where = f"{origin}: finding {index}"
            if not isinstance(finding, Mapping) or not isinstance(finding.get("resource"), str):
                raise WaiverError(where, "expects a resource address", "resource")
            ids = finding.get("check_ids")
            if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
                raise WaiverError(where, "expects a list of check ids", "check_ids")
            for check_id in ids:
                waivers.append(_imported(glob.escape(check_id), f"{where} ({check_id})", reason=None, expires=None,
                                         source=source, address=glob.escape(finding["resource"])))
    return WaiverSet(waivers, on=on)


def parse_trivyignore(text: str, file: str, *, on: date | None = None,
                      max_days: int = DEFAULT_MAX_DAYS) -> WaiverSet:
    """``.trivyignore``: one id a line, optionally ``exp:YYYY-MM-DD``; the comment lines right above an
    id are taken as its reason."""
    on = on or today()
    waivers: list[Waiver] = []
    comments: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            comments = []
            continue
        if line.startswith("#"):
            comments.append(line.lstrip("#").strip())
            continue
        origin = f"{file}: line {number}"
        rule_id, *rest = line.split("#", 1)[0].split()
        expires: date | None = None
        for word in rest:
            if not word.startswith("exp:"):
                raise WaiverError(origin, f"unexpected {word!r} after the id (only exp:YYYY-MM-DD is read)")
            expires = check_expiry(word[4:], origin, on=on, max_days=max_days)
        reason = " ".join(c for c in comments if c) or None
        waivers.append(_imported(glob.escape(rule_id), f"{origin} ({rule_id})", reason=reason, expires=expires))
        comments = []
    return WaiverSet(waivers, on=on)


def parse_trivyignore_yaml(text: str, file: str, *, on: date | None = None,
                           max_days: int = DEFAULT_MAX_DAYS) -> WaiverSet:
    """``.trivyignore.yaml``: its ``misconfigurations`` entries (``id``, ``paths``, ``statement``,
    ``expired_at``); other sections concern other scanners and are not read."""
    try:
        import yaml  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - PyYAML comes with policy_sentry
        raise WaiverError(file, "reading .trivyignore.yaml needs PyYAML") from None
    on = on or today()
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WaiverError(file, f"is not valid YAML: {str(exc).splitlines()[0]}") from None
    if document is None:
        return WaiverSet(on=on)
    if not isinstance(document, Mapping):
        raise WaiverError(file, "expects a mapping with a `misconfigurations` list")
    entries = document.get("misconfigurations")
    entries = [] if entries is None else entries
    if not isinstance(entries, list):
        raise WaiverError(file, "expects a list", "misconfigurations")
    waivers: list[Waiver] = []
    for number, entry in enumerate(entries, start=1):
        origin = f"{file}: misconfigurations {number}"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str) or not entry["id"].strip():
            raise WaiverError(origin, "is required (the Trivy or Checkov id)", "id")
        rule_id = entry["id"].strip()
        expires = (check_expiry(entry["expired_at"], origin, on=on, max_days=max_days)
                   if entry.get("expired_at") is not None else None)
        statement = entry.get("statement")
        if statement is not None and not isinstance(statement, str):
            raise WaiverError(origin, "expects text", "statement")
        paths = entry.get("paths") or [None]
        if not isinstance(paths, list) or not all(p is None or isinstance(p, str) for p in paths):
            raise WaiverError(origin, "expects a list of paths", "paths")
        for path in paths:
            waivers.append(_imported(glob.escape(rule_id), f"{origin} ({rule_id})", reason=statement,
                                     expires=expires, source=path))
    return WaiverSet(waivers, on=on)


def read_any(path: Path, *, label: str | None = None, on: date | None = None,
             max_days: int = DEFAULT_MAX_DAYS) -> WaiverSet:
    """A waiver file by its name: ``.trivyignore``, ``.trivyignore.yaml``/``.yml``, a Checkov baseline
    (``*.baseline``), otherwise the TOML waiver file."""
    from pytest_iaccompliance.waivers.file import read_waivers

    name = path.name.lower()
    file = label or str(path)
    if not (name == ".trivyignore" or name.endswith((".baseline", ".trivyignore.yaml", ".trivyignore.yml"))):
        return read_waivers(path, label=file, on=on, max_days=max_days)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WaiverError(file, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise WaiverError(file, "is not UTF-8 text") from None
    if name == ".trivyignore":
        return parse_trivyignore(text, file, on=on, max_days=max_days)
    if name.endswith(".baseline"):
        return parse_checkov_baseline(text, file, on=on)
    return parse_trivyignore_yaml(text, file, on=on, max_days=max_days)
