"""Decoding a video into RGB frames through an ffmpeg pipe, a frame at a time (bounded memory)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import TaskFailure
from .tools import FFMPEG_QUIET, MediaTools

Frame = npt.NDArray[np.uint8]


def cover_filter(width: int, height: int) -> str:
    """Scale to cover width x height, then centre-crop: the aspect ratio is kept, never stretched."""
    return f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,crop={width}:{height},setsar=1"


def read_frames(
    tools: MediaTools,
    path: Path,
    width: int,
    height: int,
    fps: Fraction,
    check: Callable[[], None],
) -> Iterator[Frame]:
    """Yields the video's frames as (height, width, 3) uint8 arrays, resampled to a constant `fps`
    and cropped to cover the size. `check()` runs between frames and raises to stop (the child is killed)."""
    args = [
        tools.ffmpeg,
        *FFMPEG_QUIET,
        "-i",
        str(path),
        "-map",
        "0:v:0",
        "-vf",
        f"fps={fps.numerator}/{fps.denominator},{cover_filter(width, height)}",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
    ]
    size = width * height * 3
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    count = 0
    try:
        while True:
            check()
            data = process.stdout.read(size)
            if len(data) < size:
                break
            count += 1
            yield np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
        code = process.wait(timeout=30)
        if code != 0 or count == 0:
            raise TaskFailure("SOURCE_INVALID", "The source video could not be decoded")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()
