"""Pre-flight: ``PlatformStack`` is decorated with ``@preflight``, so synthesizing it runs the check first.

``cdktf synth`` (``python my_infra.py``) fails before writing cdk.tf.json when a resource lacks a required
tag, encryption or a public-access block; so does this test whenever the stack is synthesized. It uses the
same arguments as test_my_infra.py, so a cold run synthesizes (and pre-flights) the stack once, and the
synth cache answers later runs until my_infra.py changes. ``pytest -k preflight`` runs it alone.
"""

from __future__ import annotations


def test_platform_stack_passes_preflight(cdktf_synth):
    stack = cdktf_synth("my_infra:PlatformStack", "platform-prod", environment="prod")
    assert stack.of_type("aws_s3_bucket")
