"""`python -m bench NAME` runs one benchmark (`all` runs every one); see bench/common.py."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def _names() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = _names()
    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: python -m bench NAME|all [args]\nbenchmarks:", *(n[6:] for n in names))
        return 0
    wanted = names if argv[0] == "all" else [f"bench_{argv[0]}"]
    for name in wanted:
        if name not in names:
            print(f"unknown benchmark {name[6:]!r}; known: {', '.join(n[6:] for n in names)}")
            return 2
        importlib.import_module(f"bench.{name}").main(argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
