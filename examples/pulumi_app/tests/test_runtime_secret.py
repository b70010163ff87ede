"""The database password, read at run time from Secrets Manager (moto here), reaches Pulumi as a secret.

``aws_mock`` gives fake credentials and a moto-backed AWS in which no request leaves the machine;
``pulumi_secret`` hands the value over as ``Output.secret``, so it is encrypted in the state and never
recorded as a plaintext input.
"""

from __future__ import annotations

from pathlib import Path

from pytest_iaccompliance import FindingStatus, scan
from pytest_iaccompliance.secrets import resolve_secret

HERE = Path(__file__).parents[1]


def test_password_resolved_at_run_time(aws_mock, pulumi_mocks):  # type: ignore[no-untyped-def]
    aws_mock.seed_secret("dev/orders-db", {"username": "orders_admin", "password": "rotated-by-secrets-manager"})
    password = resolve_secret("dev/orders-db", key="password")
    assert password is not None

    stack = pulumi_mocks.run(HERE, stack="dev", secrets={"dbPassword": password})
    [db] = stack.of_type("aws_db_instance")
    assert db.is_marked_secret("password"), "Pulumi must record the password as a secret"


def test_no_plaintext_secret_in_the_export() -> None:
    findings = scan(HERE / "stack-export.json", select=["AWS-SECRET-*"])
    assert findings
    assert all(f.status is FindingStatus.PASSED for f in findings), [f.message for f in findings]
