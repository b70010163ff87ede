"""Differential parity with Checkov: both tools over the same cases, every disagreement documented.

Cases are the per-rule table of ``tests/policies/test_builtin_rules.py``, the security-group and policy
shapes of ``cases.py`` and Hypothesis-generated variations of the security-group shapes. Checkov runs
once, in-process, over one combined ``cdk.tf.json`` (its ``terraform_json`` framework: what
``checkov -d cdktf.out`` runs). A disagreement is documented when the case names the Checkov id and
the rule's metadata explains the difference (shown in RULES.md), or when our answer is ``unknown``: a
value unknown before apply is never decided here, where Checkov decides it (project-wide, see RULES.md).
"""

from __future__ import annotations

import pytest

from pytest_iaccompliance.policies.base import Policy
from tests.parity.harness import UNKNOWN, Case, Verdicts, case_key
from tests.parity.parity_data import POLICIES, cases, disagreements


def _show(index: int, case: Case, verdicts: Verdicts) -> str:
    key = case_key(index)
    return (f"{case.rule} {case.name} ({case.origin}): ours {verdicts.ours[key]}, Checkov "
            f"{verdicts.theirs[key]}; {' | '.join(verdicts.detail.get(key, []))}")


def _documented(policy: Policy) -> set[str]:
    return {cid for cid, _ in policy.checkov_differences}


def test_every_declared_checkov_id_is_one_checkov_knows_or_a_documented_gap() -> None:
    from tests.parity.harness import checkov_ids_known

    known = checkov_ids_known()
    unknown = {(p.id, cid) for p in POLICIES.values() for cid in p.checkov_ids
               if cid not in known and not any(c == cid and "not in Checkov" in why
                                               for c, why in p.checkov_differences)}
    assert not unknown, f"Checkov ids the installed Checkov does not know, undocumented: {sorted(unknown)}"


def test_every_rule_with_a_checkov_id_has_compliant_and_non_compliant_cases() -> None:
    verdicts_by_rule: dict[str, set[str]] = {}
    for case in cases():
        verdicts_by_rule.setdefault(case.rule, set()).add(case.expect)
    missing = {p.id: sorted({"passed", "failed"} - verdicts_by_rule.get(p.id, set()))
               for p in POLICIES.values() if p.checkov_ids}
    assert not {k: v for k, v in missing.items() if v}


def test_our_verdicts_are_the_ones_the_table_expects(verdicts: Verdicts) -> None:
    wrong = [_show(i, c, verdicts) for i, c in enumerate(cases()) if verdicts.ours[case_key(i)] != c.expect]
    assert not wrong, "\n".join(wrong)


def test_every_difference_from_checkov_is_documented(verdicts: Verdicts) -> None:
    undocumented = []
    for index, case in disagreements(verdicts):
        if verdicts.ours[case_key(index)] == UNKNOWN and case.expect == UNKNOWN:
            continue  # unknown never decides: documented once, for every rule
        if not case.differs or not set(case.differs) <= _documented(POLICIES[case.rule]):
            undocumented.append(_show(index, case, verdicts))
    assert not undocumented, "\n".join(undocumented)


def test_no_documented_difference_went_stale(verdicts: Verdicts) -> None:
    """A case that says it differs must still differ; otherwise the record misleads."""
    stale = [_show(i, c, verdicts) for i, c in enumerate(cases())
             if c.differs and verdicts.ours[case_key(i)] == verdicts.theirs[case_key(i)]]
    assert not stale, "\n".join(stale)


def test_every_documented_difference_is_shown_by_a_case() -> None:
    shown = {(c.rule, cid) for c in cases() for cid in c.differs}
    unshown = {(p.id, cid) for p in POLICIES.values() for cid, why in p.checkov_differences
               if (p.id, cid) not in shown and "not in Checkov" not in why}
    assert not unshown


@pytest.mark.parametrize("policy", [p for p in POLICIES.values() if p.checkov_differences], ids=lambda p: p.id)
def test_rules_catalogue_shows_each_difference(policy: Policy) -> None:
    from tools.gen_rules import render

    text = render(list(POLICIES.values()))
    section = text.split(f"## {policy.id}:", 1)[1].split("\n## ", 1)[0]
    for cid, _ in policy.checkov_differences:
        assert f"- Differs from {cid}: " in section
