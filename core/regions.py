"""行政区划 codes as a tree: a row belongs to a user's scope when its region code starts with the
prefix of the user's region (province 610000 → "61", city 610800 → "6108", county 610802)."""

from __future__ import annotations

# 省 2, 市 2, 县 2, 乡 3, 村 3 digits
SEGMENTS = (2, 2, 2, 3, 3)


def region_prefix(code: str) -> str:
    """The prefix that names a region's subtree: 610000 → '61', 610800 → '6108',
    610802 → '610802', 610802001000 → '610802001'; '' (national) → ''. Same rule as the SQL
    function `region_prefix` of migration 0001."""
    if code == "":
        return ""
    if not code.isdigit() or len(code) not in (6, 9, 12):
        raise ValueError(f"region_code must be 6, 9 or 12 digits, got {code!r}")
    segments: list[str] = []
    at = 0
    for width in SEGMENTS:
        if at >= len(code):
            break
        segments.append(code[at : at + width])
        at += width
    while segments and set(segments[-1]) == {"0"}:
        segments.pop()
    return "".join(segments)


def in_scope(scope_code: str, region_code: str) -> bool:
    """Is `region_code` inside the subtree of `scope_code`?"""
    return region_code.startswith(region_prefix(scope_code))
