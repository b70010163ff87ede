"""Reports written from findings: a JSON manifest for auditors and pipelines."""

from __future__ import annotations
