"""`hallwatch edge run|send`: the agent a hall's edge box runs, and a file bridge into it."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import orjson
import typer
from prometheus_client import CollectorRegistry

from hallwatch.cli.common import DataDir, settings

if TYPE_CHECKING:
    from core.settings import Settings
    from hallwatch.edge.video import EdgeVideo

log = logging.getLogger(__name__)

app = typer.Typer(
    help="边缘节点 edge agent: hall buffer and uplink to the centre", no_args_is_help=True
)


@app.command("run")
def run_command(
    center: str = typer.Option(..., "--center", help="this hall's centre code, e.g. YY-ZW"),
    central: str | None = typer.Option(
        None, "--central", help="central NATS URL (default HALLWATCH_NATS_URL; none: buffer only)"
    ),
    buffer_dir: Path | None = typer.Option(None, "--buffer-dir", help="default <data-dir>/edge"),
    local_nats: str | None = typer.Option(
        None,
        "--local-nats",
        help="a local nats-server with JetStream (default: start one)",
    ),
    local_port: int = typer.Option(4222, "--local-port", help="port of the buffer nats-server"),
    host: str | None = typer.Option(None, "--host", help="bind address (default HALLWATCH_HOST)"),
    port: int = typer.Option(8610, "--port", help="HTTP port: POST /events, /healthz, /metrics"),
    buffer_gib: float = typer.Option(8.0, "--buffer-gib", help="buffer size before refusing"),
    video: bool = typer.Option(
        False,
        "--video/--no-video",
        help="run the hall's video worker (cameras from the centre's HALLWATCH_DATABASE_URL)",
    ),
    video_port: int | None = typer.Option(
        None, "--video-port", help="WebRTC player and signalling (default HALLWATCH_VIDEO_PORT)"
    ),
    public_video_url: str | None = typer.Option(
        None,
        "--public-video-url",
        help="this hall's video service as browsers and the console reach it, e.g. "
        "http://10.61.8.2:8603; registered as the centre's video address at start "
        "(default HALLWATCH_PUBLIC_VIDEO_URL; none: the centre's address is left as it is)",
    ),
    presence_every: float = typer.Option(
        30.0,
        "--presence-every",
        help="seconds between presence samples of an unchanged seat (changes go at once); "
        "under 60 so every minute of the centre's 在岗率 has a sample",
    ),
    data_dir: Path | None = DataDir,
) -> None:
    """Run the hall's edge agent until Ctrl-C or SIGTERM."""
    from hallwatch.edge.agent import EdgeAgent, EdgeConfig, run_until_signalled

    s = settings(data_dir, video_port=video_port, public_video_url=public_video_url)
    s = s.model_copy(update={"public_video_url": _video_url(s.public_video_url)})
    central_url = central or (s.nats_url.get_secret_value() if s.nats_url else None)
    config = EdgeConfig(
        center=center,
        central_url=central_url,
        buffer_dir=buffer_dir or Path(s.data_dir) / "edge",
        local_url=local_nats,
        local_port=local_port,
        host=host or s.host,
        port=port,
        buffer_gib=buffer_gib,
    )
    typer.echo(f"edge agent {center}: http://{config.host}:{port}  buffer {config.buffer_dir}")
    registry = CollectorRegistry()
    workers = []
    if video:
        workers.append(_video_worker(s, center, config.host, presence_every, registry))
        typer.echo(f"video worker: http://{config.host}:{s.video_port}  evidence {s.evidence_dir}")
        typer.echo(
            f"registers {s.public_video_url} as {center}'s video address"
            if s.public_video_url
            else "no --public-video-url: the centre's video address for this hall is left as is"
        )
    asyncio.run(run_until_signalled(EdgeAgent(config, workers, registry)))


def _video_url(text: str | None) -> str | None:
    from video.client import parse_video_url

    try:
        return parse_video_url(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--public-video-url") from None


def _video_worker(
    s: Settings, center: str, host: str, presence_every: float, registry: CollectorRegistry
) -> EdgeVideo:
    from hallwatch.edge.video import EdgeVideo
    from video.worker import WorkerOptions

    if s.database_url is None:
        typer.secho(
            "--video needs HALLWATCH_DATABASE_URL: the centre's database holds the cameras",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)
    options = WorkerOptions(event_seconds=presence_every)
    local = s.model_copy(update={"host": host})  # the player binds where the agent does
    return EdgeVideo(local, center, options=options, registry=registry)


@app.command("send")
def send_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="events, one JSON a line"),
    url: str = typer.Option("http://127.0.0.1:8610", "--url", help="the edge agent"),
    batch: int = typer.Option(500, "--batch", min=1, max=5000),
    rate: float = typer.Option(0.0, "--rate", help="events per second; 0: as fast as accepted"),
) -> None:
    """Send a JSON-lines file of events to an edge agent (a file bridge for devices)."""
    stored = duplicates = refused = 0
    started = time.monotonic()
    with file.open("rb") as lines, httpx.Client(base_url=url, timeout=30) as client:
        chunk: list[object] = []
        for line in lines:
            if line.strip():
                chunk.append(orjson.loads(line))
            if len(chunk) >= batch:
                s, d, r = _post(client, chunk)
                stored, duplicates, refused = stored + s, duplicates + d, refused + r
                chunk = []
                if rate > 0:
                    _pace(started, stored + refused, rate)
        if chunk:
            s, d, r = _post(client, chunk)
            stored, duplicates, refused = stored + s, duplicates + d, refused + r
    typer.echo(f"stored {stored} (of which {duplicates} duplicates), refused {refused}")
    if refused:
        raise typer.Exit(1)


def _post(client: httpx.Client, chunk: list[object]) -> tuple[int, int, int]:
    for attempt in range(30):
        response = client.post("/events", json=chunk)
        if response.status_code != 503:
            body = response.json()
            for error in body.get("errors", []):
                typer.secho(f"refused #{error['index']}: {error['problems']}", fg="red", err=True)
            return body["stored"], body["duplicates"], len(body.get("errors", []))
        log.warning("buffer full or down (attempt %s); retrying", attempt + 1)
        time.sleep(2)
    raise typer.Exit(3)


def _pace(started: float, sent: int, rate: float) -> None:
    ahead = sent / rate - (time.monotonic() - started)
    if ahead > 0:
        time.sleep(ahead)
