"""The corpus and the rules it is judged by, shared by the tests and the terminal summary."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from pytest_iaccompliance.policies.base import Policy
from pytest_iaccompliance.policies.builtin import builtin_policies
from tests.parity.cases import all_cases
from tests.parity.generated import generated_cases
from tests.parity.harness import Case, Verdicts, case_key

POLICIES: dict[str, Policy] = {p.id: p for p in builtin_policies()}


@functools.cache
def cases() -> list[Case]:
    """Built on first use (in the session, not at collection), once."""
    return [*all_cases(), *generated_cases()]


def disagreements(verdicts: Verdicts) -> Iterator[tuple[int, Case]]:
    for index, case in enumerate(cases()):
        if verdicts.ours[case_key(index)] != verdicts.theirs[case_key(index)]:
            yield index, case
