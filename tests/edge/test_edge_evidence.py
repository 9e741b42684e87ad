"""Each centre's own video service (`centers.video_url`), against a real PostgreSQL, a real
`hallwatch edge run --video` process for the hall YY-ZW and the console's own video service
(in-process) for the centre SF-ZW: the edge registers its address at start, the console's client
for each camera goes to its centre's service, and a snapshot taken at the edge reaches the
console only through the edge's token-checked, audited `GET /v1/evidence/{id}` — which never
serves a file outside its evidence directory. A case opened from an edge finding embeds the
snapshot fetched that way in its notice, or says where the picture is kept."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import nats
import psycopg
import pytest
from prometheus_client import CollectorRegistry
from psycopg.rows import dict_row
from streamlit.testing.v1 import AppTest

from accountability.files import Storage
from accountability.issuing import issue
from accountability.origins import open_from_finding
from accountability.service import Actor
from core.enums import Role
from core.settings import Settings, load_settings
from hallwatch.demo import seed_hall, seed_users
from hallwatch.edge.localnats import NatsServer, free_port
from store.db import Database, ensure_database
from store.repos import audit, users
from store.repos import video as video_repo
from store.repos import video_evidence as evidence_repo
from store.repos.accountability import cases as case_repo
from tests.accountability.origin_samples import finding
from tests.edge.central import central_stream_config
from tests.edge.fixtures import HALLWATCH, EdgeProcess
from tests.edge.inprocess import wait_for
from tests.fix_browser import login, screenshot, start_console
from tests.fix_people import PASSWORD, small_hall
from tests.video.test_browser import PLAYING
from video.client import VideoClient, VideoServiceError, evidence_subject, parse_video_url
from video.service import VideoService, start_video_service
from video.tokens import Purpose
from video.tokens import issue as issue_token
from video.worker import WorkerOptions

SECRET = "edge-evidence-test-secret"
YY, SF = "YY-ZW", "SF-ZW"  # the hall with an edge box; the centre on the console's service
YY_CAM, SF_CAM = "YY-ZW-W01-CAM", "SF-ZW-W01-CAM"
_names = itertools.count()


@pytest.fixture(scope="module")
def centre_db(pg_server, pg_template) -> Iterator[Database]:
    """Two centres (YY-ZW in 榆阳区, SF-ZW in 神木市), one camera each, the demo users of
    榆阳区 and a province inspector who sees both."""
    name = f"edge_ev_{os.getpid()}_{next(_names)}"
    ensure_database(pg_server.uri("postgres"), name, template=pg_template)
    db = Database(pg_server.uri(name), pg_server)
    with db.connect(autocommit=True) as conn:
        yy = small_hall()
        seed_hall(conn, yy)
        seed_hall(conn, small_hall(county="610821", center=SF, name="神木市政务服务中心"))
        seed_users(conn, yy)
        users.add(conn, "sheng-inspector", PASSWORD, Role.INSPECTOR, "610000", "省巡查员")
        conn.execute(
            "update cameras set enabled = code = any(%s), analysis_fps = 1, updated_at = now()",
            ([YY_CAM, SF_CAM],),
        )
    yield db
    with psycopg.connect(pg_server.uri("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')  # type: ignore[arg-type]


@pytest.fixture
def conn(centre_db: Database) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(centre_db.url, row_factory=dict_row, autocommit=True) as c:
        yield c


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("edge-evidence")


@pytest.fixture(scope="module")
def central_nats(workdir: Path) -> Iterator[NatsServer]:
    server = NatsServer(workdir / "central" / "jetstream", server_name="central").start()

    async def create() -> None:
        nc = await nats.connect(server.url)
        await nc.jetstream().add_stream(central_stream_config())
        await nc.close()

    with ThreadPoolExecutor(1) as pool:  # not on a loop playwright may be running here
        pool.submit(asyncio.run, create()).result()
    yield server
    server.stop()


class Edge:
    def __init__(self, process: EdgeProcess, video_url: str, data_dir: Path) -> None:
        self.process, self.video_url, self.data_dir = process, video_url, data_dir

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"


@pytest.fixture(scope="module")
def edge(centre_db, central_nats, workdir) -> Iterator[Edge]:
    """`hallwatch edge run --video --public-video-url …` for YY-ZW, as a hall runs it."""
    video_port = free_port()
    url = f"http://127.0.0.1:{video_port}"
    data_dir = workdir / "edge-data"
    env = {
        "HALLWATCH_DATABASE_URL": centre_db.url,
        "HALLWATCH_DATA_DIR": str(data_dir),
        "HALLWATCH_SECRET_KEY": SECRET,
    }
    args = ("--video", "--video-port", str(video_port), "--public-video-url", url + "/")
    process = EdgeProcess(YY, central_nats.url, workdir / "edge-buffer", args, env).start()
    try:
        wait_for(lambda: process.health().get("video_url"), timeout=90, what="the edge video")
        yield Edge(process, url, data_dir)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def console_settings(centre_db, workdir) -> Settings:
    return load_settings(
        {}, database_url=centre_db.url, data_dir=str(workdir / "console-data"),
        video_port=free_port(), secret_key=SECRET, host="127.0.0.1",
    )  # fmt: skip


@pytest.fixture(scope="module")
def own_video(centre_db, console_settings) -> Iterator[VideoService]:
    """The console's own video service (beside it, sharing its data directory): SF-ZW's."""
    service = start_video_service(
        console_settings, centre_db, registry=CollectorRegistry(),
        options=WorkerOptions(center_code=SF, sample_seconds=2.0, reload_seconds=1.0),
    )  # fmt: skip
    yield service
    service.stop()


def console_client(settings: Settings, user: str = "inspector", region: str = "610802"):
    return VideoClient(settings, user, region)


def for_camera(conn: Any, base: VideoClient, camera: str) -> VideoClient:
    cam = video_repo.camera(conn, camera)
    assert cam is not None
    return base.at(cam.video_url)


def take_snapshot(client: VideoClient, camera: str) -> int:
    """A snapshot as 视频巡查 takes it (retried until the camera has its first picture)."""

    def attempt() -> int | None:
        try:
            return client.take_snapshot(camera, "巡查问题")
        except VideoServiceError as exc:
            if "画面" not in str(exc) and "picture" not in str(exc):
                raise
            return None

    return wait_for(attempt, what=f"a snapshot of {camera}")


def evidence_views(conn: Any, evidence_id: int) -> list[audit.AuditEntry]:
    return [
        a
        for a in audit.recent(conn, action="video.evidence_view", limit=1000)
        if a.subject == evidence_subject(evidence_id)
    ]


def evidence_token(settings: Settings, evidence_id: int, **kw: Any) -> str:
    key = settings.secret_key.get_secret_value()
    now = kw.pop("now", datetime.now(UTC))
    kw.setdefault("purpose", Purpose.SNAPSHOT)
    kw.setdefault("region_code", "610802")
    return issue_token(key, "inspector", evidence_subject(evidence_id), now, **kw)


# ---------------------------------------------------------------- where each centre's video is


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("http://10.61.8.2:8603/", "http://10.61.8.2:8603"),
        (" https://video.yy.example/hall/ ", "https://video.yy.example/hall"),
        ("", None),
        ("   ", None),
    ],
)
def test_a_video_address_is_kept_without_its_trailing_slash(typed, kept):
    assert parse_video_url(typed) == kept


@pytest.mark.parametrize(
    "typed",
    ["ftp://hall/", "10.61.8.2:8603", "http://", "http://u:p@hall:8603", "http://hall/?a=1",
     "http://hall:99999", "http://hall/#x", "http://ha ll/"],
)  # fmt: skip
def test_a_video_address_that_is_not_a_plain_http_url_is_refused(typed):
    with pytest.raises(ValueError, match="视频服务地址"):
        parse_video_url(typed)


def test_edge_run_refuses_a_public_video_url_that_is_not_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
    cmd = [HALLWATCH, "edge", "run", "--center", YY, "--video"]
    cmd += ["--public-video-url", "ftp://hall/", "--buffer-dir", str(tmp_path)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--public-video-url" in done.stderr


def test_the_edge_registers_its_video_address_for_its_own_centre_only(edge, conn):
    assert video_repo.center_video_url(conn, YY) == edge.video_url  # trailing "/" dropped
    assert video_repo.center_video_url(conn, SF) is None
    changes = audit.recent(conn, action="video.center_url")
    assert [(a.actor, a.subject, a.detail["url"]) for a in changes] == [
        (f"edge:{YY}", YY, edge.video_url)
    ]
    assert httpx.get(f"{edge.video_url}/healthz", timeout=5).json()["cameras"] == 1


def test_the_console_client_of_each_camera_goes_to_its_centres_video_service(
    edge, own_video, console_settings, conn
):
    base = console_client(console_settings, "sheng-inspector", "610000")
    at_edge, at_console = for_camera(conn, base, YY_CAM), for_camera(conn, base, SF_CAM)
    own = f"http://127.0.0.1:{own_video.port}"
    assert at_edge.player_url(YY_CAM).startswith(f"{edge.video_url}/player?camera={YY_CAM}&")
    assert at_console.player_url(SF_CAM).startswith(f"{own}/player?camera={SF_CAM}&")
    assert httpx.get(at_edge.player_url(YY_CAM), timeout=5).status_code == 200
    wait_for(lambda: _jpeg(at_edge, YY_CAM), what="YY-ZW's picture from the edge")
    wait_for(lambda: _jpeg(at_console, SF_CAM), what="SF-ZW's picture from the console's own")
    with pytest.raises(VideoServiceError):  # each service has only its own centre's cameras
        base.snapshot_jpeg(YY_CAM)
    with pytest.raises(VideoServiceError):
        base.at(edge.video_url).snapshot_jpeg(SF_CAM)


def _jpeg(client: VideoClient, camera: str) -> bool:
    try:
        return client.snapshot_jpeg(camera)[:2] == b"\xff\xd8"
    except VideoServiceError:
        return False


# ---------------------------------------------------------------- evidence through the edge


@pytest.fixture(scope="module")
def edge_shot(edge, centre_db, console_settings) -> evidence_repo.Evidence:
    """A snapshot an inspector took of YY-ZW's camera: kept by the edge, its row at the centre."""
    with psycopg.connect(centre_db.url, row_factory=dict_row, autocommit=True) as c:
        client = for_camera(c, console_client(console_settings), YY_CAM)
        ev = evidence_repo.evidence(c, take_snapshot(client, YY_CAM))
    assert ev is not None
    return ev


def test_a_snapshot_taken_at_the_edge_is_fetched_by_the_console_through_the_edge(
    edge, own_video, edge_shot, console_settings, conn
):
    kept = edge.evidence_dir / edge_shot.path
    assert kept.is_file() and not (console_settings.evidence_dir / edge_shot.path).exists()
    before = len(evidence_views(conn, edge_shot.id))
    client = for_camera(conn, console_client(console_settings), YY_CAM)
    body = client.evidence_bytes(edge_shot.id, edge_shot.sha256)
    assert body == kept.read_bytes() and body[:2] == b"\xff\xd8"

    views = evidence_views(conn, edge_shot.id)
    assert len(views) == before + 1
    assert (views[0].actor, views[0].region_code) == ("inspector", "610802")
    assert views[0].detail["sha256"] == edge_shot.sha256
    # the console's own video service does not have it
    with pytest.raises(VideoServiceError, match="不在本视频服务"):
        console_client(console_settings).evidence_bytes(edge_shot.id, edge_shot.sha256)


@pytest.mark.parametrize(
    "token, why",
    [
        (None, "no token"),
        ("", "empty"),
        ("not-a-token", "garbage"),
        ("forged", "signed with another key"),
        ("expired", "expired"),
        ("other", "for another evidence"),
        ("camera", "a snapshot token for the camera"),
        ("view", "for live view, not evidence"),
        ("region", "a user of another county"),
    ],
)
def test_the_evidence_endpoint_refuses_without_a_good_token_and_audits_nothing(
    edge, edge_shot, console_settings, conn, token, why
):
    key = console_settings.secret_key.get_secret_value()
    now, subject = datetime.now(UTC), evidence_subject(edge_shot.id)
    tokens = {
        "forged": issue_token("another-key", "inspector", subject, now, purpose=Purpose.SNAPSHOT),
        "expired": evidence_token(console_settings, edge_shot.id, now=now - timedelta(minutes=10)),
        "other": evidence_token(console_settings, edge_shot.id + 1000),
        "camera": issue_token(key, "inspector", YY_CAM, now, purpose=Purpose.SNAPSHOT),
        "view": evidence_token(console_settings, edge_shot.id, purpose=Purpose.VIEW),
        "region": evidence_token(console_settings, edge_shot.id, region_code="610821"),
    }
    before = len(evidence_views(conn, edge_shot.id))
    params = {} if token is None else {"token": tokens.get(token, token)}
    resp = httpx.get(f"{edge.video_url}/v1/evidence/{edge_shot.id}", params=params, timeout=5)
    assert resp.status_code == 403, why
    assert resp.headers["content-type"].startswith("application/json")
    assert len(evidence_views(conn, edge_shot.id)) == before


def test_the_evidence_endpoint_never_serves_a_file_outside_its_evidence_directory(
    edge, console_settings, conn
):
    secret = edge.data_dir / "outside.jpg"
    secret.write_bytes(b"\xff\xd8 not evidence: a file beside the evidence directory")
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    (edge.evidence_dir / "link.jpg").symlink_to(secret)
    tricks = ["../outside.jpg", str(secret), "2026/01/../../../outside.jpg", "link.jpg"]
    for path in tricks:
        eid = _evidence_row(conn, path, digest)
        token = evidence_token(console_settings, eid)
        resp = httpx.get(f"{edge.video_url}/v1/evidence/{eid}", params={"token": token}, timeout=5)
        assert resp.status_code == 403, path
        assert b"not evidence" not in resp.content
        assert evidence_views(conn, eid) == []
    for url_path in ("..%2Foutside.jpg", "../outside.jpg", "%2E%2E/outside.jpg", "-1", "1.0"):
        resp = httpx.get(f"{edge.video_url}/v1/evidence/{url_path}", timeout=5)
        assert resp.status_code == 404 and b"not evidence" not in resp.content, url_path


def test_an_evidence_file_changed_on_the_edge_is_refused(edge, console_settings, conn):
    changed = edge.evidence_dir / "changed.jpg"
    changed.write_bytes(b"\xff\xd8 the picture as taken")
    eid = _evidence_row(conn, "changed.jpg", hashlib.sha256(changed.read_bytes()).hexdigest())
    client = console_client(console_settings).at(edge.video_url)
    assert client.evidence_bytes(eid, _sha(changed)) == changed.read_bytes()
    changed.write_bytes(b"\xff\xd8 the picture, retouched")
    with pytest.raises(VideoServiceError, match="SHA-256"):
        client.evidence_bytes(eid, evidence_repo.evidence(conn, eid).sha256)
    assert len(evidence_views(conn, eid)) == 1  # only the view that was served


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _evidence_row(conn: Any, path: str, sha256: str) -> int:
    return evidence_repo.add_evidence(
        conn, kind="snapshot", path=path, sha256=sha256, size=10, camera_code=YY_CAM,
        window_code="YY-ZW-W01", requested_by="inspector", taken_at=datetime.now(UTC),
    )  # fmt: skip


# ---------------------------------------------------------------- the case's notice


def supervisor() -> Actor:
    return Actor("supervisor", Role.SUPERVISOR, "610802", None)


def test_a_case_from_an_edge_finding_embeds_the_snapshot_fetched_from_the_edge(
    edge, edge_shot, console_settings, conn, workdir
):
    fid = finding(conn, "YY-ZW-W01", edge_shot.taken_at, evidence_id=edge_shot.id)
    client = for_camera(conn, console_client(console_settings, "supervisor"), YY_CAM)
    now = datetime.now(UTC)
    evidence_dir = console_settings.evidence_dir
    case = open_from_finding(
        conn, fid, supervisor(), now, evidence_dir=evidence_dir,
        fetch_evidence=client.try_evidence,
    )  # fmt: skip
    shot = next(e for e in case_repo.evidence(conn, case.id) if e.kind == "snapshot")
    assert shot.path == str((evidence_dir / edge_shot.path).absolute())
    assert _sha(Path(shot.path)) == edge_shot.sha256 == shot.sha256
    assert "原图保存在" not in shot.caption
    assert evidence_views(conn, edge_shot.id)[0].actor == "supervisor"  # the latest view

    notice = issue(conn, case.id, supervisor(), now, Storage(workdir / "reports"))
    images = subprocess.run(
        ["pdfimages", "-list", notice.pdf_path], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(images) == 1  # the snapshot from the edge, in the appendix


def test_a_case_opened_while_the_edge_is_unreachable_says_where_the_picture_is(
    edge, edge_shot, console_settings, conn, workdir
):
    fid = finding(conn, "YY-ZW-W01", edge_shot.taken_at, evidence_id=edge_shot.id)
    unreachable = console_client(console_settings, "supervisor").at(
        f"http://127.0.0.1:{free_port()}"
    )
    case = open_from_finding(
        conn, fid, supervisor(), datetime.now(UTC), evidence_dir=workdir / "elsewhere",
        fetch_evidence=unreachable.try_evidence,
    )  # fmt: skip
    shot = next(e for e in case_repo.evidence(conn, case.id) if e.kind == "snapshot")
    assert shot.path is None and shot.sha256 == edge_shot.sha256
    assert f"原图保存在该大厅的视频服务，未随本文附上，SHA-256：{edge_shot.sha256}" in shot.caption


# ---------------------------------------------------------------- the console's pages


@pytest.fixture(scope="module")
def console_env(edge, own_video, centre_db, console_settings) -> Iterator[None]:
    """The console's settings in this process's environment (for streamlit's AppTest)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("HALLWATCH_DATABASE_URL", centre_db.url)
    mp.setenv("HALLWATCH_DATA_DIR", str(console_settings.data_dir))
    mp.setenv("HALLWATCH_VIDEO_PORT", str(own_video.port))
    mp.setenv("HALLWATCH_SECRET_KEY", SECRET)
    from console import services

    services.settings.clear()
    services.pool.clear()
    yield
    services.pool.clear()
    services.settings.clear()
    mp.undo()


def page_as(conn: Any, username: str, page: str) -> AppTest:
    pages = Path(__file__).resolve().parents[2] / "console" / "app_pages"
    at = AppTest.from_file(str(pages / page), default_timeout=60)
    at.session_state["user"] = users.get(conn, username)
    return at.run()


def test_the_admin_sees_and_changes_each_centres_video_address(console_env, conn):
    users.add(conn, "sheng-admin", PASSWORD, Role.ADMIN, "610000", "省管理员")
    at = page_as(conn, "sheng-admin", "cameras.py")
    assert not at.exception
    table = next(d.value for d in at.dataframe if "视频服务地址" in d.value.columns)
    shown = dict(zip(table["编码"], table["视频服务地址"], strict=True))
    assert shown == {SF: "默认", YY: video_repo.center_video_url(conn, YY)}

    box = [s for s in at.selectbox if s.label == "服务中心"][-1]  # the video address tab's
    box.select_index(next(i for i, c in enumerate(box.options) if c.startswith(SF))).run()
    field = next(t for t in at.text_input if t.label.startswith("视频服务地址"))
    field.input("ftp://hall.example/").run()
    next(b for b in at.button if b.label == "保存地址").click().run()
    assert any("http://" in e.value for e in at.error)
    assert video_repo.center_video_url(conn, SF) is None

    field = next(t for t in at.text_input if t.label.startswith("视频服务地址"))
    nobody = f"http://127.0.0.1:{free_port()}"
    field.input(nobody + "/").run()
    next(b for b in at.button if b.label == "保存地址").click().run()
    assert video_repo.center_video_url(conn, SF) == nobody
    assert any("连不上" in w.value for w in at.warning)
    field = next(t for t in at.text_input if t.label.startswith("视频服务地址"))
    field.input("").run()
    next(b for b in at.button if b.label == "保存地址").click().run()
    assert video_repo.center_video_url(conn, SF) is None
    changes = [(a.actor, a.detail["url"]) for a in audit.recent(conn, action="video.center_url")]
    assert changes[:2] == [("sheng-admin", None), ("sheng-admin", nobody)]


def test_the_patrol_page_fetches_an_edge_snapshot_on_request(
    console_env, edge, console_settings, conn
):
    shot = evidence_repo.evidence(
        conn, take_snapshot(for_camera(conn, console_client(console_settings), YY_CAM), YY_CAM)
    )
    assert shot is not None and not (console_settings.evidence_dir / shot.path).exists()
    finding(conn, "YY-ZW-W01", shot.taken_at, evidence_id=shot.id)
    at = page_as(conn, "inspector", "patrol.py")
    assert not at.exception
    key = f"evidence-{shot.id}"
    assert evidence_views(conn, shot.id) == []  # not fetched until asked for
    next(b for b in at.button if b.key == key).click().run()
    assert not at.exception and not at.warning
    assert "取自大厅视频服务" in " ".join(_captions(at))
    assert [v.actor for v in evidence_views(conn, shot.id)] == ["inspector"]
    at.run()  # kept for the session: no second fetch
    assert len(evidence_views(conn, shot.id)) == 1


def _captions(at: AppTest) -> list[str]:
    return [c for el in at.get("image") for c in el.captions]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def console_url(edge, own_video, centre_db, console_settings) -> Iterator[str]:
    proc, url = start_console(
        centre_db.url, console_settings.data_dir,
        HALLWATCH_VIDEO_PORT=str(own_video.port), HALLWATCH_SECRET_KEY=SECRET,
    )  # fmt: skip
    yield url
    proc.terminate()
    proc.wait(10)


def go_live(page: Any, base: str) -> Any:
    """Click the first window's 实时 (again if the wall was redrawing under the click) until
    the player iframe is served from `base`; returns that frame."""
    for _ in range(3):
        page.get_by_role("button", name="实时").first.click(timeout=30_000)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            for frame in page.frames:
                if frame.url.startswith(f"{base}/player?"):
                    return frame
            page.wait_for_timeout(200)
    raise AssertionError(f"no player from {base}: {[f.url for f in page.frames]}")


@pytest.mark.browser
def test_the_patrol_page_plays_each_centres_cameras_from_its_own_video_service(
    console_url, edge, own_video, page
):
    login(page, console_url, "sheng-inspector", PASSWORD)
    page.get_by_role("link", name="视频巡查", exact=True).click()
    page.get_by_role("heading", name="视频巡查").wait_for()
    # 神木 (SF-ZW, first) has no edge box: the console's own video service
    own = go_live(page, f"http://127.0.0.1:{own_video.port}")
    assert parse_qs(urlparse(own.url).query)["camera"] == [SF_CAM]
    # 榆阳 (YY-ZW): the browser goes to the hall's edge box, and the video plays
    page.get_by_label("服务中心", exact=True).click()
    page.get_by_role("option", name="榆阳区政务服务中心", exact=True).click()
    frame = go_live(page, edge.video_url)
    assert parse_qs(urlparse(frame.url).query)["camera"] == [YY_CAM]
    width, _ = frame.wait_for_function(PLAYING, timeout=30_000).json_value()
    assert width == 640
    screenshot(page, "video-patrol-edge-centre")
