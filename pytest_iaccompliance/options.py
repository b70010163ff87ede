"""Options, ini keys and the state the glue shares: one prefix, names as constants that tests reuse.

``Settings`` is every option resolved once; the stash keys and the policy suite factory live beside it, so
the glue modules (collection, fixtures, severity bookkeeping) reach their shared state here and never
through one another or the entry module.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.model import Finding, Severity

if TYPE_CHECKING:
    from pytest_iaccompliance.adapters.checkov import CheckovAdapter
    from pytest_iaccompliance.policies.base import RuleSettings
    from pytest_iaccompliance.policies.suite import PolicySuite

OPT_SOURCE = "--iac-source"
OPT_MAX_CRITICAL = "--iac-max-critical"
OPT_MAX_WARNINGS = "--iac-max-warnings"
OPT_SELECT = "--iac-select"
OPT_IGNORE = "--iac-ignore"
OPT_REPORT = "--iac-report"
OPT_SARIF = "--iac-sarif"
OPT_HTML = "--iac-html"
OPT_GRANULARITY = "--iac-granularity"
OPT_UNKNOWN = "--iac-unknown"
OPT_SYNTH_CACHE = "--iac-synth-cache"
OPT_CHECKOV = "--iac-checkov"

INI_SOURCES = "iac_sources"
INI_MAX_CRITICAL = "iac_max_critical"
INI_MAX_WARNINGS = "iac_max_warnings"
INI_SELECT = "iac_select"
INI_IGNORE = "iac_ignore"
INI_SEVERITY = "iac_severity"
INI_REQUIRED_TAGS = "iac_required_tags"
INI_ALLOWED_FAMILIES = "iac_allowed_instance_families"
INI_SHARED_STACKS = "iac_shared_stacks"
INI_PUBLIC_PORTS = "iac_public_ports"
INI_OPT_IN = "iac_opt_in"
INI_GRANULARITY = "iac_granularity"
INI_UNKNOWN = "iac_unknown"
INI_SYNTH_CACHE = "iac_synth_cache"
INI_CDK_LIBRARY = "iac_cdk_library"
INI_MAX_LISTED = "iac_max_listed"
INI_HTML = "iac_html"
INI_SECURITY_SEVERITY = "iac_security_severity"
INI_SARIF_CATEGORY = "iac_sarif_category"
INI_CHECKOV = "iac_checkov"
INI_CHECKOV_CHECKS = "iac_checkov_checks"
INI_CHECKOV_SKIP_CHECKS = "iac_checkov_skip_checks"
INI_CHECKOV_EXTERNAL = "iac_checkov_external_checks_dir"
INI_CHECKOV_SEVERITY = "iac_checkov_severity"

GRANULARITIES = ("policy", "resource")
DEFAULT_MAX_LISTED = 10
# -v lists this many times more resources per scan item and summary line; -vv lists them all.
VERBOSE_LISTED_FACTOR = 10
# Where terminal output that lists a bounded number of resources sends the reader for all of them.
FULL_LIST = f"full list: {OPT_REPORT}"
UNKNOWN_MODES = ("fail", "skip")
SYNTH_CACHE_MODES = ("on", "off", "refresh")


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("iaccompliance", "infrastructure-as-code compliance")
    group.addoption(OPT_SOURCE, action="append", default=[], metavar="PATH", dest="iac_source",
                    help="scan a cdk.tf.json, cdktf.out folder, Terraform plan/state JSON or Pulumi stack "
                    "export with the policy pack (repeatable; adds to ini iac_sources)")
    group.addoption(OPT_MAX_CRITICAL, metavar="N", default=None, dest="iac_max_critical",
                    help="critical failures tolerated before the session fails (default 0)")
    group.addoption(OPT_MAX_WARNINGS, metavar="N", default=None, dest="iac_max_warnings",
                    help="warning failures tolerated before the session fails (default: no limit)")
    group.addoption(OPT_SELECT, action="append", default=[], metavar="PATTERN", dest="iac_select",
                    help="run only policies whose id matches this glob (repeatable)")
    group.addoption(OPT_IGNORE, action="append", default=[], metavar="PATTERN", dest="iac_ignore",
                    help="skip policies whose id matches this glob (repeatable)")
    group.addoption(OPT_REPORT, metavar="PATH", default=None, dest="iac_report",
                    help="write every finding and the severity verdict as a JSON manifest")
    group.addoption(OPT_SARIF, metavar="PATH", default=None, dest="iac_sarif",
                    help="write failed and cannot-evaluate findings as SARIF 2.1.0 (code scanning)")
    group.addoption(OPT_HTML, metavar="PATH", default=None, dest="iac_html",
                    help="write a self-contained HTML compliance report: verdict, coverage by framework section, "
                    "every policy and resource (default: ini iac_html)")
    group.addoption(OPT_GRANULARITY, choices=GRANULARITIES, default=None, dest="iac_granularity",
                    help="scan items per policy and source (default, fast at any size) or per resource")
    group.addoption(OPT_UNKNOWN, choices=UNKNOWN_MODES, default=None, dest="iac_unknown",
                    help="what a scan item does when a value needed is unknown before apply: fail "
                    "(default) or skip")
    group.addoption(OPT_SYNTH_CACHE, choices=SYNTH_CACHE_MODES, default=None, dest="iac_synth_cache",
                    help="cdktf/cdktn synth cache: on (default) reads and writes, off bypasses it, refresh "
                    "re-synthesizes every stack and rewrites its entry")
    group.addoption(OPT_CHECKOV, action="store_true", default=False, dest="iac_checkov",
                    help="also run Checkov's checks (and custom ones, ini iac_checkov_external_checks_dir) on "
                    "the sources, in-process, as policies (needs the checkov extra; same as ini iac_checkov)")
    parser.addini(INI_CHECKOV, "run Checkov's checks on the sources as policies (needs the checkov extra)",
                  type="bool", default=False)
    parser.addini(INI_CHECKOV_CHECKS, "Checkov check ids (globs) to run; default: all", type="args", default=[])
    parser.addini(INI_CHECKOV_SKIP_CHECKS, "Checkov check ids (globs) not to run", type="args", default=[])
    parser.addini(INI_CHECKOV_EXTERNAL, "folders of custom Checkov checks (Python, with an __init__.py, or YAML)",
                  type="paths", default=[])
    parser.addini(INI_CHECKOV_SEVERITY, "severities of Checkov checks, one `CHECK-ID-or-glob = critical|warning` a "
                  "line (an exact id first, then the first matching glob; default warning)", type="linelist",
                  default=[])
    parser.addini(INI_SOURCES, "sources the policy pack scans (paths relative to the ini file)",
                  type="paths", default=[])
    parser.addini(INI_MAX_CRITICAL, "critical failures tolerated (default 0)", default="0")
    parser.addini(INI_MAX_WARNINGS, "warning failures tolerated (default: no limit)", default="")
    parser.addini(INI_SELECT, "policy id globs to run", type="linelist", default=[])
    parser.addini(INI_IGNORE, "policy id globs to skip", type="linelist", default=[])
    parser.addini(INI_SEVERITY, "severity overrides, one `POLICY-ID = critical|warning` a line",
                  type="linelist", default=[])
    parser.addini(INI_REQUIRED_TAGS, "tag keys every taggable resource must carry", type="args",
                  default=[])
    parser.addini(INI_ALLOWED_FAMILIES, "EC2 instance families allowed (e.g. t3 m6i)", type="args",
                  default=[])
    parser.addini(INI_SHARED_STACKS, "stack names (globs) several people or pipelines apply: their state must "
                  "not be local", type="args", default=[])
    parser.addini(INI_OPT_IN, "ids (globs) of opt-in policies to run: stricter variants that are off by default",
                  type="args", default=[])
    parser.addini(INI_PUBLIC_PORTS, "ports security groups may open to 0.0.0.0/0 and ::/0 without a warning "
                  "(default: 443)", type="args", default=["443"])
    parser.addini(INI_GRANULARITY, "scan items per `policy` (default) or per `resource`",
                  default="policy")
    parser.addini(INI_UNKNOWN, "scan items with unknown values: `fail` (default) or `skip`",
                  default="fail")
    parser.addini(INI_SYNTH_CACHE, "default for --iac-synth-cache (on, off or refresh)", default="on")
    parser.addini(INI_MAX_LISTED, f"non-compliant resources a failing scan item and a summary line list "
                  f"(default {DEFAULT_MAX_LISTED}; 'none' lists all); -v lists {VERBOSE_LISTED_FACTOR} times as "
                  "many, -vv all", default=str(DEFAULT_MAX_LISTED))
    parser.addini(INI_HTML, "path of the HTML compliance report to write (relative to the ini file; "
                  f"{OPT_HTML} overrides it)", default="")
    parser.addini(INI_SECURITY_SEVERITY, "SARIF security-severity (0.0 to 10.0) per severity, one "
                  "`critical|warning = SCORE` a line (default: critical 9.0, warning 5.0)", type="linelist", default=[])
    parser.addini(INI_SARIF_CATEGORY, "SARIF automationDetails.id category: one per analysis a repository uploads "
                  "(default pytest-iaccompliance)", default="pytest-iaccompliance")
    parser.addini(INI_CDK_LIBRARY, "CDK for Terraform library to synthesize with: cdktf or cdktn "
                  "(default: cdktf if installed, else cdktn)", default="")


def _limit(text: str | None, name: str, default: int | None) -> int | None:
    if text is None:
        return default
    value = str(text).strip()
    if not value:
        if name.startswith("--"):  # an empty command-line value is a mistake (an unset CI variable)
            raise pytest.UsageError(f"{name} expects a whole number or 'none', got an empty value")
        return default
    if value.lower() in {"none", "unlimited", "inf"}:
        return None
    try:
        number = int(value)
    except ValueError:
        raise pytest.UsageError(f"{name} expects a whole number, got {value!r}") from None
    if number < 0:
        raise pytest.UsageError(f"{name} expects a number of failures >= 0, got {number}")
    return number


def _public_ports(words: Sequence[str]) -> tuple[int, ...]:
    if list(words) == ["443"]:
        return (443,)  # the default: no need to import the rules at every start-up to check it
    from pytest_iaccompliance.policies.rules.vpc import parse_public_ports

    try:
        return parse_public_ports(words)
    except ValueError as exc:
        raise pytest.UsageError(f"ini {INI_PUBLIC_PORTS} {exc}") from None


def _choice(value: str, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise pytest.UsageError(f"{name} expects one of {', '.join(choices)}, got {value!r}")
    return value


def _max_listed(config: pytest.Config) -> int | None:
    """The bound on listed resources: the ini value, raised by ``-v`` and lifted by ``-vv``, as pytest's own
    truncation of long assertion output is."""
    bound = _limit(config.getini(INI_MAX_LISTED), INI_MAX_LISTED, DEFAULT_MAX_LISTED)
    verbosity = int(config.getoption("verbose", 0) or 0)
    if bound is None or verbosity >= 2:
        return None
    return bound * VERBOSE_LISTED_FACTOR if verbosity == 1 else bound


def synth_cache_mode(config: pytest.Config) -> str:
    mode = config.option.iac_synth_cache or str(config.getini(INI_SYNTH_CACHE)).strip() or "on"
    return _choice(mode, f"ini {INI_SYNTH_CACHE}", SYNTH_CACHE_MODES)


def _severity_overrides(lines: Sequence[str], name: str = INI_SEVERITY) -> dict[str, Severity]:
    overrides: dict[str, Severity] = {}
    for line in lines:
        policy_id, sep, severity = line.partition("=")
        if not sep or not policy_id.strip():
            raise pytest.UsageError(f"{name}: expected `POLICY-ID = critical|warning`, got {line!r}")
        try:
            overrides[policy_id.strip()] = Severity.parse(severity)
        except ValueError as exc:
            raise pytest.UsageError(f"{name}: {policy_id.strip()}: {exc}") from None
    return overrides


def _security_severity(lines: Sequence[str]) -> dict[Severity, str]:
    """``critical = 9.0`` lines as GitHub reads them: a score from 0.0 to 10.0, written as a string."""
    scores: dict[Severity, str] = {}
    for line in lines:
        name, sep, score = line.partition("=")
        try:
            severity = Severity.parse(name)
        except ValueError as exc:
            raise pytest.UsageError(f"ini {INI_SECURITY_SEVERITY}: {exc} (line {line!r})") from None
        try:
            value = float(score)
        except ValueError:
            value = -1.0
        if not sep or not 0.0 <= value <= 10.0:
            raise pytest.UsageError(f"ini {INI_SECURITY_SEVERITY}: expected `{severity.value} = SCORE` with a score "
                                    f"from 0.0 to 10.0, got {line!r}")
        scores[severity] = f"{value:.1f}"
    return scores


@dataclass(frozen=True)
class CheckovSettings:
    """ini ``iac_checkov_*``, read only when Checkov is asked for (``Settings.checkov``)."""

    checks: tuple[str, ...]
    skip_checks: tuple[str, ...]
    external_checks_dirs: tuple[Path, ...]
    severities: tuple[tuple[str, Severity], ...]


def _checkov_settings(config: pytest.Config) -> CheckovSettings | None:
    if not (config.option.iac_checkov or config.getini(INI_CHECKOV)):
        return None
    import importlib.util

    if importlib.util.find_spec("checkov") is None:
        raise pytest.UsageError(f"{OPT_CHECKOV} / ini {INI_CHECKOV} needs Checkov: "
                                "pip install 'pytest-iaccompliance[checkov]'")
    folders = tuple(Path(p) for p in config.getini(INI_CHECKOV_EXTERNAL))
    for folder in folders:
        if not folder.is_dir():
            raise pytest.UsageError(f"ini {INI_CHECKOV_EXTERNAL} {folder}: no such folder")
    return CheckovSettings(
        checks=tuple(config.getini(INI_CHECKOV_CHECKS)),
        skip_checks=tuple(config.getini(INI_CHECKOV_SKIP_CHECKS)),
        external_checks_dirs=folders,
        severities=tuple(_severity_overrides(config.getini(INI_CHECKOV_SEVERITY), f"ini {INI_CHECKOV_SEVERITY}")
                         .items()),
    )


def real_path(path: str | os.PathLike[str]) -> Path:
    """Where a path really leads, to compare paths given in different spellings.

    Never raises: a symlink loop (``RuntimeError`` or ``OSError`` by Python version) leaves the path as
    written, made absolute; reading it is what reports the loop, naming the file.
    """
    try:
        return Path(os.path.realpath(path))
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


def _report_path(base: Path, value: str | None, name: str) -> Path | None:
    """Checked before the run, so a bad path fails in a second rather than after the whole suite."""
    if value is None:
        return None
    if not value.strip():
        raise pytest.UsageError(f"{name} expects a file path, got an empty value")
    path = Path(base, value)
    if path.is_dir():
        raise pytest.UsageError(f"{name} {value}: is a folder; give the path of the file to write")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise pytest.UsageError(f"{name} {value}: {parent} is a file, not a folder")
            break
    return path


def _html_path(config: pytest.Config) -> Path | None:
    """The command line's path (from where pytest was started) or the ini file's (from its folder)."""
    if config.option.iac_html is not None:
        return _report_path(config.invocation_params.dir, config.option.iac_html, OPT_HTML)
    value = str(config.getini(INI_HTML)).strip()
    if not value:
        return None
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return _report_path(base, value, f"ini {INI_HTML}")


def _check_report_targets(reports: dict[str, Path | None], sources: Sequence[Path]) -> None:
    """A report written over a source, or over the other report, destroys what the run was about."""
    written: dict[Path, str] = {}
    for name, path in reports.items():
        if path is None:
            continue
        target = real_path(path)
        if target in written:
            raise pytest.UsageError(f"{written[target]} and {name} both name {path}: give each report its own file")
        written[target] = name
        for source in sources:
            if real_path(source) == target:
                raise pytest.UsageError(f"{name} {path}: is also a source to scan ({OPT_SOURCE} or ini "
                                        f"{INI_SOURCES}); writing the report would overwrite it")


@dataclass(frozen=True)
class Settings:
    """Every option resolved and validated once, so hooks read plain values."""

    sources: tuple[Path, ...]
    max_critical: int | None
    max_warnings: int | None
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    severity_overrides: dict[str, Severity]
    required_tags: tuple[str, ...]
    allowed_instance_families: tuple[str, ...]
    public_ports: tuple[int, ...]
    report: Path | None
    sarif: Path | None
    granularity: str
    unknown: str
    # How many non-compliant resources terminal output lists (None: all); reports always hold every one.
    max_listed: int | None = DEFAULT_MAX_LISTED
    shared_stacks: tuple[str, ...] = ()
    opt_in: tuple[str, ...] = ()
    html: Path | None = None
    # pytest-html's --html is given: its report gets a compliance section (fixtures/htmlreport.py).
    pytest_html: bool = False
    # SARIF: security-severity by severity (defaults in reporting.sarif) and the automationDetails category.
    security_severity: Mapping[Severity, str] = field(default_factory=dict)
    sarif_category: str = "pytest-iaccompliance"
    # Checkov's checks as policies (--iac-checkov / ini iac_checkov); None when not asked for.
    checkov: CheckovSettings | None = None

    @classmethod
    def from_config(cls, config: pytest.Config) -> Settings:
        option = config.option
        invocation = config.invocation_params.dir
        cli_sources = [invocation / p for p in option.iac_source]
        ini_sources = list(config.getini(INI_SOURCES))
        report = _report_path(invocation, option.iac_report, OPT_REPORT)
        sarif = _report_path(invocation, option.iac_sarif, OPT_SARIF)
        html = _html_path(config)
        sources = tuple(dict.fromkeys([*ini_sources, *cli_sources]))
        _check_report_targets({OPT_REPORT: report, OPT_SARIF: sarif, OPT_HTML: html}, sources)
        return cls(
            sources=sources,
            max_critical=_limit(option.iac_max_critical, OPT_MAX_CRITICAL, None)
            if option.iac_max_critical is not None
            else _limit(config.getini(INI_MAX_CRITICAL), INI_MAX_CRITICAL, 0),
            max_warnings=_limit(option.iac_max_warnings, OPT_MAX_WARNINGS, None)
            if option.iac_max_warnings is not None
            else _limit(config.getini(INI_MAX_WARNINGS), INI_MAX_WARNINGS, None),
            select=tuple(option.iac_select or config.getini(INI_SELECT)),
            ignore=(*config.getini(INI_IGNORE), *option.iac_ignore),
            severity_overrides=_severity_overrides(config.getini(INI_SEVERITY)),
            required_tags=tuple(config.getini(INI_REQUIRED_TAGS)),
            allowed_instance_families=tuple(config.getini(INI_ALLOWED_FAMILIES)),
            public_ports=_public_ports(config.getini(INI_PUBLIC_PORTS)),
            report=report,
            sarif=sarif,
            granularity=_choice(option.iac_granularity or config.getini(INI_GRANULARITY),
                                INI_GRANULARITY, GRANULARITIES),
            unknown=_choice(option.iac_unknown or config.getini(INI_UNKNOWN), INI_UNKNOWN, UNKNOWN_MODES),
            max_listed=_max_listed(config),
            shared_stacks=tuple(config.getini(INI_SHARED_STACKS)),
            opt_in=tuple(config.getini(INI_OPT_IN)),
            html=html,
            pytest_html=bool(getattr(option, "htmlpath", None)),
            security_severity=_security_severity(config.getini(INI_SECURITY_SEVERITY)),
            sarif_category=str(config.getini(INI_SARIF_CATEGORY)).strip() or "pytest-iaccompliance",
            checkov=_checkov_settings(config),
        )

    @property
    def keeps_passed(self) -> bool:
        """Passed findings matter only to the reports that count them (the JSON manifest, the HTML reports):
        without one, they are neither kept nor carried to the controller."""
        return self.report is not None or self.html is not None or self.pytest_html

    def limit_for(self, severity: Severity) -> int | None:
        return self.max_critical if severity is Severity.CRITICAL else self.max_warnings

    def rule_settings(self) -> RuleSettings:
        from pytest_iaccompliance.policies.base import RuleSettings

        return RuleSettings(self.required_tags, self.allowed_instance_families, shared_stacks=self.shared_stacks,
                            public_ports=self.public_ports, opt_in=self.opt_in)


SETTINGS = pytest.StashKey[Settings]()
SUITE = pytest.StashKey["PolicySuite"]()
# Findings a scan item produced, copied onto its call report for the controller.
FINDINGS = pytest.StashKey[list[Finding]]()
# A scan item's failure text as the terminal shows it, when its report carries the complete one (JUnit).
SHOWN = pytest.StashKey[str]()
# Sources this process read while collecting, by real path, kept only when a manifest is written: its
# inventory then reuses them instead of reading each file again (under xdist the controller reads them).
LOADED_SOURCES = pytest.StashKey[dict[str, list[Any]]]()


def policy_suite(config: pytest.Config) -> PolicySuite:
    """The project's policies, loaded once per process and only when something asks for them."""
    if SUITE not in config.stash:
        from pytest_iaccompliance.fixtures.foreign_policies import foreign_packs
        from pytest_iaccompliance.policies.registry import DuplicatePolicyError, PolicySelectionError
        from pytest_iaccompliance.policies.suite import PolicySuite

        settings = config.stash[SETTINGS]
        adapters = _adapters(settings)
        try:
            suite = PolicySuite.load(
                select=settings.select,
                ignore=settings.ignore,
                severity_overrides=settings.severity_overrides,
                settings=settings.rule_settings(),
                plugins=[*conftest_packs(config), *adapters, *foreign_packs(config)],
            )
        except (DuplicatePolicyError, PolicySelectionError, TypeError) as exc:
            raise pytest.UsageError(f"iaccompliance: {exc}") from None
        for adapter in adapters:
            suite = PolicySuite(tuple(adapter.arrange(suite.policies)), suite.settings)
        config.stash[SUITE] = suite
    return config.stash[SUITE]


def _adapters(settings: Settings) -> list[CheckovAdapter]:
    """Packs of other tools' policies the project asked for; their tools are imported only then."""
    if settings.checkov is None:
        return []
    from pytest_iaccompliance.adapters.checkov import CheckovAdapter, CheckovOptions

    checkov = settings.checkov
    return [CheckovAdapter(CheckovOptions(checks=checkov.checks, skip_checks=checkov.skip_checks,
                                          external_checks_dirs=checkov.external_checks_dirs,
                                          severities=checkov.severities))]


def conftest_packs(config: pytest.Config) -> list[object]:
    """pytest plugins and conftests that implement the pack hook join the registry too."""
    return [
        plugin
        for plugin in config.pluginmanager.get_plugins()
        if hasattr(getattr(plugin, "iaccompliance_policies", None), "iaccompliance_impl")
        or hasattr(getattr(plugin, "iaccompliance_control_mappings", None), "iaccompliance_impl")
    ]
