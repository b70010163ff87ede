"""Tests over `terraform show -json` output and a state file, with no Terraform binary and no AWS access."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_iaccompliance import ResourceSet, Severity, load
from pytest_iaccompliance.assertions import assert_compliant, assert_has_resource

HERE = Path(__file__).parent  # sources relative to this file, not to the folder pytest runs in


@pytest.fixture(scope="module")
def deployed() -> ResourceSet:
    return load(HERE / "terraform.tfstate")


@pytest.fixture(scope="module")
def planned() -> ResourceSet:
    return load(HERE / "plan.json")


@pytest.mark.critical
def test_what_is_deployed_meets_the_baseline(deployed: ResourceSet) -> None:
    assert_compliant(deployed, min_severity=Severity.WARNING)


@pytest.mark.critical
def test_planned_database_stays_private(planned: ResourceSet) -> None:
    assert_has_resource(planned, "aws_db_instance", {"publicly_accessible": False})


@pytest.mark.warning
def test_every_vpc_keeps_its_flow_log(planned: ResourceSet) -> None:
    vpcs = planned.get_resources("aws_vpc")
    flow_logs = planned.get_resources("aws_flow_log")
    assert len(flow_logs) >= len(vpcs) > 0
