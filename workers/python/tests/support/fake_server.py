"""A scripted loopback HTTP server standing in for a Vidforge server in protocol tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from vidforge_runner.protocol.client import ClaimedTask, RunnerClient
from vidforge_runner.protocol.models import GenerateRequest, RunnerTask

Reply = tuple[int, bytes, dict[str, str]]


@dataclass
class Script:
    """Answers per path, taken in order (the last one repeats); every request is recorded."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)

    def reply(self, path: str) -> Reply:
        queue = self.replies.get(path) or [(404, b'{"error":{"code":"NOT_FOUND","message":"no"}}', {})]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def fake() -> Iterator[tuple[Script, str]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.seen.append((self.command, self.path, dict(self.headers), body))
            status, payload, headers = script.reply(self.path.split("?")[0])
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield script, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def task_json(**overrides: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "taskId": "t1",
        "type": "generate",
        "engine": "ltx2",
        "attempt": 1,
        "leaseToken": "lease-1",
        "leaseExpiresAt": 1,
        "heartbeatIntervalMs": 1000,
        "deadlineAt": 2,
        "request": {"prompt": "a cat", "settings": {"seed": 4, "duration": 2, "aspectRatio": "1:1"}},
        "seed": 4,
        "endpointSettings": {"family": "ltx2"},
        "source": None,
        "output": {"contentType": "video/mp4", "maxBytes": 1000},
    }
    task.update(overrides)
    return task


def ok(body: Any, status: int = 200) -> Reply:
    return (status, json.dumps(body).encode(), {"Content-Type": "application/json"})


def client(url: str) -> RunnerClient:
    return RunnerClient(url, "vfr_test", request_timeout_s=5, retry_base_s=0.01)


def claimed(url: str) -> ClaimedTask:
    wire = RunnerTask.model_validate(task_json())
    return ClaimedTask(wire, GenerateRequest.model_validate(wire.request))
