from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture
def stack(pulumi_mocks):  # type: ignore[no-untyped-def]
    """The program in this folder, run under recording mocks with the dev stack's configuration."""
    return pulumi_mocks.run(HERE, stack="dev", secrets={"dbPassword": "not-a-real-password"})
