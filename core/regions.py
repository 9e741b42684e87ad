"""行政区划 codes as a tree: a row belongs to a user's scope when its region code starts with the
prefix of the user's region (province 610000 → "61", city 610800 → "6108", county 610802)."""

from __future__ import annotations

import re

_CODE = re.compile(r"^\d{6}(\d{3}){0,2}$")


def region_prefix(code: str) -> str:
    """The prefix shared by every region code in the subtree of `code` (same rule as the SQL
    function `region_prefix`)."""
    if not _CODE.match(code):
        raise ValueError(f"not a 行政区划 code: {code!r}")
    if len(code) > 6:
        return re.sub(r"(000)+$", "", code)
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def in_scope(scope_code: str, region_code: str) -> bool:
    """Is `region_code` inside the subtree of `scope_code`?"""
    return region_code.startswith(region_prefix(scope_code))
