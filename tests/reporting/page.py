"""Read back what an HTML compliance report shows: the coverage matrix, the policies and their rows."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any


@dataclass
class PolicyBlock:
    attrs: dict[str, str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    rest: list[list[str]] = field(default_factory=list)
    show_all: str = ""

    @property
    def statuses(self) -> list[str]:
        """Every resource's status, listed rows and those behind "show all"."""
        return [row["status"] for row in self.rows] + [cells[0] for cells in self.rest]

    @property
    def addresses(self) -> list[str]:
        return [row["cells"][1].split("\n")[0] for row in self.rows] + [cells[1] for cells in self.rest]


@dataclass
class Page:
    matrix_columns: list[str] = field(default_factory=list)
    matrix: dict[str, list[int]] = field(default_factory=dict)
    policies: dict[str, PolicyBlock] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    urls: list[str] = field(default_factory=list)
    text: str = ""

    def section_totals(self) -> dict[str, dict[str, int]]:
        return {section: dict(zip(self.matrix_columns, counts, strict=False))
                for section, counts in self.matrix.items()}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.policy: PolicyBlock | None = None
        self.in_matrix = False
        self.in_head = False
        self.section: str | None = None
        self.cell: list[str] | None = None
        self.cells: list[str] = []
        self.row: dict[str, Any] | None = None
        self.script: list[str] | None = None
        self.button: list[str] | None = None
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        for name in ("src", "href", "action", "poster", "data"):
            if name in a:
                self.page.urls.append(a[name])
        if tag == "table" and a.get("id") == "matrix":
            self.in_matrix = True
        elif tag == "thead" and self.in_matrix:
            self.in_head = True
        elif tag == "tr" and self.in_matrix and "data-section" in a:
            self.section, self.cells = a["data-section"], []
        elif tag == "section" and "policy" in classes:
            self.policy = PolicyBlock(a)
            self.page.policies[a["data-policy"]] = self.policy
        elif tag == "tr" and "row" in classes and self.policy is not None:
            self.row = {"status": a["data-status"], "classes": classes, "cells": []}
        elif (tag == "td" and (self.row is not None or self.section is not None)) or (tag == "th" and self.in_head):
            self.cell = []
        elif tag == "script" and "rest" in classes:
            self.script = []
        elif tag == "button" and "show-all" in classes:
            self.button = []
        elif tag == "input" and a.get("type") == "checkbox" and a.get("name") in ("severity", "status"):
            self.page.filters.setdefault(a["name"], []).append(a["value"])
        elif tag == "option" and "value" in a:
            self.page.filters.setdefault("section", []).append(a["value"])
        elif tag == "div" and self.cell is not None and self.cell:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.in_matrix:
            self.in_matrix = False
        elif tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.cell is not None:
            text = "".join(self.cell).strip()
            self.cell = None
            if self.in_head and tag == "th":
                self.page.matrix_columns.append(text)
            elif self.row is not None:
                self.row["cells"].append(text)
            elif self.section is not None and tag == "td":
                self.cells.append(text)
        elif tag == "tr" and self.section is not None:
            self.page.matrix[self.section] = [int(c) for c in self.cells]
            self.section = None
        elif tag == "tr" and self.row is not None and self.policy is not None:
            self.policy.rows.append(self.row)
            self.row = None
        elif tag == "script" and self.script is not None and self.policy is not None:
            self.policy.rest = _unpacked(json.loads("".join(self.script)))
            self.script = None
        elif tag == "button" and self.button is not None and self.policy is not None:
            self.policy.show_all = "".join(self.button)
            self.button = None

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        for sink in (self.cell, self.script, self.button):
            if sink is not None:
                sink.append(data)


def read_page(path: Path | str) -> Page:
    reader = _Reader()
    reader.feed(Path(path).read_text(encoding="utf-8"))
    reader.close()
    # The matrix header starts with "section" and ends with "total"; the counts sit between.
    reader.page.matrix_columns = reader.page.matrix_columns[1:]
    reader.page.text = "".join(reader.texts)
    return reader.page


def _unpacked(data: dict[str, Any]) -> list[list[str]]:
    """The rows behind "show all" as the page's script shows them: each file named, each line with its file."""
    rows = []
    for cells in data["rows"]:
        file = data["files"][cells[3]]
        line = cells[4]
        rows.append([*cells[:3], file, f"{file}:{line}" if isinstance(line, int) else line, *cells[5:]])
    return rows
