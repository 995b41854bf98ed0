"""Encoding frames to the contract's output: MP4, H.264 yuv420p, moov atom first, an exact frame
count (so the duration is exact), scaled to cover and cropped to the output size."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import TaskFailure
from .frames import Frame, cover_filter
from .tools import FFMPEG_QUIET, MediaTools

H264_ARGS = [
    *("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-profile:v", "high"),
    *("-flags:v", "+bitexact", "-map_metadata", "-1", "-map_chapters", "-1"),
    *("-fflags", "+bitexact", "-movflags", "+faststart", "-f", "mp4"),
]
AAC_ARGS = ["-c:a", "aac", "-b:a", "160k"]


@dataclass(frozen=True)
class EncodeSpec:
    """Frames of `in_width` x `in_height` at `fps`, written as `out_width` x `out_height`."""

    in_width: int
    in_height: int
    out_width: int
    out_height: int
    fps: Fraction
    # The exact frame count, or None to take every frame given (upscale streams chunk by chunk).
    frames: int | None
    # A video that goes first (extend: the source, re-encoded at the output size, then the new frames).
    prefix: Path | None = None
    prefix_frames: int = 0
    # A file whose first audio stream is kept: upscale copies it as it is (like the preview
    # engine); extend (with a prefix) pads it with silence to the new length.
    audio_from: Path | None = None
    audio_codec: str | None = None


def encode_frames(
    tools: MediaTools,
    spec: EncodeSpec,
    frames: Iterable[Frame],
    output: Path,
    check: Callable[[], None],
    on_frame: Callable[[int], None] | None = None,
) -> None:
    rate = f"{spec.fps.numerator}/{spec.fps.denominator}"
    raw_input = [
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{spec.in_width}x{spec.in_height}", "-r", rate, "-i", "pipe:0"),
    ]
    fit = cover_filter(spec.out_width, spec.out_height)
    total = None if spec.frames is None else spec.prefix_frames + spec.frames
    args = [tools.ffmpeg, *FFMPEG_QUIET]
    if spec.prefix is not None:
        args += ["-i", str(spec.prefix), *raw_input]
        graph = f"[0:v:0]fps={rate},{fit}[a];[1:v]{fit}[b];[a][b]concat=n=2:v=1:a=0[v]"
        if spec.audio_from is not None and total is not None:
            seconds = f"{total / float(spec.fps):.6f}"
            graph += f";[0:a:0]apad=whole_dur={seconds},atrim=end={seconds}[au]"
            args += ["-filter_complex", graph, "-map", "[v]", "-map", "[au]", *AAC_ARGS]
        else:
            args += ["-filter_complex", graph, "-map", "[v]"]
    else:
        args += raw_input
        if spec.audio_from is not None:
            audio = ["-c:a", "copy"] if spec.audio_codec == "aac" else AAC_ARGS
            args += ["-i", str(spec.audio_from), "-map", "0:v", "-map", "1:a:0", *audio]
        args += ["-vf", fit]
    if total is not None:
        args += ["-frames:v", str(total)]
    args += ["-r", rate, "-threads", str(tools.threads), *H264_ARGS, str(output)]

    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stderr is not None
    errors: list[bytes] = []
    # stderr is drained on its own thread so a chatty ffmpeg never blocks on a full pipe.
    drain = threading.Thread(target=lambda: errors.append(process.stderr.read() if process.stderr else b""))
    drain.start()
    written = 0
    try:
        for frame in frames:
            check()
            if frame.shape != (spec.in_height, spec.in_width, 3):
                raise ValueError(f"frame of shape {frame.shape}, expected {(spec.in_height, spec.in_width, 3)}")
            process.stdin.write(frame.tobytes())
            written += 1
            if on_frame is not None:
                on_frame(written)
            if spec.frames is not None and written >= spec.frames:
                break
        process.stdin.close()
        code = process.wait()
    except BrokenPipeError:
        code = process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        drain.join()
    if written == 0 or (spec.frames is not None and written < spec.frames):
        raise TaskFailure(
            "ENGINE_FAILED", f"the model produced {written} frames, {spec.frames or 'some'} were needed", retryable=True
        )
    if code != 0:
        detail = b"".join(errors).decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise TaskFailure("ENGINE_FAILED", f"ffmpeg failed to encode the video: {detail[0][:300]}", retryable=True)
