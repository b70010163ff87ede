"""One Checkov run per session over the whole corpus, and the parity figures in the terminal summary."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_iaccompliance.policies.base import RuleSettings
from tests.parity.harness import UNKNOWN, Verdicts, case_key, compare
from tests.parity.parity_data import POLICIES, cases, disagreements

_RESULT: list[Verdicts] = []


@pytest.fixture(scope="session")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    if not _RESULT:
        _RESULT.append(compare(cases(), POLICIES, RuleSettings(), tmp_path_factory.mktemp("parity")))
    return _RESULT[0]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _RESULT:
        return
    verdicts = _RESULT[0]
    differing = list(disagreements(verdicts))
    unknown = sum(1 for i, _ in differing if verdicts.ours[case_key(i)] == UNKNOWN)
    ids = sorted({cid for p in POLICIES.values() for cid in p.checkov_ids})
    rules = [p for p in POLICIES.values() if p.checkov_ids]
    terminalreporter.write_sep("-", "parity with Checkov")
    terminalreporter.write_line(
        f"{len(cases())} cases over {len(rules)} rules naming {len(ids)} Checkov ids: "
        f"{len(cases()) - len(differing)} agree, {len(differing) - unknown} differ as documented in the rules, "
        f"{unknown} where ours is unknown before apply"
    )
