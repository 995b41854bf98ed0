"""Source media made with ffmpeg, and a loopback HTTP server the Vidforge server fetches them from."""

from __future__ import annotations

import functools
import json
import subprocess
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def make_video(path: Path, width: int, height: int, fps: int, seconds: float, audio: bool = True) -> Path:
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"]
    args += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)]
    subprocess.run(args, check=True, timeout=60)
    return path


def make_image(path: Path, width: int, height: int) -> Path:
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={width}x{height}:rate=1",
        "-frames:v",
        "1",
    ]
    subprocess.run([*args, str(path)], check=True, timeout=60)
    return path


@dataclass(frozen=True)
class Probe:
    width: int
    height: int
    fps: float
    duration: float
    frames: int
    has_audio: bool


def probe(path: Path) -> Probe:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-print_format",
            "json",
            "-show_streams",
            "-show_format",
            str(path),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    info: dict[str, Any] = json.loads(out)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    num, den = (int(x) for x in video["avg_frame_rate"].split("/"))
    assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p", video
    return Probe(
        width=int(video["width"]),
        height=int(video["height"]),
        fps=num / den,
        duration=float(info["format"]["duration"]),
        frames=int(video["nb_read_frames"]),
        has_audio=any(s["codec_type"] == "audio" for s in info["streams"]),
    )


def moov_before_mdat(path: Path) -> bool:
    """faststart: the moov atom precedes the media data."""
    data = path.read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


class SourceServer:
    """Serves a directory on 127.0.0.1 (the Vidforge server is told it may fetch from this port)."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    # HTTP/1.1 with Content-Length and keep-alive, like ordinary web servers. With HTTP/1.0 (the
    # base class's default: the server ends the socket after the body) the Vidforge server's
    # fetcher (undici) dies on an assertion for bodies larger than its first read; reported.
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass
