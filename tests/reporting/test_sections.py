"""Control ids map to the framework sections auditors read reports by."""

from __future__ import annotations

import pytest

from pytest_iaccompliance.model import Finding, FindingStatus, Severity
from pytest_iaccompliance.policies.packs import FRAMEWORKS
from pytest_iaccompliance.reporting.sections import FindingCounts, section_of, section_totals, sections_of


@pytest.mark.parametrize(("control", "label"), [
    ("CIS-AWS-3.0:2.1.4", "CIS 2.1 storage"),
    ("CIS-AWS-3.0:2.3.1", "CIS 2.3 storage"),
    ("CIS-AWS-3.0:3.7", "CIS 3 logging"),
    ("CIS-AWS-3.0:1.16", "CIS 1 identity and access management"),
    ("CIS-AWS-3.0:5.2", "CIS 5 networking"),
    ("CIS-AWS-1.4:2.1.1", "CIS 2.1 storage"),
    ("NIST-800-53-r5:AC-6(10)", "NIST AC access control"),
    ("NIST-800-53-r5:SC-28", "NIST SC system and communications protection"),
    ("AWS-FSBP:S3.4", "FSBP S3"),
    ("AWS-FSBP:SecretsManager.1", "FSBP SecretsManager"),
    ("PCI-DSS-4.0:1.2.3", "PCI-DSS-4.0"),
])
def test_section_labels(control: str, label: str) -> None:
    section = section_of(control)
    assert section is not None
    assert section.label == label


def test_storage_sub_chapters_name_their_service() -> None:
    section = section_of("CIS-AWS-3.0:2.4.1")
    assert section is not None
    assert section.title == "Elastic File System (EFS)"


def test_an_id_without_a_framework_has_no_section() -> None:
    assert section_of("2.1.4") is None
    assert sections_of(("SC-28", "")) == ()


def test_every_built_in_control_has_a_known_section() -> None:
    """No built-in control falls to the catch-all row of an unknown framework."""
    from pytest_iaccompliance.policies.packs import controls_for

    for policy_id in {p for mapping in FRAMEWORKS.values() for p in mapping}:
        for control in controls_for(policy_id):
            section = section_of(control)
            assert section is not None, control
            assert section.key != section.framework, control


def finding(status: FindingStatus, *controls: str, address: str = "aws_s3_bucket.b") -> Finding:
    return Finding(policy_id="AWS-S3-002", severity=Severity.CRITICAL, status=status, address=address,
                   resource_type="aws_s3_bucket", source_file=None, message="m", controls=controls)


def test_totals_count_each_finding_once_per_section_in_report_order() -> None:
    findings = [
        finding(FindingStatus.PASSED, "NIST-800-53-r5:SC-28", "NIST-800-53-r5:SC-28(1)", "CIS-AWS-3.0:2.1.4"),
        finding(FindingStatus.FAILED, "CIS-AWS-3.0:2.1.4", "NIST-800-53-r5:AC-3", address="aws_s3_bucket.c"),
        finding(FindingStatus.WAIVED, "CIS-AWS-3.0:3.1"),
        finding(FindingStatus.BASELINED, "CIS-AWS-3.0:2.1.1"),
        finding(FindingStatus.UNKNOWN, "CIS-AWS-3.0:2.1.1"),
    ]
    totals = section_totals(findings)
    assert [t.line() for t in totals] == [
        "CIS 2.1 storage: 1 passed, 1 failed, 1 unknown, 1 baselined",
        "CIS 3 logging: 1 waived",
        "NIST AC access control: 1 failed",
        "NIST SC system and communications protection: 1 passed",
    ]
    assert totals[0].to_dict()["totals"] == {"passed": 1, "failed": 1, "unknown": 1, "waived": 0, "baselined": 1}


def test_sections_sort_numerically() -> None:
    labels = [s.label for s in sections_of(("CIS-AWS-3.0:5.1", "CIS-AWS-3.0:2.4.1", "CIS-AWS-3.0:2.1.1",
                                           "CIS-AWS-3.0:1.16"))]
    assert labels == ["CIS 1 identity and access management", "CIS 2.1 storage", "CIS 2.4 storage",
                      "CIS 5 networking"]


def test_counts_by_status_and_section_equal_a_count_of_each_finding() -> None:
    """Counting per control tuple first gives what counting every finding on its own gives."""
    findings = [
        finding(FindingStatus.PASSED, "CIS-AWS-3.0:2.1.4", "NIST-800-53-r5:SC-28", address=f"aws_s3_bucket.p{i}")
        for i in range(7)
    ] + [
        finding(FindingStatus.FAILED, "CIS-AWS-3.0:2.1.4", "NIST-800-53-r5:SC-28", address="aws_s3_bucket.f"),
        finding(FindingStatus.FAILED, "CIS-AWS-3.0:3.1", address="aws_cloudtrail.t"),
        finding(FindingStatus.UNKNOWN),  # no control: counted by status, in no section
    ]
    # Controls given as a list (a third-party policy's findings) count with the equal tuple.
    findings.append(Finding(policy_id="EXT-1", severity=Severity.WARNING, status=FindingStatus.WAIVED,
                            address="aws_s3_bucket.w", resource_type="aws_s3_bucket", source_file=None, message="m",
                            controls=["CIS-AWS-3.0:2.1.4"]))  # type: ignore[arg-type]
    counts = FindingCounts.of(findings)
    assert counts.by_status() == {"passed": 7, "failed": 2, "unknown": 1, "waived": 1}
    assert list(counts.by_status()) == ["passed", "failed", "unknown", "waived"]
    one_by_one: dict[str, dict[str, int]] = {}
    for each in findings:
        for section in sections_of(tuple(each.controls)):
            row = one_by_one.setdefault(section.label, {})
            row[each.status.value] = row.get(each.status.value, 0) + 1
    assert {t.section.label: {s: n for s, n in t.counts.items() if n} for t in counts.sections()} == one_by_one
    assert [t.section.label for t in counts.sections()] == [t.section.label for t in section_totals(findings)]
