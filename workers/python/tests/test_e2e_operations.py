"""The four operations through a real Vidforge server and one `vidforge-runner` process with the tiny
LTX-2 checkpoint: results probe at the contract's size, rate and duration; progress rises step by step;
cancel stops denoising and the runner takes the next task; a source the operation cannot take fails
with a code and is not retried."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .support.media import SourceServer, moov_before_mdat, probe
from .support.runner_process import RunnerProcess
from .support.server import ServerProcess

pytestmark = pytest.mark.e2e

STEPS = 6


@pytest.fixture(scope="module")
def runner(server: ServerProcess, tiny_model: Path, scratch: Path) -> Iterator[RunnerProcess]:
    process = RunnerProcess(server, server.new_runner(), tiny_model, scratch, "--steps", str(STEPS))
    process.wait_for(r"runner ready: family ltx2, operations generate,extend,upscale")
    yield process
    process.kill()


def download(server: ServerProcess, task: dict[str, Any], scratch: Path) -> Path:
    response = requests.get(task["mediaUrl"], timeout=30)
    assert response.status_code == 200
    path = scratch / f"{task['taskId']}.mp4"
    path.write_bytes(response.content)
    return path


def expect_success(task: dict[str, Any], runner: RunnerProcess) -> None:
    assert task["status"] == "SUCCESS", f"{task}\n--- runner log ---\n{runner.log()[-4000:]}"


def rising_progress(seen: list[dict[str, Any]]) -> list[float]:
    values = [state["progress"] for state in seen]
    assert values == sorted(values), "progress went down"
    return sorted({v for v, s in zip(values, seen, strict=True) if s["status"] == "IN_PROGRESS" and 0 < v < 1})


def test_generate_text_to_video(server: ServerProcess, runner: RunnerProcess, scratch: Path) -> None:
    task_id = server.submit(
        "generate",
        {"prompt": "A red kite over the sea", "settings": {"seed": 7, "duration": 2, "aspectRatio": "16:9"}},
    )
    task, seen = server.wait_task(task_id)
    expect_success(task, runner)
    assert task["progress"] == 1 and task["seed"] == 7
    assert task["video"] == {"width": 1280, "height": 720, "fps": 24, "durationSeconds": 2, "hasAudio": False}
    video = download(server, task, scratch)
    result = probe(video)
    assert (result.width, result.height, result.fps, result.frames) == (1280, 720, 24, 48)
    assert result.duration == pytest.approx(2.0, abs=1e-3)
    assert moov_before_mdat(video)
    # A polling client sees progress rise through every denoising step (plus the other stages).
    assert len(rising_progress(seen)) >= STEPS, rising_progress(seen)
    runner.wait_for(rf"task {task_id} succeeded")


def test_generate_from_image(
    server: ServerProcess, runner: RunnerProcess, sources: SourceServer, scratch: Path
) -> None:
    task_id = server.submit(
        "generate",
        {
            "prompt": "The picture comes alive",
            "config": {"sourceImage": sources.url("wide.png")},
            "settings": {"seed": 3, "duration": 4, "aspectRatio": "3:4"},
        },
    )
    task, _ = server.wait_task(task_id)
    expect_success(task, runner)
    result = probe(download(server, task, scratch))
    assert (result.width, result.height, result.fps, result.frames) == (720, 960, 24, 96)
    assert result.duration == pytest.approx(4.0, abs=1e-3)


def test_extend_keeps_source_size_and_rate(
    server: ServerProcess, runner: RunnerProcess, sources: SourceServer, scratch: Path
) -> None:
    task_id = server.submit(
        "extend",
        {
            "prompt": "The pattern keeps moving",
            "config": {"sourceVideo": sources.url("clip.mp4"), "extendDuration": 2},
            "settings": {"seed": 5, "guidanceScale": 3},
        },
    )
    task, _ = server.wait_task(task_id)
    expect_success(task, runner)
    result = probe(download(server, task, scratch))
    # The source (2 s at 30 fps, 320x240) followed by 2 new seconds at the same size and rate.
    assert (result.width, result.height, result.fps, result.frames) == (320, 240, 30, 120)
    assert result.duration == pytest.approx(4.0, abs=0.05)
    assert result.has_audio


def test_upscale_doubles_size_keeps_rate_duration_audio(
    server: ServerProcess, runner: RunnerProcess, sources: SourceServer, scratch: Path
) -> None:
    task_id = server.submit("upscale", {"config": {"sourceVideo": sources.url("clip.mp4")}})
    task, _ = server.wait_task(task_id)
    expect_success(task, runner)
    result = probe(download(server, task, scratch))
    assert (result.width, result.height, result.fps, result.frames) == (640, 480, 30, 60)
    assert result.duration == pytest.approx(2.0, abs=0.05)
    assert result.has_audio


def test_source_the_operation_cannot_take_fails_with_a_code_once(
    server: ServerProcess, runner: RunnerProcess, sources: SourceServer
) -> None:
    task_id = server.submit("upscale", {"config": {"sourceVideo": sources.url("too-large.mp4")}})
    task, _ = server.wait_task(task_id)
    assert task["status"] == "FAIL"
    assert task["error"]["code"] == "SOURCE_TOO_LARGE"
    runner.wait_for(rf"task {task_id} failed: SOURCE_TOO_LARGE: .* \(task is FAIL\)")
    # Not retried: claimed once, as attempt 1.
    assert len(re.findall(rf"task {task_id} claimed", runner.log())) == 1
