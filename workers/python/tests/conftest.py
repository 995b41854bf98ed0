"""Shared fixtures: the tiny LTX-2 checkpoint (built once per session, offline), source media, a
loopback file server, and one real Vidforge server for the session (each test makes its own runner tokens)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support.media import SourceServer, make_image, make_video
from .support.runner_process import RunnerProcess
from .support.server import ServerProcess, start_server

# Nothing in this suite may reach a network: the hub is off before anything imports it.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# Tiny models on 2 shared cores: one thread is faster than two fighting the server and the runners.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def scratch() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="vidforge-py-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def tiny_model(scratch: Path) -> Path:
    """A tiny LTX-2 checkpoint in the published layout, saved with save_pretrained."""
    from vidforge_runner.families.ltx2.tiny import save_tiny_ltx2

    return save_tiny_ltx2(scratch / "tiny-ltx2")


@pytest.fixture(scope="session")
def sources(scratch: Path) -> Iterator[SourceServer]:
    root = scratch / "sources"
    root.mkdir()
    make_image(root / "wide.png", 400, 200)
    # 30 fps with audio: extend and upscale must keep the source's rate; 2 s = 60 frames.
    make_video(root / "clip.mp4", 320, 240, 30, 2.0)
    make_video(root / "too-large.mp4", 2000, 1000, 24, 0.5, audio=False)
    server = SourceServer(root)
    yield server
    server.close()


@pytest.fixture(scope="session")
def server(sources: SourceServer) -> Iterator[ServerProcess]:
    started = start_server({"VIDFORGE_FETCH_ALLOW": f"127.0.0.1:{sources.port}"})
    yield started
    started.stop()


@pytest.fixture
def runners(tiny_model: Path, scratch: Path) -> Iterator[list[RunnerProcess]]:
    """Runner processes a test starts are appended here and killed after it, whatever happened."""
    started: list[RunnerProcess] = []
    yield started
    for runner in started:
        runner.kill()
