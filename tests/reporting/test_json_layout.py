"""The reports' JSON layout: the same data as ``json`` reads it, one record per line below the outer levels."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_iaccompliance.reporting.manifest import readable_json

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=25,
)


@given(JSON_VALUES)
def test_the_text_reads_back_as_the_same_data(value: Any) -> None:
    assert json.loads(readable_json(value)) == value


@given(st.dictionaries(st.text(), JSON_VALUES, max_size=6))
def test_key_order_does_not_change_the_text(value: dict[str, Any]) -> None:
    reversed_order = dict(reversed(list(value.items())))
    assert readable_json(reversed_order) == readable_json(value)
    assert readable_json(value) == readable_json(value)


def test_each_record_of_a_top_level_list_is_one_line() -> None:
    findings = [{"policy_id": "AWS-S3-001", "address": f"aws_s3_bucket.b{i}", "controls": ["CIS-AWS-3.0:2.1.1"],
                 "message": "line\nbreak é"} for i in range(3)]
    text = readable_json({"manifest_version": 2, "findings": findings, "verdict": {"critical": {"failed": 1}}})
    assert text.splitlines() == [
        "{",
        '  "findings": [',
        *[f'    {{"address": "aws_s3_bucket.b{i}", "controls": ["CIS-AWS-3.0:2.1.1"], '
          f'"message": "line\\nbreak \\u00e9", "policy_id": "AWS-S3-001"}}{"," if i < 2 else ""}' for i in range(3)],
        "  ],",
        '  "manifest_version": 2,',
        '  "verdict": {',
        '    "critical": {"failed": 1}',
        "  }",
        "}",
    ]
