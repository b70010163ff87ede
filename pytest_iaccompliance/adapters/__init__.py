"""Policies written for other tools (Checkov checks, OPA/Rego, Pulumi CrossGuard), turned into policies of ours.

Each adapter imports its tool only when a project asks for it, and gives ``Policy`` objects through the
same pack hook as the built-in rules, so severities, thresholds, waivers, baselines and reports hold for
them unchanged.
"""
