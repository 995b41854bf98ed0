"""The protocol client against a scripted loopback server: malformed, oversized and error answers
become ProtocolErrors with clear codes; transient errors are retried, 4xx never; a task whose
request the runner does not fully understand is failed (retryable) instead of run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vidforge_runner.errors import ProtocolError
from vidforge_runner.protocol.client import ClaimedTask, RunnerClient
from vidforge_runner.protocol.models import GenerateRequest, RunnerTask

from .support.fake_server import Reply, Script, claimed, client, fake, ok, task_json

__all__ = ["fake"]  # the fixture, imported for pytest


def test_claim_sends_the_narrowed_body_and_parses_the_task(fake: tuple[Script, str]) -> None:
    script, url = fake
    script.replies["/v1/runner/claim"] = [ok({"task": task_json(), "futureField": 1})]
    task = client(url).claim(["ltx2"], ["generate", "extend"], 1500)
    assert task is not None and task.id == "t1" and isinstance(task.request, GenerateRequest)
    method, path, headers, body = script.seen[0]
    assert (method, path) == ("POST", "/v1/runner/claim")
    assert headers["Authorization"] == "Bearer vfr_test"
    assert json.loads(body) == {"engines": ["ltx2"], "operations": ["generate", "extend"], "waitMs": 1500}


def test_claim_of_nothing(fake: tuple[Script, str]) -> None:
    script, url = fake
    script.replies["/v1/runner/claim"] = [ok({"task": None})]
    assert client(url).claim(["ltx2"], ["generate"], 0) is None


@pytest.mark.parametrize(
    ("reply", "code", "words"),
    [
        ((200, b"<html>oops</html>", {}), "RESPONSE_INVALID", "not JSON"),
        (ok({"task": {"taskId": "x"}}), "RESPONSE_INVALID", "unexpected answer"),
        ((200, b"[" * (2 * 1024 * 1024), {}), "RESPONSE_INVALID", "larger than"),
        ((500, b"", {}), "HTTP_500", "without an error body"),
        (ok({"error": {"code": "UNAUTHORIZED", "message": "unknown token"}}, 401), "UNAUTHORIZED", "unknown token"),
    ],
)
def test_bad_claim_answers_are_clear_errors(fake: tuple[Script, str], reply: Reply, code: str, words: str) -> None:
    script, url = fake
    script.replies["/v1/runner/claim"] = [reply]
    with pytest.raises(ProtocolError) as caught:
        client(url).claim(["ltx2"], ["generate"], 0)
    assert caught.value.code == code
    assert words in caught.value.message


def test_a_server_of_another_protocol_version_is_refused_and_its_task_given_back(fake: tuple[Script, str]) -> None:
    script, url = fake
    script.replies["/v1/runner/claim"] = [ok({"protocolVersion": 2, "task": task_json()})]
    script.replies["/v1/runner/tasks/t1/abort"] = [ok({"status": "PENDING"})]
    with pytest.raises(ProtocolError) as caught:
        client(url).claim(["ltx2"], ["generate"], 0)
    assert caught.value.code == "PROTOCOL_MISMATCH"
    assert not caught.value.transient
    assert "speaks runner protocol version 2, this runner speaks version 1" in caught.value.message
    assert [(method, path) for method, path, _, _ in script.seen] == [
        ("POST", "/v1/runner/claim"),
        ("POST", "/v1/runner/tasks/t1/abort"),
    ]


def test_a_claim_of_version_1_is_accepted(fake: tuple[Script, str]) -> None:
    script, url = fake
    script.replies["/v1/runner/claim"] = [ok({"protocolVersion": 1, "task": task_json()})]
    task = client(url).claim(["ltx2"], ["generate"], 0)
    assert task is not None and task.id == "t1"


def test_a_request_the_runner_does_not_understand_is_failed_retryable(fake: tuple[Script, str]) -> None:
    script, url = fake
    request = {"prompt": "a cat", "settings": {"seed": 4, "duration": 2, "aspectRatio": "1:1", "fps": 60}}
    script.replies["/v1/runner/claim"] = [ok({"task": task_json(request=request)})]
    script.replies["/v1/runner/tasks/t1/fail"] = [ok({"status": "PENDING"})]
    with pytest.raises(ProtocolError) as caught:
        client(url).claim(["ltx2"], ["generate"], 0)
    assert caught.value.code == "RESPONSE_INVALID" and "settings.fps" in caught.value.message
    method, path, headers, body = script.seen[-1]
    assert (method, path) == ("POST", "/v1/runner/tasks/t1/fail")
    assert headers["Vidforge-Lease-Token"] == "lease-1"
    sent = json.loads(body)
    assert sent["code"] == "INTERNAL_ERROR" and sent["retryable"] is True


def test_task_calls_retry_5xx_and_network_errors_but_not_4xx(fake: tuple[Script, str]) -> None:
    script, url = fake
    script.replies["/v1/runner/tasks/t1/heartbeat"] = [(503, b"", {}), ok({"cancelled": True, "leaseExpiresAt": None})]
    answer = client(url).heartbeat(claimed(url), 0.5, "denoising step 3/30")
    assert answer.cancelled is True
    assert json.loads(script.seen[-1][3]) == {"progress": 0.5, "stage": "denoising step 3/30"}
    assert len(script.seen) == 2

    lost = ok({"error": {"code": "LEASE_LOST", "message": "not your lease"}}, 409)
    script.replies["/v1/runner/tasks/t1/complete"] = [lost]
    with pytest.raises(ProtocolError) as caught:
        client(url).complete(claimed(url))
    assert caught.value.code == "LEASE_LOST" and caught.value.ends_task
    assert len(script.seen) == 3  # a 4xx is not retried


def test_upload_streams_the_file_with_its_length(fake: tuple[Script, str], tmp_path: Path) -> None:
    script, url = fake
    video = tmp_path / "out.mp4"
    video.write_bytes(b"\x00" * 70_000)
    info = {"width": 2, "height": 2, "fps": 24, "durationSeconds": 1, "hasAudio": False}
    script.replies["/v1/runner/tasks/t1/output"] = [ok({"size": 70_000, "video": info})]
    answer = client(url).upload(claimed(url), video)
    assert answer.size == 70_000
    method, _path, headers, body = script.seen[-1]
    assert method == "PUT" and headers["Content-Type"] == "video/mp4" and headers["Content-Length"] == "70000"
    assert len(body) == 70_000


def test_source_download_checks_the_announced_size(fake: tuple[Script, str], tmp_path: Path) -> None:
    script, url = fake
    source = {"kind": "image", "url": f"{url}/v1/runner/sources/t1?sig=x", "contentType": "image/png", "size": 10}
    wire = RunnerTask.model_validate(task_json(source=source))
    task = ClaimedTask(wire, GenerateRequest.model_validate(wire.request))
    script.replies["/v1/runner/sources/t1"] = [(200, b"0123456789abc", {})]
    with pytest.raises(ProtocolError, match="larger than the 10 bytes"):
        client(url).download_source(task, tmp_path / "src", lambda: None)
    assert not (tmp_path / "src").exists() and not (tmp_path / "src.part").exists()
    script.replies["/v1/runner/sources/t1"] = [(200, b"0123456789", {})]
    client(url).download_source(task, tmp_path / "src", lambda: None)
    assert (tmp_path / "src").read_bytes() == b"0123456789"


def test_server_url_and_token_are_checked() -> None:
    with pytest.raises(ValueError, match="absolute http"):
        RunnerClient("ftp://example", "vfr_x")
    with pytest.raises(ValueError, match="user name"):
        RunnerClient("http://u:p@127.0.0.1", "vfr_x")
    with pytest.raises(ValueError, match="token"):
        RunnerClient("http://127.0.0.1", "")


def test_unreachable_server_is_a_transient_network_error() -> None:
    with pytest.raises(ProtocolError) as caught:
        RunnerClient("http://127.0.0.1:9", "vfr_x", request_timeout_s=2).claim(["ltx2"], ["generate"], 0)
    assert caught.value.code == "NETWORK_ERROR" and caught.value.transient
