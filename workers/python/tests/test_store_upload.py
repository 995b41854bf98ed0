"""The presigned-PUT path of the protocol client against a scripted loopback server standing in for
the object store: the signed headers go as given and the token never does, 5xx and dropped answers
are retried, a 412 counts as stored, anything else is STORE_REFUSED; URLs that cannot be tried are
not. The real server with moto: test_e2e_store_upload.py."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from vidforge_runner.errors import ProtocolError
from vidforge_runner.protocol.models import OutputUpload
from vidforge_runner.protocol.store_upload import usable_upload

from .support.fake_server import Script, claimed, client, fake, ok

__all__ = ["fake"]  # the fixture, imported for pytest

SIGNED = {"content-type": "video/mp4", "if-none-match": "*"}
STORE_PATH = "/bucket/results/t1/1.mp4"


def upload_for(base: str, **overrides: object) -> OutputUpload:
    fields: dict[str, object] = {
        "method": "PUT",
        "url": f"{base}{STORE_PATH}?X-Amz-Signature=abc",
        "headers": {**SIGNED, "Authorization": "forged", "Content-Length": "1"},
        "expiresAt": int(time.time() * 1000) + 60_000,
    }
    fields.update(overrides)
    return OutputUpload.model_validate(fields)


def video(tmp_path: Path) -> Path:
    path = tmp_path / "out.mp4"
    path.write_bytes(b"MP4BYTES" * 5000)
    return path


def test_puts_the_file_with_the_signed_headers_and_no_token(fake: tuple[Script, str], tmp_path: Path) -> None:
    script, url = fake
    script.replies[STORE_PATH] = [(200, b"", {})]
    path = video(tmp_path)
    assert client(url).upload_to_store(upload_for(url), path) == "stored"
    method, target, headers, body = script.seen[0]
    assert (method, target) == ("PUT", f"{STORE_PATH}?X-Amz-Signature=abc")
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["content-type"] == "video/mp4" and lowered["if-none-match"] == "*"
    assert lowered["content-length"] == str(path.stat().st_size)
    assert "authorization" not in lowered and "vidforge-lease-token" not in lowered
    assert body == path.read_bytes()


def test_retries_5xx_then_stores_and_takes_412_as_stored(fake: tuple[Script, str], tmp_path: Path) -> None:
    script, url = fake
    script.replies[STORE_PATH] = [(503, b"<Error><Code>SlowDown</Code></Error>", {}), (500, b"", {}), (200, b"", {})]
    assert client(url).upload_to_store(upload_for(url), video(tmp_path)) == "stored"
    assert [s[0] for s in script.seen] == ["PUT"] * 3
    script.replies[STORE_PATH] = [(412, b"<Error><Code>PreconditionFailed</Code></Error>", {})]
    assert client(url).upload_to_store(upload_for(url), video(tmp_path)) == "already-stored"


@pytest.mark.parametrize(
    ("status", "words"),
    [(403, "HTTP 403 AccessDenied"), (400, "HTTP 400 AccessDenied"), (301, "HTTP 301"), (500, "HTTP 500")],
)
def test_refusals_are_store_refused(fake: tuple[Script, str], tmp_path: Path, status: int, words: str) -> None:
    script, url = fake
    body = b"<Error><Code>AccessDenied</Code></Error>" if status in (400, 403) else b""
    script.replies[STORE_PATH] = [(status, body, {"Location": "http://elsewhere/"})]
    with pytest.raises(ProtocolError) as caught:
        client(url).upload_to_store(upload_for(url), video(tmp_path))
    assert caught.value.code == "STORE_REFUSED" and words in caught.value.message
    # 4xx and redirects once; 5xx the initial try and 3 retries.
    assert len(script.seen) == (4 if status == 500 else 1)


def test_an_unreachable_store_is_a_network_error(tmp_path: Path) -> None:
    upload = upload_for("http://127.0.0.1:9")
    with pytest.raises(ProtocolError) as caught:
        client("http://127.0.0.1:9").upload_to_store(upload, video(tmp_path))
    assert caught.value.code == "NETWORK_ERROR" and caught.value.transient


def test_uploaded_posts_with_the_lease_and_reads_the_checked_video(fake: tuple[Script, str]) -> None:
    script, url = fake
    info = {"width": 16, "height": 16, "fps": 24, "durationSeconds": 1, "hasAudio": False}
    script.replies["/v1/runner/tasks/t1/uploaded"] = [ok({"size": 40000, "video": info})]
    answer = client(url).uploaded(claimed(url), 40000)
    assert answer.size == 40000 and answer.video.width == 16
    method, _, headers, body = script.seen[0]
    assert method == "POST" and headers["Vidforge-Lease-Token"] == "lease-1" and json.loads(body) == {}


def test_urls_that_cannot_be_tried() -> None:
    now = time.time()
    assert usable_upload(None) is None
    assert usable_upload(upload_for("http://s3"), now) is not None
    assert usable_upload(upload_for("http://s3", expiresAt=int((now + 2) * 1000)), now) is None
    assert usable_upload(upload_for("http://s3", url="file:///etc/passwd"), now) is None
    assert usable_upload(upload_for("http://s3", url="not a url"), now) is None
