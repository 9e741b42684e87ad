"""One typed settings object for every process (STYLE.md habit 5).

Values come from `HALLWATCH_*` environment variables. Secrets may instead come from a file named
by `HALLWATCH_<NAME>_FILE` (Docker and Kubernetes secrets). An unknown `HALLWATCH_*` variable is
an error that names it, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "HALLWATCH_"
SECRET_FIELDS = ("database_url", "secret_key", "nats_url")


class SettingsError(ValueError):
    """The environment holds a bad or unknown HallWatch setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="forbid", frozen=True)

    data_dir: Path = Field(
        Path("var"), description="where the embedded database, evidence and reports live"
    )
    database_url: SecretStr | None = Field(
        None, description="postgresql:// URL of an existing server; unset: embedded PostgreSQL"
    )
    secret_key: SecretStr = Field(
        SecretStr("hallwatch-dev-secret-change-me"),
        description="signs video view tokens and console sessions; set it in production",
    )
    timezone: str = Field("Asia/Shanghai", description="time zone used for display")
    host: str = Field("127.0.0.1", description="address the HTTP services bind to")
    console_port: int = Field(8501, ge=1, le=65535)
    console_metrics_port: int | None = Field(
        None, ge=0, le=65535, description="/metrics of the console process; unset or 0: none"
    )
    ingest_port: int = Field(8601, ge=1, le=65535)
    alerts_port: int = Field(8602, ge=1, le=65535, description="metrics/health of the engine")
    video_port: int = Field(8603, ge=1, le=65535)
    public_video_url: str | None = Field(
        None, description="video service URL as the browser sees it; default http://host:port"
    )
    nats_url: SecretStr | None = Field(None, description="nats:// URL; unset: no JetStream")
    pool_max_size: int = Field(8, ge=1, le=200)
    official_fonts: bool = Field(
        False,
        description="notices name the licensed 仿宋_GB2312 / 方正小标宋简体 / 楷体_GB2312 / 黑体 / "
        "宋体 (install them first); off: the free Noto Serif CJK SC and AR PL UKai faces",
    )
    demo: bool = Field(True, description="seed the demo centre and stream simulated events")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def pg_dir(self) -> Path:
        return self.data_dir / "pg"

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"


def _from_files(env: Mapping[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in SECRET_FIELDS:
        key = f"{PREFIX}{name.upper()}_FILE"
        if key in env:
            path = Path(env[key])
            try:
                values[name] = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"{key}: cannot read {path}: {exc.strerror}") from None
    return values


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from `env` (default: the process environment), then apply `overrides`."""
    env = os.environ if env is None else env
    known = {f"{PREFIX}{name.upper()}" for name in Settings.model_fields}
    known |= {f"{PREFIX}{name.upper()}_FILE" for name in SECRET_FIELDS}
    unknown = sorted(k for k in env if k.startswith(PREFIX) and k not in known)
    if unknown:
        raise SettingsError(
            f"unknown setting {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    values: dict[str, object] = {
        k[len(PREFIX) :].lower(): v
        for k, v in env.items()
        if k in known and not k.endswith("_FILE")
    }
    for name, value in _from_files(env).items():
        if name in values:
            raise SettingsError(f"{PREFIX}{name.upper()}: set both directly and by _FILE")
        values[name] = value
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(problems) from None
