"""The markers come from the plugin; registered here too so the example also runs on its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest


def pytest_configure(config: pytest.Config) -> None:
    registered = {
        line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")
    }
    for name, text in (
        ("critical", "a failure that blocks the merge"),
        ("warning", "a failure logged for the next remediation sprint"),
    ):
        if name not in registered:
            config.addinivalue_line("markers", f"{name}: {text}")
