"""Scan items: the policy pack over ``--iac-source`` files, as test items that carry severity markers.

By default one item per policy and source lists every non-compliant resource, so a 50,000-resource
source costs a few dozen items rather than a million; ``--iac-granularity resource`` gives one per pair.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from pytest_iaccompliance.model import Finding, FindingStatus, Resource
from pytest_iaccompliance.options import (
    FINDINGS,
    FULL_LIST,
    LOADED_SOURCES,
    SETTINGS,
    SHOWN,
    Settings,
    policy_suite,
)
from pytest_iaccompliance.policies.base import Policy, PolicyContext
from pytest_iaccompliance.policies.suite import PolicySuite
from pytest_iaccompliance.reporting.text import bounded, finding_line
from pytest_iaccompliance.terminal import LARGE_SOURCE_BYTES, announce


class ComplianceFailure(Exception):
    """Raised by a scan item; carries its findings so the failure text lists every resource."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def describe_failure(policy: Policy, findings: Sequence[Finding], source: Path, max_listed: int | None) -> str:
    """The failure text of a scan item: the policy, then at most ``max_listed`` resources of each kind."""
    failed = [f for f in findings if f.status is FindingStatus.FAILED]
    unknown = [f for f in findings if f.status is FindingStatus.UNKNOWN]
    lines = [f"{policy.id} [{policy.severity.value}] {policy.title}"]
    if policy.controls:
        lines.append(f"controls: {', '.join(policy.controls)}")
    if failed:
        lines.append(f"{len(failed)} non-compliant resource(s) in {source}:")
        lines.extend(_listed(failed, max_listed))
    if unknown:
        lines.append(f"{len(unknown)} resource(s) that cannot be evaluated before apply:")
        lines.extend(_listed(unknown, max_listed))
    exempt = [f for f in findings if f.status in (FindingStatus.WAIVED, FindingStatus.BASELINED)]
    if exempt:
        lines.append(f"{len(exempt)} waived or baselined (not counted):")
        lines.extend(_listed(exempt, max_listed))
    if policy.remediation:
        lines.append(f"remediation: {policy.remediation}")
    return "\n".join(lines)


def _listed(findings: Sequence[Finding], max_listed: int | None) -> list[str]:
    return bounded(findings, max_listed, show=lambda f: f"  - {finding_line(f)}", indent="  ", hint=FULL_LIST)


def internal_error(doing: str, exc: BaseException) -> str:
    """A bug of ours is named by its exception type, never shown with its message, frames or locals: they
    may hold the values being read. ``--full-trace`` shows them on request."""
    return (f"internal error in pytest-iaccompliance while {doing}: {type(exc).__name__}\n"
            "hint: this is a bug, please report it; the traceback is hidden because its frames may hold "
            "the values read (rerun with --full-trace to see it)")


class PolicyItem(pytest.Item):
    """One policy over one source's resources (or over one resource, by granularity)."""

    def __init__(self, *, policy: Policy, context: PolicyContext, resources: Sequence[Resource],
                 unknown_mode: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.context = context
        self.resources = resources
        self.unknown_mode = unknown_mode
        self.add_marker(policy.severity.value)
        if policy.controls:
            self.add_marker(pytest.mark.compliance(*policy.controls))

    def runtest(self) -> None:
        from pytest_iaccompliance.fixtures.waivers import apply_exemptions
        from pytest_iaccompliance.policies.engine import check_resources

        findings = check_resources(self.policy, self.resources, self.context)
        findings = apply_exemptions(self, findings, self.context.resources)
        # Passed findings are read only by the JSON manifest: without one the session does not hold them
        # (on a large plan they are most of the findings, alive to the end of the session).
        keep_passed = self.config.stash[SETTINGS].keeps_passed
        self.stash[FINDINGS] = findings if keep_passed else [
            f for f in findings if f.status is not FindingStatus.PASSED]
        failed = any(f.status is FindingStatus.FAILED for f in findings)
        unknown = any(f.status is FindingStatus.UNKNOWN for f in findings)
        if failed or (unknown and self.unknown_mode == "fail"):
            raise ComplianceFailure(self._failure_text(findings))
        if unknown:
            pytest.skip(self._failure_text(findings))
        if not findings:
            pytest.skip(f"{self.policy.id}: not applicable to any resource in {self.path.name}")

    def _failure_text(self, findings: Sequence[Finding]) -> str:
        """The text the terminal shows, bounded; with ``--junitxml`` the report's text lists every resource and
        the bounded one waits in the stash for the terminal (see ``session.ShownBounded``)."""
        max_listed = self.config.stash[SETTINGS].max_listed
        shown = describe_failure(self.policy, findings, self.path, max_listed)
        if max_listed is None or not self.config.getoption("xmlpath", None):
            return shown
        full = describe_failure(self.policy, findings, self.path, None)
        if full != shown:
            self.stash[SHOWN] = shown
        return full

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str | Any:
        from pytest_iaccompliance.policies.engine import PolicyError

        # A compliance report, or a policy that misbehaved (named with its resource): no traceback.
        if isinstance(excinfo.value, ComplianceFailure):
            return excinfo.value.text
        if isinstance(excinfo.value, PolicyError):
            return str(excinfo.value)
        if self.config.getoption("fulltrace", False):
            return super().repr_failure(excinfo, style=style)
        # The engine's frames hold resources and their values (with -l, pytest prints them).
        return internal_error(f"running {self.policy.id} on {self.path}", excinfo.value)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.policy.id}: {self.policy.title}"


def release_derived(items: Iterable[pytest.Item]) -> None:
    """Once every scan item has run, what the rules derived from the resources (shared analyses, partner
    indexes) is dropped: the findings are all the session's reports read, and on a large plan the derived
    data is as many containers again, walked by pytest's own full collection at the end and by the
    interpreter's at exit. A set read again later rebuilds what it needs."""
    seen: set[int] = set()
    for item in items:
        if isinstance(item, PolicyItem) and id(item.context) not in seen:
            seen.add(id(item.context))
            item.context.memo.clear()
            item.context.resources.forget_derived()


class SourceCollector(pytest.File):
    """A source that cannot be read is a collection error naming the file: it blocks the run under any
    ``-m``/``-k`` selection, as a broken test module does, and is never zero resources."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str | Any:  # type: ignore[override]
        from pytest_iaccompliance.sources import SourceError

        if isinstance(excinfo.value, SourceError):
            return str(excinfo.value)
        if self.config.getoption("fulltrace", False):
            return super().repr_failure(excinfo)
        # The frames of a reader hold the file's text (with -l, pytest prints them).
        return internal_error(f"reading {self.path}", excinfo.value)


class ComplianceSource(SourceCollector):
    """One source file's stacks, each turned into policy items."""

    def __init__(self, *, suite: PolicySuite, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.settings = settings

    def collect(self) -> Iterable[pytest.Item]:
        from pytest_iaccompliance.policies.engine import candidates
        from pytest_iaccompliance.sources import load_file

        try:
            size = self.path.stat().st_size
        except OSError:  # reading it says what is wrong, naming the file
            size = 0
        if size >= LARGE_SOURCE_BYTES:
            announce(self.config, f"collecting ... reading {self.path.name} ({size / 1e6:.1f} MB)", transient=True)
        stacks = load_file(self.path)
        if self.settings.keeps_passed:
            self.config.stash.setdefault(LOADED_SOURCES, {})[os.path.realpath(self.path)] = list(stacks)
        for stack in stacks:
            prefix = f"{stack.label}::" if len(stacks) > 1 else ""
            context = self.suite.context(stack.resources)
            for policy in self.suite.policies:
                resources = list(candidates(policy, stack.resources))
                if not resources:
                    continue
                if self.settings.granularity == "resource":
                    for resource in resources:
                        yield PolicyItem.from_parent(
                            self, name=f"{prefix}{policy.id}[{resource.address}]", policy=policy,
                            context=context, resources=[resource], unknown_mode=self.settings.unknown,
                        )
                else:
                    yield PolicyItem.from_parent(
                        self, name=f"{prefix}{policy.id}", policy=policy, context=context,
                        resources=resources, unknown_mode=self.settings.unknown,
                    )


def source_nodeid(session: pytest.Session, path: Path) -> str:
    """Unique, readable ids: every stack of a cdktf.out folder is called ``cdk.tf.json``.

    Lexical, as pytest's own node ids: symlinks are not followed, so a symlink loop cannot break an id.
    """
    import os

    absolute = Path(os.path.abspath(path))
    for base in (session.config.rootpath, session.config.invocation_params.dir):
        try:
            return absolute.relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            continue
    try:
        return os.path.relpath(absolute, session.config.rootpath).replace(os.sep, "/")
    except ValueError:  # another drive (Windows): no relative path exists
        return absolute.as_posix()


def source_collectors(session: pytest.Session, settings: Settings) -> Iterator[pytest.Collector]:
    """Collectors for every configured source, each file once however the sources overlap.

    When pytest's arguments name a configured source file (``pytest FILE::POLICY``, a scan item's node
    id), the arguments choose the sources, as they choose test modules: see ``named_source``.
    """
    import os

    from pytest_iaccompliance.options import real_path
    from pytest_iaccompliance.sources import discover

    suite = policy_suite(session.config)
    listed: list[tuple[Path, list[Path] | Exception]] = []
    for source in settings.sources:
        path = Path(os.path.abspath(source))  # lexical: "../stacks" reads as the folder it names
        try:
            listed.append((path, discover(path)))
        except Exception as exc:  # any failure to list a source is that source's collection error
            listed.append((path, exc))
    if any(session.isinitpath(os.path.abspath(file)) for _, files in listed if isinstance(files, list)
           for file in files):
        return
    seen: set[Path] = set()
    for path, files in listed:
        if isinstance(files, Exception):
            yield MissingSource.from_parent(session, path=path, nodeid=source_nodeid(session, path), error=files)
            continue
        for file in files:
            key = real_path(file)
            if key in seen:
                continue
            seen.add(key)
            yield ComplianceSource.from_parent(session, path=file, nodeid=source_nodeid(session, file),
                                               suite=suite, settings=settings)


def named_source(parent: pytest.Collector, file_path: Path, settings: Settings) -> pytest.Collector | None:
    """A configured source file given as a pytest argument, collected from there as a test module is, so
    ``pytest FILE::POLICY`` (a scan item's node id) re-runs that item."""
    if not parent.session.isinitpath(file_path) or not _is_configured(file_path, settings):
        return None
    return ComplianceSource.from_parent(parent, path=file_path, nodeid=source_nodeid(parent.session, file_path),
                                        suite=policy_suite(parent.config), settings=settings)


def _is_configured(file_path: Path, settings: Settings) -> bool:
    from pytest_iaccompliance.options import real_path
    from pytest_iaccompliance.sources import discover

    target = real_path(file_path)
    for source in settings.sources:
        folder = real_path(source)
        if folder == target:
            return True
        if target.is_relative_to(folder):
            try:
                if any(real_path(file) == target for file in discover(Path(source))):
                    return True
            except Exception:  # an unreadable source is reported by its own collector
                continue
    return False


class MissingSource(SourceCollector):
    """A configured source path that does not exist, cannot be listed or holds nothing to scan."""

    def __init__(self, *, error: Exception, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def collect(self) -> Iterable[pytest.Item]:
        raise self.error
