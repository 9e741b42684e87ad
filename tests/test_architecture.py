"""The package table of ARCHITECTURE.md (which top-level package may import which) holds for
every import in the code, including imports inside functions. The exceptions in force are
listed here by module, so a new one fails this test until it is argued for."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
MAY_IMPORT = {
    "core": set(),
    "store": {"core"},
    "ingest": {"core", "store"},
    "alerts": {"core", "store"},
    "video": {"core", "store"},
    "accountability": {"core", "store"},
    "sim": {"core"},
    "console": {"core", "store", "ingest", "alerts", "video", "accountability", "sim"},
}
OURS = set(MAY_IMPORT) | {"hallwatch", "bench", "tests"}
# (importing module, imported module): the alert repositories persist the alert vocabulary
# (findings, lifecycle, silences, matters as the rules see them), and the video service takes
# the twin's cameras (sim://) as a source.
EXCEPTIONS = {
    ("store.repos.alerts.engine", "alerts.state"),
    ("store.repos.alerts.records", "alerts.findings"),
    ("store.repos.alerts.records", "alerts.lifecycle"),
    ("store.repos.alerts.silences", "alerts.silences"),
    ("video.sim_source", "sim.frames"),
    ("video.sim_source", "sim.world"),
}


def imports() -> set[tuple[str, str]]:
    """(importing module, imported module) for every absolute import of our packages."""
    out = set()
    for package in MAY_IMPORT:
        for path in (ROOT / package).rglob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    out |= {(module, a.name) for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    out.add((module, node.module))
    return {(a, b) for a, b in out if b.split(".")[0] in OURS}


def test_every_import_follows_the_package_table():
    found = imports()
    assert len(found) > 200  # the scan sees the code base, not an empty folder
    breaking = {
        (a, b)
        for a, b in found
        if (top := b.split(".")[0]) != a.split(".")[0] and top not in MAY_IMPORT[a.split(".")[0]]
    }
    assert breaking - EXCEPTIONS == set(), "imports against ARCHITECTURE.md's package table"
    assert EXCEPTIONS - breaking == set(), "an exception no longer needed: remove it"
