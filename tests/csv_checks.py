"""Assertions about CSV files a spreadsheet will open."""

from __future__ import annotations

import csv
import io
import re

#: Where a spreadsheet may begin a cell: after any of these, in any locale.
_SEPARATORS = re.compile(r"[,;\t\r\n|]")
_FORMULA_STARTS = tuple("=+-@\t\r|\uff1d\uff0b\uff0d\uff20")


def assert_safe_for_spreadsheets(text: str) -> list[list[str]]:
    """Check that every field is quoted and no cell could start a formula; return the rows."""
    rows = list(csv.reader(io.StringIO(text)))
    quoted = io.StringIO()
    csv.writer(quoted, quoting=csv.QUOTE_ALL).writerows(rows)
    assert quoted.getvalue() == text, "every field is quoted"
    for row in rows:
        for field in row:
            for piece in _SEPARATORS.split(field):
                assert not piece.lstrip(" \u00a0").startswith(_FORMULA_STARTS), (field, piece)
    return rows
