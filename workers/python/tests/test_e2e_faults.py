"""Faults with real processes: cancel mid-denoising, SIGKILL of a runner (a second runner finishes the
task as attempt 2), SIGTERM (the task goes back to the queue at once, its attempt not counted)."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from .support.runner_process import RunnerProcess
from .support.server import ServerProcess

pytestmark = pytest.mark.e2e

# A tiny step takes tens of milliseconds: this many make a task spend seconds denoising, so faults
# land in the middle of it, while the short video keeps the encode (costly for random content) short.
STEPS = 100
LONG = {"prompt": "A long journey across the hills", "settings": {"seed": 9, "duration": 2, "aspectRatio": "16:9"}}


def start(server: ServerProcess, token: str, model: Path, scratch: Path, runners: list[RunnerProcess]) -> RunnerProcess:
    runner = RunnerProcess(server, token, model, scratch, "--steps", str(STEPS))
    runners.append(runner)
    return runner


def wait_denoising(server: ServerProcess, task_id: str, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        task = server.task(task_id)
        if task["status"] == "IN_PROGRESS" and task["progress"] > 0.05:
            return task
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} never reached denoising: {server.task(task_id)}")


def test_cancel_during_denoising_then_next_task(
    server: ServerProcess, tiny_model: Path, scratch: Path, runners: list[RunnerProcess]
) -> None:
    runner = start(server, server.new_runner(), tiny_model, scratch, runners)
    runner.wait_for(r"runner ready")
    task_id = server.submit("generate", LONG)
    # The runner's stage is what the operator sees in `vidforge runners list`.
    stage = None
    deadline = time.monotonic() + 90
    while stage is None and time.monotonic() < deadline:
        for listed in server.admin("runners", "list"):
            for running in listed["running"]:
                if running["taskId"] == task_id and (running["stage"] or "").startswith("denoising step"):
                    stage = running["stage"]
    assert stage is not None and re.fullmatch(rf"denoising step \d+/{STEPS}", stage), stage
    server.cancel(task_id)
    task, _ = server.wait_task(task_id)
    assert task["status"] == "FAIL" and task["error"]["code"] == "CANCELLED"
    stopped = runner.wait_for(rf"task {task_id} stopped \(cancelled\) at: (.*)")
    # Denoising stopped at a step boundary: no VAE decode, no encode, no upload.
    assert re.fullmatch(rf"denoising step \d+/{STEPS}", stopped.group(1)), stopped.group(1)
    assert f"task {task_id} uploaded" not in runner.log()
    # The same runner takes the next task.
    next_id = server.submit("generate", {"prompt": "Next", "settings": {"seed": 2, "duration": 2}})
    done, _ = server.wait_task(next_id)
    assert done["status"] == "SUCCESS", f"{done}\n{runner.log()[-3000:]}"
    runner.wait_for(rf"task {next_id} claimed: generate for ltx2, attempt 1")


def test_sigkill_then_second_runner_finishes_as_attempt_2(
    server: ServerProcess, tiny_model: Path, scratch: Path, runners: list[RunnerProcess]
) -> None:
    token = server.new_runner()
    doomed = start(server, token, tiny_model, scratch, runners)
    doomed.wait_for(r"runner ready")
    task_id = server.submit("generate", LONG)
    doomed.wait_for(rf"task {task_id} claimed: generate for ltx2, attempt 1")
    # The rescuer loads its model meanwhile; with the same token (concurrency 1) its claims are
    # refused with 429 until the dead runner's lease is reaped.
    rescuer = start(server, token, tiny_model, scratch, runners)
    reported = wait_denoising(server, task_id)["progress"]
    doomed.process.kill()
    assert doomed.wait_exit() == -signal.SIGKILL
    rescuer.wait_for(rf"task {task_id} claimed: generate for ltx2, attempt 2", timeout_s=120)
    task, seen = server.wait_task(task_id, timeout_s=180)
    assert task["status"] == "SUCCESS", f"{task}\n{rescuer.log()[-3000:]}"
    assert all(state["progress"] >= reported for state in seen), "progress went back below the first attempt's"
    assert task["video"]["durationSeconds"] == 2 and task["video"]["width"] == 1280


def test_sigterm_gives_the_task_back_at_once(
    server: ServerProcess, tiny_model: Path, scratch: Path, runners: list[RunnerProcess]
) -> None:
    stopping = start(server, server.new_runner(), tiny_model, scratch, runners)
    stopping.wait_for(r"runner ready")
    task_id = server.submit("generate", LONG)
    stopping.wait_for(rf"task {task_id} claimed: generate for ltx2, attempt 1")
    wait_denoising(server, task_id)
    signalled = time.monotonic()
    stopping.signal(signal.SIGTERM)
    # Back in the queue at once, not after its lease (3 s here): the runner sent abort.
    deadline = signalled + 2
    while server.task(task_id)["status"] != "PENDING":
        assert time.monotonic() < deadline, server.task(task_id)
        time.sleep(0.02)
    stopping.wait_for(rf"task {task_id} given back to the queue")
    assert stopping.wait_exit(timeout_s=30) == 0
    assert f"task {task_id} uploaded" not in stopping.log()
    server.cancel(task_id)
