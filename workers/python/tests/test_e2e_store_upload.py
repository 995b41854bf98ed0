"""A `vidforge-runner` process against a real Vidforge server whose results live in moto's S3: the
runner puts its video straight into the bucket through the claim's presigned PUT, the server checks
it there, and the client downloads the very object from the bucket. The API upload is not used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .support.media import probe
from .support.runner_process import RunnerProcess
from .support.s3 import TestS3, start_s3
from .support.server import ServerProcess, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def s3(scratch: Path) -> Iterator[TestS3]:
    started = start_s3(scratch)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def s3_server(s3: TestS3) -> Iterator[ServerProcess]:
    started = start_server(s3.env())
    yield started
    started.stop()


def test_generate_uploads_to_the_bucket(
    s3: TestS3, s3_server: ServerProcess, tiny_model: Path, scratch: Path, runners: list[RunnerProcess]
) -> None:
    runner = RunnerProcess(s3_server, s3_server.new_runner(), tiny_model, scratch, "--steps", "2")
    runners.append(runner)
    task_id = s3_server.submit("generate", {"prompt": "A kite", "settings": {"seed": 1, "duration": 2}})
    task, _ = s3_server.wait_task(task_id)
    assert task["status"] == "SUCCESS", f"{task}\n--- runner log ---\n{runner.log()[-4000:]}"
    log = runner.wait_for(rf"task {task_id} succeeded") and runner.log()
    assert f"task {task_id} uploaded to the object store:" in log
    assert "uploading through the server" not in log
    # The committed result is the object at the attempt's key, served by the bucket itself.
    assert task["mediaUrl"].startswith(f"{s3.endpoint}/{s3.bucket}/results/{task_id}/1.mp4?")
    response = requests.get(task["mediaUrl"], timeout=30)
    assert response.status_code == 200
    video = scratch / f"{task_id}.mp4"
    video.write_bytes(response.content)
    assert (probe(video).width, probe(video).height) == (1280, 720)
