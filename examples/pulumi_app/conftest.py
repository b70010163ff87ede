from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    # The plugin registers these; repeated here so the example also runs against older plugin
    # builds.
    config.addinivalue_line("markers", "critical: a failure blocks the deployment")
    config.addinivalue_line("markers", "warning: a failure is reported, tolerated up to a limit")


@pytest.fixture
def stack(pulumi_mocks):  # type: ignore[no-untyped-def]
    """The program in this folder, run under recording mocks with the dev stack's configuration."""
    return pulumi_mocks.run(HERE, stack="dev", secrets={"dbPassword": "not-a-real-password"})
