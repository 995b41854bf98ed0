"""What a source really is, by ffprobe: a task's source is checked by the server, but the runner
still reads it as untrusted input (a file that ffprobe cannot read fails the task, not the runner)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import TaskFailure
from .tools import MediaTools, run_tool


@dataclass(frozen=True)
class VideoProbe:
    width: int
    height: int
    fps: Fraction
    duration_s: float
    has_audio: bool
    audio_codec: str | None = None

    @property
    def frames(self) -> int:
        """Frames at the constant rate the runner decodes at (the duration times the average rate)."""
        return max(1, round(self.duration_s * float(self.fps)))


def _rate(text: object) -> Fraction | None:
    if not isinstance(text, str) or "/" not in text:
        return None
    num, _, den = text.partition("/")
    try:
        value = Fraction(int(num), int(den))
    except (ValueError, ZeroDivisionError):
        return None
    return value if 1 <= value <= 240 else None


def probe_video(tools: MediaTools, path: Path) -> VideoProbe:
    args = [
        tools.ffprobe,
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_entries",
        "format=duration:stream=codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate,duration",
        str(path),
    ]
    try:
        result = run_tool(args, tools.probe_timeout_s)
    except subprocess.TimeoutExpired as error:
        raise TaskFailure("SOURCE_INVALID", "The source video could not be read in time") from error
    if result.returncode != 0:
        raise TaskFailure("SOURCE_INVALID", "The source is not a readable video")
    try:
        info = json.loads(result.stdout)
    except ValueError as error:
        raise TaskFailure("SOURCE_INVALID", "The source is not a readable video") from error
    streams = info.get("streams") if isinstance(info, dict) else None
    if not isinstance(streams, list):
        raise TaskFailure("SOURCE_INVALID", "The source is not a readable video")
    video = next((s for s in streams if isinstance(s, dict) and s.get("codec_type") == "video"), None)
    if video is None:
        raise TaskFailure("SOURCE_UNSUPPORTED", "The source has no video stream")
    width, height = video.get("width"), video.get("height")
    if not isinstance(width, int) or not isinstance(height, int) or width < 2 or height < 2:
        raise TaskFailure("SOURCE_INVALID", "The source video has no usable frame size")
    fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
    if fps is None:
        raise TaskFailure("SOURCE_INVALID", "The source video has no usable frame rate")
    duration = _positive(info.get("format", {}).get("duration")) or _positive(video.get("duration"))
    if duration is None:
        raise TaskFailure("SOURCE_INVALID", "The source video has no duration")
    audio = next((s for s in streams if isinstance(s, dict) and s.get("codec_type") == "audio"), None)
    codec = audio.get("codec_name") if audio is not None else None
    return VideoProbe(
        width=width,
        height=height,
        fps=fps,
        duration_s=duration,
        has_audio=audio is not None,
        audio_codec=codec if isinstance(codec, str) else None,
    )


def _positive(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number > 0 and number == number and number != float("inf") else None
