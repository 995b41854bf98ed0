"""One task's life against a scripted server and a fake model: LEASE_LOST, 404 and a cancel in a
heartbeat stop the work at its next check and nothing more is sent; a bad-input failure is reported
not retryable; a crash of the model is a retryable ENGINE_FAILED and never escapes."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from vidforge_runner.errors import TaskFailure
from vidforge_runner.families.base import WorkContext
from vidforge_runner.protocol.models import ExtendRequest, GenerateRequest, TaskType, UpscaleRequest
from vidforge_runner.task_run import TaskRun

from .support.fake_server import Script, claimed, client, fake, ok

__all__ = ["fake"]


class FakeFamily:
    """Steps until stopped (or `fail_with` is raised at step 3); writes a file when it finishes."""

    name = "fake"
    operations: tuple[TaskType, ...] = ("generate",)

    def __init__(self, steps: int = 400, fail_with: BaseException | None = None) -> None:
        self.steps = steps
        self.fail_with = fail_with
        self.done_steps = 0
        self.released = threading.Event()

    def generate(self, request: GenerateRequest, seed: int, context: WorkContext) -> Path:
        for step in range(self.steps):
            context.check()
            context.progress((step + 1) / self.steps * 0.9, f"denoising step {step + 1}/{self.steps}")
            if step == 3 and self.fail_with is not None:
                raise self.fail_with
            self.done_steps += 1
            threading.Event().wait(0.01)
        output = context.work_dir / "output.mp4"
        output.write_bytes(b"video")
        return output

    def extend(self, request: ExtendRequest, seed: int, context: WorkContext) -> Path:
        raise AssertionError("not used")

    def upscale(self, request: UpscaleRequest, seed: int, context: WorkContext) -> Path:
        raise AssertionError("not used")

    def release(self) -> None:
        self.released.set()


def run(script: Script, url: str, family: FakeFamily, tmp_path: Path) -> TaskRun:
    task_run = TaskRun(client(url), claimed(url), family, tmp_path, progress_interval_s=0)
    task_run.start()
    assert task_run.wait(20), "the task did not end"
    return task_run


def calls(script: Script) -> list[str]:
    return [path.rsplit("/", 1)[1] for _method, path, _headers, _body in script.seen]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (ok({"cancelled": True, "leaseExpiresAt": None}), "cancelled"),
        (ok({"error": {"code": "LEASE_LOST", "message": "reaped"}}, 409), "lease-lost"),
        (ok({"error": {"code": "TASK_NOT_FOUND", "message": "gone"}}, 404), "lease-lost"),
    ],
)
def test_a_stop_from_the_server_ends_the_work_and_nothing_more_is_sent(
    fake: tuple[Script, str], tmp_path: Path, answer: tuple[int, bytes, dict[str, str]], reason: str
) -> None:
    script, url = fake
    script.replies["/v1/runner/tasks/t1/heartbeat"] = [answer]
    family = FakeFamily()
    task_run = run(script, url, family, tmp_path)
    assert task_run.outcome == reason
    assert family.done_steps < family.steps and family.released.is_set()
    assert set(calls(script)) == {"heartbeat"}  # no upload, complete, fail or abort
    assert not task_run.work_dir.exists()


def test_heartbeats_carry_rising_progress_and_the_stage(fake: tuple[Script, str], tmp_path: Path) -> None:
    script, url = fake
    script.replies["/v1/runner/tasks/t1/heartbeat"] = [ok({"cancelled": False, "leaseExpiresAt": 5})]
    info = {"width": 2, "height": 2, "fps": 24, "durationSeconds": 1, "hasAudio": False}
    script.replies["/v1/runner/tasks/t1/output"] = [ok({"size": 5, "video": info})]
    script.replies["/v1/runner/tasks/t1/complete"] = [ok({"status": "SUCCESS"})]
    task_run = run(script, url, FakeFamily(steps=40), tmp_path)
    assert task_run.outcome == "succeeded"
    beats = [json.loads(body) for _m, path, _h, body in script.seen if path.endswith("/heartbeat")]
    progress = [beat["progress"] for beat in beats]
    assert progress == sorted(progress) and len(set(progress)) >= 10
    assert any(beat.get("stage", "").startswith("denoising step") for beat in beats)
    sent = calls(script)
    assert sent.count("output") == 1 and sent.count("complete") == 1
    assert sent.index("output") < sent.index("complete")


@pytest.mark.parametrize(
    ("error", "code", "retryable"),
    [
        (TaskFailure("SOURCE_INVALID", "The source is not a readable video"), "SOURCE_INVALID", False),
        (RuntimeError("a bug deep in the model"), "ENGINE_FAILED", True),
    ],
)
def test_failures_are_reported_with_their_code(
    fake: tuple[Script, str], tmp_path: Path, error: BaseException, code: str, retryable: bool
) -> None:
    script, url = fake
    script.replies["/v1/runner/tasks/t1/heartbeat"] = [ok({"cancelled": False, "leaseExpiresAt": 5})]
    script.replies["/v1/runner/tasks/t1/fail"] = [ok({"status": "FAIL"})]
    task_run = run(script, url, FakeFamily(fail_with=error), tmp_path)
    assert task_run.outcome == f"failed: {code}"
    sent = [json.loads(body) for _m, path, _h, body in script.seen if path.endswith("/fail")]
    assert len(sent) == 1 and sent[0]["code"] == code and sent[0]["retryable"] is retryable
