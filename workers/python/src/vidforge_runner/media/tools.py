"""Finding ffmpeg/ffprobe and running them as killable child processes."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaTools:
    ffmpeg: str
    ffprobe: str
    # Encoder threads: x264's output depends on the thread count, so it is fixed for reproducibility.
    threads: int = 2
    # The longest any one ffprobe may take; ffmpeg runs are bounded by the work they are fed.
    probe_timeout_s: float = 60.0


def find_tools() -> MediaTools:
    """ffmpeg and ffprobe from VIDFORGE_FFMPEG / VIDFORGE_FFPROBE or PATH; a clear error otherwise."""
    found: dict[str, str] = {}
    for name, variable in (("ffmpeg", "VIDFORGE_FFMPEG"), ("ffprobe", "VIDFORGE_FFPROBE")):
        configured = os.environ.get(variable)
        path = configured or shutil.which(name)
        if not path or not os.access(path, os.X_OK):
            where = f"{variable}={configured}" if configured else "PATH"
            raise RuntimeError(f"{name} was not found ({where}); install ffmpeg or set {variable}")
        found[name] = path
    return MediaTools(ffmpeg=found["ffmpeg"], ffprobe=found["ffprobe"])


def run_tool(args: list[str], timeout_s: float) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, capture_output=True, timeout=timeout_s, check=False, stdin=subprocess.DEVNULL)


FFMPEG_QUIET = ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"]
