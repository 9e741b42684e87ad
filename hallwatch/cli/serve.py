"""`hallwatch serve ingest|…`: run one service alone (one container each in docker/compose).
Each service adds one command here."""

from __future__ import annotations

from pathlib import Path

import typer

from hallwatch.cli.common import DataDir, settings

app = typer.Typer(help="运行单个服务: run one service in the foreground", no_args_is_help=True)


@app.command("ingest")
def serve_ingest(
    port: int | None = typer.Option(None, "--port", help="HTTP port (default 8601)"),
    data_dir: Path | None = DataDir,
) -> None:
    """数据接入服务: HTTP API, NATS JetStream consumer (with HALLWATCH_NATS_URL), projector."""
    from ingest.service import serve

    serve(settings(data_dir, ingest_port=port))


@app.command("alerts")
def serve_alerts(
    port: int | None = typer.Option(None, "--port", help="metrics/health port (default 8602)"),
    data_dir: Path | None = DataDir,
) -> None:
    """告警引擎: event tail, clock timers, periodic jobs, notifications; /metrics, /healthz."""
    from alerts.service import serve
    from hallwatch.cli.common import database
    from store.migrate import migrate

    s = settings(data_dir, alerts_port=port)
    db = database(s)
    migrate(db.url)
    serve(s, db)


@app.command("video")
def serve_video(
    port: int | None = typer.Option(None, "--port", help="HTTP/WebRTC port (default 8603)"),
    data_dir: Path | None = DataDir,
) -> None:
    """视频服务: capture, seat presence, camera health, evidence, WebRTC live view; /metrics."""
    from hallwatch.cli.common import database, wait_for_signal
    from store.migrate import migrate
    from video.service import start_video_service

    s = settings(data_dir, video_port=port)
    db = database(s)
    migrate(db.url)
    service = start_video_service(s, db)
    try:
        wait_for_signal()
    finally:
        service.stop()
