"""Where accountability files live under the data directory: rendered notices, replies (整改
报告) and appeal attachments, each saved once under its SHA-256 (content-addressed, never
overwritten), and monthly bulletins."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accountability.notices.fonts import official_fonts_enabled

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


class UploadError(ValueError):
    """An uploaded file was refused (empty, too large); permanent."""


@dataclass(frozen=True)
class Storage:
    root: Path  # the data directory
    official_fonts: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> Storage:
        return cls(Path(settings.data_dir), official_fonts_enabled(settings))

    @property
    def notices(self) -> Path:
        return self.root / "notices"

    @property
    def uploads(self) -> Path:
        return self.root / "accountability"

    @property
    def bulletins(self) -> Path:
        return self.root / "reports" / "bulletins"

    def notice_path(self, year: int, doc_type: str, number: int, suffix: str) -> Path:
        return self.notices / str(year) / f"{doc_type}-{year}-{number:05d}.{suffix}"

    def save_upload(self, kind: str, case_id: int, file_name: str, data: bytes) -> SavedFile:
        """Save an uploaded file under uploads/KIND/CASE/SHA256-NAME; returns its record."""
        if not data:
            raise UploadError("上传的文件为空")
        if len(data) > MAX_UPLOAD_BYTES:
            raise UploadError(f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        digest = hashlib.sha256(data).hexdigest()
        path = self.uploads / kind / str(case_id) / f"{digest[:16]}-{safe_name(file_name)}"
        write_once(path, data)
        return SavedFile(safe_name(file_name), path, digest, len(data))


@dataclass(frozen=True)
class SavedFile:
    name: str
    path: Path
    sha256: str
    size: int


def safe_name(name: str) -> str:
    """A file name without directories or odd characters (Chinese kept)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "file"
    return cleaned[-120:]


def write_once(path: Path, data: bytes) -> None:
    """Write `data` atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
