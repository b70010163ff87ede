"""Large sources: what the session holds of them is kept out of the cyclic collector's reach, and no longer
than the next session in the same process."""

from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_iaccompliance.options import OPT_REPORT, OPT_SOURCE

# A test beside the scan items: it runs after collection, while the loaded resources are alive.
# It writes what it saw to a file, which works from an xdist worker too.
PROBE = """
import gc
from pathlib import Path

def test_probe():
    Path("frozen.txt").write_text(str(gc.get_freeze_count()))
"""


@pytest.fixture
def stacks(pytester: pytest.Pytester, example_stacks: Path) -> Path:
    target = pytester.path / "cdktf.out"
    shutil.copytree(example_stacks, target)
    return target


def frozen_while_tests_ran(pytester: pytest.Pytester) -> int:
    return int((pytester.path / "frozen.txt").read_text())


@pytest.mark.parametrize("mode", [pytest.param([], id="single"), pytest.param(["-n", "2"], id="xdist")])
def test_loaded_sources_are_frozen_while_tests_run(pytester: pytest.Pytester, stacks: Path, mode: list[str]) -> None:
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *mode, f"{OPT_SOURCE}={stacks.name}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the example stacks hold critical findings
    # Everything alive after collection (the resources among it) is out of the collector's reach.
    assert frozen_while_tests_ran(pytester) > 1000


def test_nothing_is_frozen_without_sources(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    # What the interpreter itself froze at start-up (none before 3.12; some objects from 3.12 on).
    started = subprocess.run([sys.executable, "-c", "import gc; print(gc.get_freeze_count())"],
                             capture_output=True, text=True, check=True)
    assert frozen_while_tests_ran(pytester) == int(started.stdout)


def test_a_later_session_in_the_process_thaws_what_an_earlier_one_froze(pytester: pytest.Pytester,
                                                                       stacks: Path) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    try:
        for _ in range(2):
            scanned = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={stacks.name}")
            assert scanned.ret == pytest.ExitCode.TESTS_FAILED
            assert gc.get_freeze_count() > 0  # kept past its end: a process that exits now collects nothing
            plain = pytester.runpytest_inprocess("-p", "no:cacheprovider", "test_plain.py")
            assert plain.ret == pytest.ExitCode.OK
            assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()


# Counts, at each scan item's teardown, the findings the session keeps of it by status.
HELD = """
import json
from pathlib import Path

from pytest_iaccompliance.options import FINDINGS

def pytest_runtest_teardown(item):
    if FINDINGS in item.stash:
        held = Path("held.json")
        counts = json.loads(held.read_text()) if held.exists() else {}
        for finding in item.stash[FINDINGS]:
            counts[finding.status.value] = counts.get(finding.status.value, 0) + 1
        held.write_text(json.dumps(counts))
"""


def test_passed_findings_are_held_only_for_a_manifest(pytester: pytest.Pytester, stacks: Path) -> None:
    pytester.makeconftest(HELD)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={stacks.name}")
    held = json.loads((pytester.path / "held.json").read_text())
    assert "passed" not in held
    assert held["failed"] > 0

    (pytester.path / "held.json").unlink()
    pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={stacks.name}", f"{OPT_REPORT}=out.json")
    held = json.loads((pytester.path / "held.json").read_text())
    manifest = json.loads((pytester.path / "out.json").read_text())
    statuses = [finding["status"] for finding in manifest["findings"]]
    assert held["passed"] == statuses.count("passed") > 0


# Records, at the session's end, how much derived data the scan items' contexts still hold.
DERIVED_PROBE = """
from pathlib import Path

def pytest_sessionfinish(session):
    contexts = {id(item.context): item.context for item in session.items if hasattr(item, "context")}
    held = sum(len(c.memo) + len(c.resources._partner_indexes) for c in contexts.values())
    Path("derived.txt").write_text(f"{len(contexts)} {held}")
"""


def test_what_the_rules_derived_is_released_after_the_run(pytester: pytest.Pytester, stacks: Path) -> None:
    """Shared analyses and partner indexes are as many containers again as the resources on a large plan:
    once every item ran, they are dropped before pytest's closing collection walks them."""
    pytester.makeconftest(DERIVED_PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={stacks.name}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the example stacks hold critical findings
    contexts, held = map(int, (pytester.path / "derived.txt").read_text().split())
    assert contexts > 0
    assert held == 0


# Records, once the scan items have run, which of the extras' libraries the session imported.
EXTRAS_PROBE = """
import sys
from pathlib import Path

EXTRAS = ("cdktf", "cdktn", "jsii", "constructs", "pulumi", "pulumi_aws", "boto3", "botocore", "moto", "checkov")

def pytest_sessionfinish(session):
    Path("imported.txt").write_text(" ".join(m for m in EXTRAS if m in sys.modules) or "none")
"""


def test_a_scan_imports_no_extras_library(pytester: pytest.Pytester, stacks: Path) -> None:
    """Users install extras: a `--iac-source` run pays for none of them (each costs start-up time on every
    run), in an environment that has them installed as this one does."""
    import importlib.util

    installed = [m for m in ("pulumi", "boto3", "moto") if importlib.util.find_spec(m) is not None]
    assert installed, "the test environment has the pulumi and aws extras"
    pytester.makeconftest(EXTRAS_PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={stacks.name}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the example stacks hold critical findings
    assert (pytester.path / "imported.txt").read_text() == "none"


# Records, at the session's end, whether the ledger holds the findings the scan items made or copies of them.
SAME_FINDINGS_PROBE = """
from pathlib import Path
from pytest_iaccompliance.options import FINDINGS
from pytest_iaccompliance.session import LEDGER

def pytest_sessionfinish(session):
    made = {id(f) for item in session.items if FINDINGS in item.stash for f in item.stash[FINDINGS]}
    ledger = session.config.stash[LEDGER].findings
    Path("same.txt").write_text(f"{len(ledger)} {sum(id(f) in made for f in ledger)}")
"""


def test_in_one_process_findings_reach_the_summary_without_a_round_trip(pytester: pytest.Pytester,
                                                                         stacks: Path) -> None:
    """Only an xdist worker's report crosses a process boundary: in one process the summary reads the very
    findings the items made, rather than tens of thousands of copies through dicts."""
    pytester.makeconftest(SAME_FINDINGS_PROBE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"{OPT_SOURCE}={stacks.name}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the example stacks hold critical findings
    held, same = map(int, (pytester.path / "same.txt").read_text().split())
    assert held > 0
    assert same == held


# At the end of the session, after the reports are written: how many of the findings the controller kept are
# still walked by the cyclic collector (pytest's own collections at the end, the interpreter's at exit).
WALKED = """
import gc
from pathlib import Path

import pytest

from pytest_iaccompliance.session import LEDGER

@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    if LEDGER not in session.config.stash:
        return
    findings = session.config.stash[LEDGER].findings
    walked = {id(o) for o in gc.get_objects()}
    Path("walked.txt").write_text(f"{len(findings)} {sum(id(f) in walked for f in findings)}")
"""


@pytest.mark.parametrize("mode", [pytest.param([], id="single"), pytest.param(["-n", "2"], id="xdist")])
def test_findings_kept_for_the_reports_are_frozen_after_the_run(pytester: pytest.Pytester, stacks: Path,
                                                                  mode: list[str]) -> None:
    pytester.makeconftest(WALKED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *mode, f"{OPT_SOURCE}={stacks.name}",
                                           f"{OPT_REPORT}=out.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    kept, walked = map(int, (pytester.path / "walked.txt").read_text().split())
    assert kept > 50  # every finding, passed ones included, for the manifest
    assert walked == 0
