"""Built-in rules, one module per AWS service; each module lists its policies in ``POLICIES``."""

from __future__ import annotations
