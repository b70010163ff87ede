"""The HTML compliance report: one self-contained page an auditor opens, rendered from the JSON manifest.

The page is a pure rendering of the manifest (``build_manifest``'s dict), so every count it shows is the
manifest's count. It is one file with its styles, script and chart inline and a Content Security Policy
that forbids loading anything, so it opens from a CI artifact on an air-gapped laptop without a request
to any address. A policy lists a bounded number of its resources as rows; the rest travel as JSON inside
the page and become rows only when the reader asks ("show all"), so a 50,000-resource report stays quick
to write and to open.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Final

from pytest_iaccompliance.model import Finding, FindingStatus, paused_gc
from pytest_iaccompliance.reporting.locate import address_line
from pytest_iaccompliance.reporting.sections import STATUSES, sections_of

__all__ = ["DEFAULT_ROWS", "findings_fragment", "render_findings_html", "render_html", "summary_fragment",
           "write_findings_html", "write_html"]

# Rows a policy shows before "show all": enough to read, few enough that the page opens at any size.
DEFAULT_ROWS: Final = 50

# Statuses as a reader names them; rows are listed in this order (what needs attention first).
STATUS_LABEL: Final = {
    "failed": "failed",
    "unknown": "cannot evaluate",
    "waived": "waived",
    "baselined": "baselined",
    "passed": "passed",
}
# The coverage matrix's columns; baselined joins them only when a run has baselined findings.
_MATRIX: Final = ("passed", "failed", "unknown", "waived")
_SEVERITIES: Final = ("critical", "warning")
# A status's text without the enum's attribute lookup (a row per finding reads it).
_STATUS_TEXT: Final = {status: status.value for status in FindingStatus}
_EXPIRED: Final = "expired "
_LT: Final = "\\u003c"
# pytest's exit codes, as a reader of the verdict needs them.
_EXIT: Final = {0: "all tests passed", 1: "tests failed", 2: "interrupted", 3: "internal error",
                4: "usage error", 5: "no tests collected"}


# A row's cells: status, address, resource type, source file, the user's line, location, message, waiver.
# Each is text, except the user's line, which may be a number: that line of the row's own source file.
_Cells = list[Any]


@dataclass
class _Policy:
    """One policy's findings from the manifest, with what its block shows."""

    id: str
    title: str
    severity: str
    controls: tuple[str, ...]
    checkov_ids: tuple[str, ...]
    # Rows of some of its findings as cells (``_Cells``); findings are manifest dicts or ``Finding`` objects.
    rows: Callable[[Sequence[Any]], list[_Cells]]
    # Findings by status, each list in manifest order: rows read in ``STATUS_LABEL`` order without a sort.
    by_status: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {status: len(findings) for status, findings in self.by_status.items()}

    def ordered(self) -> list[Any]:
        """What needs attention first: failed, cannot evaluate, waived, baselined, passed."""
        known = [s for s in STATUS_LABEL if s in self.by_status]
        other = [s for s in self.by_status if s not in STATUS_LABEL]
        return [finding for status in (*known, *other) for finding in self.by_status[status]]


def render_html(manifest: Mapping[str, Any], *, remediation: Mapping[str, str] | None = None,
                environment: Mapping[str, str] | None = None, max_rows: int = DEFAULT_ROWS) -> str:
    """The page for one manifest. ``remediation`` (policy id to text) and ``environment`` (name to version)
    add what the manifest does not carry; a policy the manifest describes itself wins over ``remediation``."""
    with paused_gc():  # a large report builds a list per finding: none holds a cycle
        return _render(manifest, _policies(manifest.get("findings") or ()), remediation or {}, environment or {},
                       max_rows)


def render_findings_html(head: Mapping[str, Any], findings: Iterable[Finding], *,
                         lines: Callable[[str], Mapping[str, int] | None] | None = None,
                         remediation: Mapping[str, str] | None = None, environment: Mapping[str, str] | None = None,
                         max_rows: int = DEFAULT_ROWS) -> str:
    """The page ``render_html`` draws for a manifest, drawn from the findings themselves and the manifest's
    head (``manifest_head``): a large run's page then costs no dict per finding. ``findings`` are given without
    duplicates (``dict.fromkeys``), as the head counted them; ``lines`` gives a source file's index of lines
    (``locate.file_lines``), for rows whose finding has no line of its own."""
    with paused_gc():
        policies = _finding_policies(findings, lines or _no_lines)
        return _render(head, policies, remediation or {}, environment or {}, max_rows)


def _render(manifest: Mapping[str, Any], policies: Mapping[str, _Policy], remediation: Mapping[str, str],
            environment: Mapping[str, str], max_rows: int) -> str:
    fixes = dict(remediation)
    for policy_id, described in (manifest.get("policies") or {}).items():
        if isinstance(described, Mapping) and described.get("remediation"):
            fixes[policy_id] = str(described["remediation"])
    sections = _section_rows(manifest, policies)
    parts = [
        _HEAD,
        '<header><h1>Infrastructure compliance report</h1>',
        _verdict(manifest),
        "</header><main>",
        _run_facts(manifest, policies, environment),
        _errors(manifest.get("errors") or ()),
        _coverage(sections),
        _waivers(manifest),
        _filters(sections, policies),
        '<section id="policies"><h2>Policies</h2>',
        '<p id="shown" class="muted"></p>',
        *(_policy_block(policy, fixes.get(policy.id, ""), max_rows) for policy in _ordered(policies)),
        "</section></main>",
        f"<script>{_SCRIPT}</script></body></html>\n",
    ]
    return "".join(parts)


def write_html(path: Path, manifest: Mapping[str, Any], *, remediation: Mapping[str, str] | None = None,
               environment: Mapping[str, str] | None = None, max_rows: int = DEFAULT_ROWS) -> None:
    from pytest_iaccompliance.reporting.manifest import write_text

    write_text(path, render_html(manifest, remediation=remediation, environment=environment, max_rows=max_rows))


def write_findings_html(path: Path, head: Mapping[str, Any], findings: Iterable[Finding], *,
                        lines: Callable[[str], Mapping[str, int] | None] | None = None,
                        remediation: Mapping[str, str] | None = None, environment: Mapping[str, str] | None = None,
                        max_rows: int = DEFAULT_ROWS) -> None:
    from pytest_iaccompliance.reporting.manifest import write_text

    write_text(path, render_findings_html(head, findings, lines=lines, remediation=remediation,
                                          environment=environment, max_rows=max_rows))


def summary_fragment(manifest: Mapping[str, Any]) -> str:
    """The verdict and the coverage by framework section, to sit inside another page (pytest-html's summary);
    the manifest's head (``manifest_head``) is enough."""
    policies = _policies(manifest.get("findings") or ())
    return (f'<div class="iac-compliance"><style>{_FRAGMENT_CSS}</style><h2>Compliance</h2>{_verdict(manifest)}'
            f"{_coverage(_section_rows(manifest, policies))}</div>")


def findings_fragment(findings: Iterable[Finding], max_rows: int = DEFAULT_ROWS) -> str:
    """One test's findings as a table per policy, to sit inside another page (a pytest-html result row)."""
    policies = _finding_policies(dict.fromkeys(findings), _no_lines)
    tables = []
    for policy in policies.values():
        ordered = policy.ordered()
        rows = "".join(map(_row, policy.rows(ordered[:max_rows])))
        more = (f'<p class="muted">{len(ordered) - max_rows} more resources: every one is in the JSON manifest '
                "and the HTML compliance report</p>" if len(ordered) > max_rows else "")
        heading = (f'<p><b>{_e(policy.id)}</b> {_e(policy.title)}</p>' if len(policies) > 1 else "")
        tables.append(f'{heading}<table class="rows"><thead><tr><th>status</th><th>resource</th><th>source</th>'
                      "<th>location</th><th>message</th><th>waiver</th></tr></thead>"
                      f"<tbody>{rows}</tbody></table>{more}")
    return f'<div class="iac-compliance"><style>{_FRAGMENT_CSS}</style>{"".join(tables)}</div>'


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _policies(findings: Iterable[Mapping[str, Any]]) -> dict[str, _Policy]:
    policies: dict[str, _Policy] = {}
    for finding in findings:
        policy_id = str(finding["policy_id"])
        policy = policies.get(policy_id)
        if policy is None:
            policy = policies[policy_id] = _Policy(
                policy_id, str(finding.get("title") or ""), str(finding["severity"]),
                tuple(finding.get("controls") or ()), tuple(finding.get("checkov_ids") or ()), _dict_rows)
        status = str(finding["status"])
        group = policy.by_status.get(status)
        if group is None:
            group = policy.by_status[status] = []
        group.append(finding)
    return policies


def _finding_policies(findings: Iterable[Finding],
                      lines: Callable[[str], Mapping[str, int] | None]) -> dict[str, _Policy]:
    """``_policies`` of ``Finding`` objects; each status's rows ordered by source and address, as the
    manifest orders them. ``lines`` gives a source file's ``locate.file_lines`` index."""
    def rows(group: Sequence[Finding]) -> list[_Cells]:
        # One loop with the index of the last file at hand: a large page has a hundred thousand rows.
        result: list[_Cells] = []
        last_file: str | None = None
        index: Mapping[str, int] | None = None
        for finding in group:
            file = finding.source_file
            user_line: str | int = ""
            if finding.origin_file:
                user_line = (f"{finding.origin_file}:{finding.origin_line}" if finding.origin_line
                             else finding.origin_file)
            elif file and finding.origin_line is None:
                if file != last_file:
                    last_file, index = file, lines(file)
                if index:  # the line in the row's own source file, as a number (see ``_Cells``)
                    user_line = address_line(index, finding.address) or ""
            result.append([_STATUS_TEXT[finding.status], finding.address, finding.resource_type or "", file or "",
                           user_line, finding.location or "", finding.message or "", finding.waiver or ""])
        return result

    policies: dict[str, _Policy] = {}
    for finding in findings:
        policy = policies.get(finding.policy_id)
        if policy is None:
            policy = policies[finding.policy_id] = _Policy(
                finding.policy_id, finding.title or "", finding.severity.value, tuple(finding.controls),
                tuple(finding.checkov_ids), rows)
        status = _STATUS_TEXT[finding.status]
        group = policy.by_status.get(status)
        if group is None:
            group = policy.by_status[status] = []
        group.append(finding)
    for policy in policies.values():
        for group in policy.by_status.values():
            group.sort(key=_source_and_address)
    return policies


def _source_and_address(finding: Finding) -> tuple[str, str]:
    return (str(finding.source_file), finding.address)


def _ordered(policies: Mapping[str, _Policy]) -> list[_Policy]:
    """Policies that need attention first, critical before warning, then by id."""
    def key(policy: _Policy) -> tuple[int, int, str]:
        open_ = policy.counts.get("failed", 0) + policy.counts.get("unknown", 0)
        return (0 if open_ else 1, _SEVERITIES.index(policy.severity) if policy.severity in _SEVERITIES else 2,
                policy.id)
    return sorted(policies.values(), key=key)


def _section_rows(manifest: Mapping[str, Any], policies: Mapping[str, _Policy]) -> list[dict[str, Any]]:
    """The manifest's totals by framework section when it has them; else the same totals from its findings,
    counted by ``sections`` as the manifest counts them (a finding once per section)."""
    given = manifest.get("sections")
    if isinstance(given, list):
        return [dict(row) for row in given if isinstance(row, Mapping)]
    rows: dict[Any, dict[str, Any]] = {}
    for policy in policies.values():
        for section in sections_of(policy.controls):
            row = rows.get(section)
            if row is None:
                row = rows[section] = {**section.to_dict(), "totals": dict.fromkeys(STATUSES, 0)}
            for status, count in policy.counts.items():
                row["totals"][status] = row["totals"].get(status, 0) + count
    return [rows[section] for section in sorted(rows)]


def _verdict(manifest: Mapping[str, Any]) -> str:
    verdict = manifest.get("verdict") or {}
    exit_status = manifest.get("exit_status")
    failing = any(isinstance(verdict.get(s), Mapping) and verdict[s].get("fails_session") for s in _SEVERITIES)
    passed = exit_status == 0
    tone = "ok" if passed else "bad" if failing or exit_status not in (None, 5) else "warn"
    meaning = _EXIT.get(exit_status, "unknown") if isinstance(exit_status, int) else "not recorded"
    cells = [f'<div class="verdict {tone}" id="verdict"><div class="big">'
             f'{"PASSED" if passed else "FAILED" if tone == "bad" else "INCOMPLETE"}</div>'
             f'<div>exit status <b>{_e(exit_status)}</b> ({_e(meaning)})</div></div>']
    for severity in _SEVERITIES:
        entry = verdict.get(severity)
        if not isinstance(entry, Mapping):
            continue
        limit = entry.get("limit")
        count = int(entry.get("failed") or 0)
        state = ("fails the session" if entry.get("fails_session") else "tolerated" if count else "within limit")
        tone = "bad" if entry.get("fails_session") else "warn" if count else "ok"
        cells.append(f'<div class="verdict {tone}" data-severity="{_e(severity)}"><div class="big">{count}</div>'
                     f'<div>{_e(severity)} failures (limit {_e("none" if limit is None else limit)}): '
                     f'{_e(state)}</div></div>')
    ordinary = verdict.get("ordinary_failures")
    if ordinary:
        cells.append(f'<div class="verdict bad"><div class="big">{int(ordinary)}</div>'
                     "<div>other test failures</div></div>")
    return f'<div class="verdicts">{"".join(cells)}</div>'


def _run_facts(manifest: Mapping[str, Any], policies: Mapping[str, _Policy],
               environment: Mapping[str, str]) -> str:
    tool = manifest.get("tool") or {}
    facts = [("generated", manifest.get("generated_at")),
             (str(tool.get("name") or "pytest-iaccompliance"), tool.get("version")),
             ("manifest version", manifest.get("manifest_version")),
             *sorted(environment.items())]
    shown = "".join(f'<span class="fact"><span class="muted">{_e(name)}</span> {_e(value)}</span>'
                    for name, value in facts if value is not None)
    totals = manifest.get("totals") or {}
    counted = " ".join(f'<span class="badge s-{status}">{_e(totals[status])} {_e(label)}</span>'
                       for status, label in STATUS_LABEL.items() if totals.get(status))
    return (f'<section id="run"><h2>Run</h2><p class="facts">{shown}</p>'
            f'<p id="totals">{len(policies)} policies, {sum(int(v) for v in totals.values())} findings: {counted}</p>'
            f"{_sources(manifest, policies)}</section>")


def _sources(manifest: Mapping[str, Any], policies: Mapping[str, _Policy]) -> str:
    """The sources with their content hashes when the manifest lists them; else the files its findings name."""
    given = manifest.get("sources")
    rows: list[str] = []
    if isinstance(given, list) and given:
        for source in given:
            if not isinstance(source, Mapping):
                continue
            digest = source.get("sha256") or source.get("hash") or ""
            rows.append(f'<tr><td class="mono">{_e(source.get("path") or source.get("file"))}</td>'
                        f'<td>{_e(source.get("kind") or "")}</td><td class="mono hash">{_e(digest)}</td></tr>')
    else:
        files = sorted({str(source) for p in policies.values() for group in p.by_status.values()
                        for finding in group if (source := _source_file(finding))})
        rows = [f'<tr><td class="mono">{_e(file)}</td><td></td><td class="muted">not recorded</td></tr>'
                for file in files]
    if not rows:
        return '<p class="muted">No source was scanned.</p>'
    return ('<h3>Sources scanned</h3><table class="sources"><thead><tr><th>source</th><th>kind</th>'
            f'<th>content hash (SHA-256)</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _source_file(finding: Finding | Mapping[str, Any]) -> object:
    """A finding's source file, read without making its row (a row would index the file's lines)."""
    return finding.get("source_file") if isinstance(finding, Mapping) else finding.source_file


def _errors(errors: Sequence[Mapping[str, Any]]) -> str:
    if not errors:
        return ""
    items = "".join(f'<li><span class="mono">{_e(e.get("nodeid") or e.get("file"))}</span>: {_e(e.get("message"))}'
                    "</li>" for e in errors)
    return (f'<section id="errors" class="alert"><h2>Errors</h2><p>The run stopped before judging everything:'
            f"</p><ul>{items}</ul></section>")


def _columns(sections: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    baselined = any((row.get("totals") or {}).get("baselined") for row in sections)
    return (*_MATRIX, "baselined") if baselined else _MATRIX


def _coverage(sections: Sequence[Mapping[str, Any]]) -> str:
    if not sections:
        return ('<section id="coverage"><h2>Coverage by framework section</h2>'
                '<p class="muted">No finding names a control of a framework.</p></section>')
    columns = _columns(sections)
    head = "".join(f'<th class="num">{_e(STATUS_LABEL[c])}</th>' for c in columns)
    rows = []
    for row in sections:
        totals = row.get("totals") or {}
        cells = "".join(f'<td class="num s-{c}{" zero" if not totals.get(c) else ""}">{int(totals.get(c) or 0)}</td>'
                        for c in columns)
        title = f' <span class="muted small">{_e(row["title"])}</span>' if row.get("title") else ""
        rows.append(f'<tr data-section="{_e(row.get("section"))}"><th title="{_e(row.get("framework"))}">'
                    '<button type="button" class="link" title="show only this section\'s policies">'
                    f'{_e(row.get("label") or row.get("section"))}</button>{title}</th>{cells}'
                    f'<td class="num">{sum(int(v or 0) for v in totals.values())}</td></tr>')
    return (f'<section id="coverage"><h2>Coverage by framework section</h2><div class="cols">'
            f'<table id="matrix"><thead><tr><th>section</th>{head}<th class="num">total</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{_chart(sections, columns)}</div></section>')


_COLOURS: Final = {"passed": "#2e7d32", "failed": "#c62828", "unknown": "#ef6c00", "waived": "#1565c0",
                   "baselined": "#6a1b9a"}


def _chart(sections: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """One stacked bar per section, each status its share of the section's findings: the gaps show as colour."""
    label_w, bar_w, bar_h, gap, top = 150, 360, 16, 6, 24
    height = top + len(sections) * (bar_h + gap) + 4
    parts = [f'<svg id="chart" role="img" aria-label="findings by framework section and status" '
             f'viewBox="0 0 {label_w + bar_w + 60} {height}" preserveAspectRatio="xMinYMin meet" '
             'xmlns="http://www.w3.org/2000/svg">']
    x = label_w
    for column in columns:  # the legend
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{_COLOURS[column]}"/>'
                     f'<text x="{x + 14}" y="13" class="legend">{_e(STATUS_LABEL[column])}</text>')
        x += 14 + 7 * len(STATUS_LABEL[column]) + 12
    for index, row in enumerate(sections):
        totals = row.get("totals") or {}
        total = sum(int(totals.get(c) or 0) for c in columns)
        y = top + index * (bar_h + gap)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end">{_e(row.get("section"))}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{bar_h}" class="track"/>')
        x_at = float(label_w)
        for column in columns:
            count = int(totals.get(column) or 0)
            if not count or not total:
                continue
            width = bar_w * count / total
            parts.append(f'<rect class="bar" data-status="{column}" x="{x_at:.2f}" y="{y}" width="{width:.2f}" '
                         f'height="{bar_h}" fill="{_COLOURS[column]}"><title>{_e(row.get("label"))}: {count} '
                         f'{_e(STATUS_LABEL[column])} of {total}</title></rect>')
            x_at += width
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + bar_h - 4}">{total}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _waivers(manifest: Mapping[str, Any]) -> str:
    """Waivers the manifest reports (expired, stale, used) and the baseline's state, when it has them."""
    waivers = manifest.get("waivers")
    blocks = []
    if isinstance(waivers, Mapping):
        for kind, title, tone in (("expired", "Expired waivers: they no longer waive, their findings count", "bad"),
                                  ("stale", "Stale waivers: they matched no finding, remove them", "warn"),
                                  ("used", "Waivers used", "")):
            entries = waivers.get(kind) or []
            if not entries:
                continue
            rows = "".join(_waiver_row(entry) for entry in entries)
            blocks.append(f'<h3 class="{tone}">{_e(title)} ({len(entries)})</h3><table class="waivers {tone}" '
                          f'data-kind="{kind}"><thead><tr><th>waiver</th><th>policy</th><th>resource</th>'
                          f"<th>reason</th><th>owner</th><th>expires</th></tr></thead><tbody>{rows}</tbody></table>")
    baseline = manifest.get("baseline")
    if isinstance(baseline, Mapping):
        fixed = baseline.get("fixed") or []
        facts = [("baseline", baseline.get("path")), ("entries", baseline.get("entries")),
                 ("baselined findings", baseline.get("baselined")), ("new findings", baseline.get("new")),
                 ("fixed since the baseline", len(fixed) if baseline.get("fixed") is not None else None)]
        shown = "".join(f'<span class="fact"><span class="muted">{_e(name)}</span> {_e(value)}</span>'
                        for name, value in facts if value is not None)
        listed = "".join(f'<li class="mono">{_e(entry)}</li>' for entry in fixed)
        blocks.append(f'<h3>Baseline</h3><p class="facts" id="baseline">{shown}</p>'
                      + (f"<ul>{listed}</ul>" if listed else ""))
    if not blocks:
        return ""
    return f'<section id="waivers"><h2>Waivers and baseline</h2>{"".join(blocks)}</section>'


def _waiver_row(entry: object) -> str:
    if not isinstance(entry, Mapping):
        return f'<tr><td colspan="6">{_e(entry)}</td></tr>'
    return "".join([
        f'<tr><td class="mono">{_e(entry.get("origin"))}</td><td class="mono">{_e(entry.get("policy"))}</td>',
        f'<td class="mono">{_e(entry.get("address"))}</td><td>{_e(entry.get("reason"))}</td>',
        f'<td>{_e(entry.get("owner"))}</td><td>{_e(entry.get("expires"))}</td></tr>',
    ])


def _filters(sections: Sequence[Mapping[str, Any]], policies: Mapping[str, _Policy]) -> str:
    severities = [s for s in _SEVERITIES if any(p.severity == s for p in policies.values())]
    statuses = [s for s in STATUS_LABEL if any(p.counts.get(s) for p in policies.values())]
    boxes = "".join(f'<label><input type="checkbox" name="severity" value="{s}" checked> {s}</label>'
                    for s in severities)
    status_boxes = "".join(f'<label><input type="checkbox" name="status" value="{s}" checked> '
                           f"{_e(STATUS_LABEL[s])}</label>" for s in statuses)
    options = "".join(f'<option value="{_e(row.get("section"))}">{_e(row.get("label") or row.get("section"))}'
                      "</option>" for row in sections)
    return (f'<form id="filters" class="noprint" onsubmit="return false"><fieldset><legend>severity</legend>{boxes}'
            f"</fieldset><fieldset><legend>status</legend>{status_boxes}</fieldset><fieldset><legend>framework section"
            f'</legend><select name="section"><option value="">all sections</option>{options}</select></fieldset>'
            "</form>")


def _policy_block(policy: _Policy, remediation: str, max_rows: int) -> str:
    findings = policy.ordered()
    shown, rest = findings[:max_rows], findings[max_rows:]
    statuses = " ".join(s for s in STATUS_LABEL if policy.counts.get(s))
    keys = "|".join(section.key for section in sections_of(policy.controls))
    counts = " ".join(f'<span class="badge s-{s}">{policy.counts[s]} {_e(STATUS_LABEL[s])}</span>'
                      for s in STATUS_LABEL if policy.counts.get(s))
    attention = policy.counts.get("failed", 0) + policy.counts.get("unknown", 0)
    meta = [("controls", ", ".join(policy.controls)), ("Checkov", ", ".join(policy.checkov_ids)),
            ("remediation", remediation)]
    described = "".join(f"<dt>{name}</dt><dd>{_e(value)}</dd>" for name, value in meta if value)
    body = "".join(map(_row, policy.rows(shown)))
    more = ""
    if rest:
        data = json.dumps(_packed(policy.rows(rest)), separators=(",", ":"), ensure_ascii=False)
        # Inside <script>, only "</" could end the element early: no "<" survives in the JSON text.
        data = data.replace("<", _LT)
        more = (f'<script type="application/json" class="rest">{data}</script>'
                f'<p class="more"><button type="button" class="show-all">show all {len(findings)} resources</button> '
                f'<span class="muted">({len(rest)} more not listed here; every one is in the JSON manifest)</span></p>')
    return (f'<section class="policy sev-{_e(policy.severity)}" id="policy-{_e(policy.id)}" '
            f'data-policy="{_e(policy.id)}" data-severity="{_e(policy.severity)}" data-sections="{_e(keys)}" '
            f'data-statuses="{statuses}"><details{" open" if attention else ""}><summary>'
            f'<span class="pid">{_e(policy.id)}</span> <span class="badge sev {_e(policy.severity)}">'
            f'{_e(policy.severity)}</span> <span class="ptitle">{_e(policy.title)}</span> {counts}</summary>'
            f'<dl>{described}</dl><table class="rows"><thead><tr><th>status</th><th>resource</th><th>source</th>'
            f'<th>location</th><th>message</th><th>waiver</th></tr></thead><tbody>{body}</tbody></table>{more}'
            "</details></section>")


def _user_line(finding: Mapping[str, Any]) -> str:
    """``file:line`` of the user's own code that declared the resource, when the manifest records it."""
    file, line = finding.get("origin_file"), finding.get("origin_line")
    if not file:
        return ""
    return f"{file}:{line}" if line else str(file)


def _cells(finding: Mapping[str, Any]) -> list[str]:
    """One row's cells as text, in column order: the same list for rows rendered here and by "show all"."""
    return [str(finding["status"]), str(finding["address"]), str(finding.get("resource_type") or ""),
            str(finding.get("source_file") or ""), _user_line(finding), str(finding.get("location") or ""),
            str(finding.get("message") or ""), str(finding.get("waiver") or "")]


def _dict_rows(findings: Sequence[Mapping[str, Any]]) -> list[_Cells]:
    return [_cells(finding) for finding in findings]


def _no_lines(file: str) -> None:
    return None


def _packed(rows: list[_Cells]) -> dict[str, Any]:
    """Rows behind "show all" with each source file named once (``files``, the rows' fourth cell its index):
    the file's path would otherwise be most of a large page."""
    files: dict[str, int] = {}
    for cells in rows:
        cells[3] = files.setdefault(cells[3], len(files))
    return {"files": list(files), "rows": rows}


def _row(cells: _Cells) -> str:
    status, address, kind, source, user_line, location, message, waiver = cells
    if isinstance(user_line, int):
        user_line = f"{source}:{user_line}"
    expired = waiver.startswith(_EXPIRED)
    waiver_cell = (f'<span class="badge expired">waiver expired</span> {_e(waiver[len(_EXPIRED):])}' if expired
                   else _e(waiver))
    code = f'<div class="mono small">{_e(user_line)}</div>' if user_line else ""
    return (f'<tr class="row s-{_e(status)}{" expired" if expired else ""}" data-status="{_e(status)}">'
            f'<td><span class="badge s-{_e(status)}">{_e(STATUS_LABEL.get(status, status))}</span></td>'
            f'<td><div class="mono">{_e(address)}</div><div class="muted small">{_e(kind)}</div></td>'
            f'<td class="mono small">{_e(source)}{code}</td><td class="mono small">{_e(location)}</td>'
            f"<td>{_e(message)}</td><td>{waiver_cell}</td></tr>")


_CSS: Final = """
:root{--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);
margin:0 auto;padding:16px 24px;max-width:1400px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:16px 0 6px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);
vertical-align:top}thead th{background:var(--soft);font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}.zero{color:#aab2bb}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.small{font-size:12px}.muted{color:var(--muted)}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:24px;align-items:start}
.verdicts{display:flex;gap:12px;flex-wrap:wrap}
.verdict{border:2px solid var(--line);border-radius:6px;padding:8px 14px;min-width:200px}
.verdict .big{font-size:24px;font-weight:700}
.verdict.ok{border-color:#2e7d32;background:#edf7ee}.verdict.bad{border-color:#c62828;background:#fdecea}
.verdict.warn{border-color:#ef6c00;background:#fff4e5}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff;background:#59636e;
white-space:nowrap}
.s-passed.badge{background:#2e7d32}.s-failed.badge{background:#c62828}.s-unknown.badge{background:#ef6c00}
.s-waived.badge{background:#1565c0}.s-baselined.badge{background:#6a1b9a}
.badge.sev.critical{background:#7f0000}.badge.sev.warning{background:#8a6d00}
.badge.expired{background:#c62828;font-weight:700}
tr.expired td{background:#fdecea}tr.expired td:last-child{border-left:4px solid #c62828;font-weight:600}
td.s-failed:not(.zero){color:#c62828;font-weight:700}td.s-unknown:not(.zero){color:#ef6c00;font-weight:700}
.policy{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:0 8px}
.policy.sev-critical{border-left:5px solid #7f0000}.policy.sev-warning{border-left:5px solid #8a6d00}
summary{cursor:pointer;padding:8px 0}.pid{font-weight:700;font-family:ui-monospace,monospace}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0 8px}dt{color:var(--muted)}dd{margin:0}
#filters{position:sticky;top:0;background:var(--bg);display:flex;gap:12px;flex-wrap:wrap;padding:8px 0;z-index:1;
border-bottom:1px solid var(--line)}
fieldset{border:1px solid var(--line);border-radius:6px;padding:2px 10px}fieldset label{margin-right:10px}
button.link{background:none;border:0;padding:0;font:inherit;font-weight:600;color:#0b57d0;cursor:pointer;
text-align:left}
#chart text{font-size:11px;fill:var(--fg)}#chart .track{fill:#eef1f4}
.alert{border:2px solid #c62828;border-radius:6px;padding:0 12px;background:#fdecea}
#matrix tr.chosen{background:#e8f0fe}h3.bad{color:#c62828}h3.warn{color:#ef6c00}
.more{margin:6px 0 10px}
.facts{display:flex;flex-wrap:wrap;gap:4px 18px}#matrix th{font-weight:400}
#chart{width:100%;height:auto;max-width:760px}
table.rows{table-layout:fixed}table.rows th:nth-child(1){width:120px}table.rows th:nth-child(2){width:20%}
table.rows th:nth-child(3){width:20%}table.rows th:nth-child(4){width:13%}table.rows th:nth-child(6){width:16%}
table.rows td{overflow-wrap:anywhere}
[hidden]{display:none!important}
@media print{
  body{max-width:none;padding:0;font-size:11px}
  .noprint,#filters,.show-all{display:none!important}
  button.link{color:var(--fg)}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  .policy{break-inside:auto;border-left-width:3px}tr,.verdict,svg{break-inside:avoid}
  thead{display:table-header-group}h2,h3,summary{break-after:avoid}
  details>summary::marker{content:""}
}
"""

# What a fragment needs, scoped so it does not restyle the page it joins (pytest-html's).
_FRAGMENT_CSS: Final = """
.iac-compliance table{border-collapse:collapse;width:100%}
.iac-compliance th,.iac-compliance td{text-align:left;padding:3px 6px;border-bottom:1px solid #d1d9e0;
vertical-align:top}
.iac-compliance .num{text-align:right}.iac-compliance .zero{color:#aab2bb}.iac-compliance .muted{color:#59636e}
.iac-compliance .mono{font-family:monospace;font-size:12px;overflow-wrap:anywhere}
.iac-compliance .small{font-size:12px}
.iac-compliance .cols{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
.iac-compliance .cols>*{flex:1 1 420px}
.iac-compliance .verdicts{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0}
.iac-compliance .verdict{border:2px solid #d1d9e0;border-radius:6px;padding:6px 12px}
.iac-compliance .verdict .big{font-size:20px;font-weight:700}
.iac-compliance .verdict.ok{border-color:#2e7d32}.iac-compliance .verdict.bad{border-color:#c62828}
.iac-compliance .verdict.warn{border-color:#ef6c00}
.iac-compliance .badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff;
background:#59636e}
.iac-compliance .s-passed.badge{background:#2e7d32}.iac-compliance .s-failed.badge{background:#c62828}
.iac-compliance .s-unknown.badge{background:#ef6c00}.iac-compliance .s-waived.badge{background:#1565c0}
.iac-compliance .s-baselined.badge{background:#6a1b9a}.iac-compliance .badge.expired{background:#c62828}
.iac-compliance tr.expired td{background:#fdecea}
.iac-compliance button.link{background:none;border:0;padding:0;font:inherit;font-weight:600}
.iac-compliance svg text{font-size:11px}.iac-compliance svg .track{fill:#eef1f4}
"""

_HEAD: Final = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    # Nothing may be fetched: the report opens the same offline, and a crafted value cannot call out.
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
    "script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    f"<title>Infrastructure compliance report</title><style>{_CSS}</style></head><body>"
)

_SCRIPT: Final = r"""
(function () {
  'use strict';
  var LABEL = {failed: 'failed', unknown: 'cannot evaluate', waived: 'waived', baselined: 'baselined',
               passed: 'passed'};
  var form = document.getElementById('filters');
  function checked(name) {
    var values = {};
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      if (box.checked) { values[box.value] = true; }
    });
    return values;
  }
  function apply() {
    var severity = checked('severity'), status = checked('status'), section = form.elements.section.value;
    var policies = 0, rows = 0;
    document.querySelectorAll('section.policy').forEach(function (policy) {
      var show = !!severity[policy.dataset.severity] &&
        (section === '' || policy.dataset.sections.split('|').indexOf(section) >= 0) &&
        policy.dataset.statuses.split(' ').some(function (s) { return !!status[s]; });
      policy.hidden = !show;
      if (!show) { return; }
      policies += 1;
      policy.querySelectorAll('tr.row').forEach(function (row) {
        row.hidden = !status[row.dataset.status];
        if (!row.hidden) { rows += 1; }
      });
    });
    document.querySelectorAll('#matrix tbody tr').forEach(function (row) {
      row.classList.toggle('chosen', section !== '' && row.dataset.section === section);
    });
    document.getElementById('shown').textContent = policies + ' policies and ' + rows +
      ' resource rows match the filters.';
  }
  function cell(tr, text, cls) {
    var td = document.createElement('td');
    if (cls) { td.className = cls; }
    if (text !== null) { td.textContent = text; }
    tr.appendChild(td);
    return td;
  }
  function div(parent, text, cls) {
    var d = document.createElement('div');
    d.className = cls; d.textContent = text; parent.appendChild(d);
  }
  function row(c) {
    var status = c[0], tr = document.createElement('tr'), expired = c[7].indexOf('expired ') === 0;
    tr.className = 'row s-' + status + (expired ? ' expired' : '');
    tr.dataset.status = status;
    var badge = document.createElement('span');
    badge.className = 'badge s-' + status; badge.textContent = LABEL[status] || status;
    cell(tr, null).appendChild(badge);
    var resource = cell(tr, null);
    div(resource, c[1], 'mono'); div(resource, c[2], 'muted small');
    var source = cell(tr, c[3], 'mono small');
    if (c[4]) { div(source, c[4], 'mono small'); }
    cell(tr, c[5], 'mono small');
    cell(tr, c[6]);
    var waiver = cell(tr, expired ? null : c[7]);
    if (expired) {
      var mark = document.createElement('span');
      mark.className = 'badge expired'; mark.textContent = 'waiver expired';
      waiver.appendChild(mark); waiver.appendChild(document.createTextNode(' ' + c[7].slice(8)));
    }
    return tr;
  }
  document.querySelectorAll('button.show-all').forEach(function (button) {
    button.addEventListener('click', function () {
      var policy = button.closest('section.policy');
      var rest = JSON.parse(policy.querySelector('script.rest').textContent);
      var body = policy.querySelector('tbody'), rows = document.createDocumentFragment();
      rest.rows.forEach(function (c) {
        var file = rest.files[c[3]];  // each file is named once; a number as the user's line is in that file
        c[3] = file;
        if (typeof c[4] === 'number') { c[4] = file + ':' + c[4]; }
        rows.appendChild(row(c));
      });
      body.appendChild(rows);
      button.parentNode.remove();
      apply();
    });
  });
  document.querySelectorAll('#matrix tbody tr').forEach(function (tr) {
    tr.querySelector('button').addEventListener('click', function () {
      form.elements.section.value = form.elements.section.value === tr.dataset.section ? '' : tr.dataset.section;
      apply();
      document.getElementById('policies').scrollIntoView();
    });
  });
  form.addEventListener('change', apply);
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });
  apply();
})();
"""
