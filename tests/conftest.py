from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
EXAMPLE_STACKS = Path(__file__).parent.parent / "examples" / "terraform_json" / "cdktf.out"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def example_stacks() -> Path:
    return EXAMPLE_STACKS
