"""A real Vidforge server started from this repository (`vidforge serve`), as the TypeScript tests
start one: a temporary data directory, loopback only, short leases; admin commands through the CLI."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[4]
CLI = REPO / "apps" / "cli" / "bin" / "vidforge.js"


def node_binary() -> str:
    """The Node 24 the repository pins through the npm `node` package (npm scripts use it too)."""
    pinned = REPO / "node_modules" / ".bin" / "node"
    if pinned.exists():
        return str(pinned)
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("node was not found: run `npm ci` at the repository root first")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def base_env() -> dict[str, str]:
    """The test process's environment without any VIDFORGE_* of the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDFORGE_")}
    env["XDG_CONFIG_HOME"] = "/nonexistent"
    return env


@dataclass
class ServerProcess:
    url: str
    data_dir: Path
    endpoint_path: str
    key: str
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"{self.url}/v1/ai/{self.endpoint_path}"

    def admin(self, *args: str) -> Any:
        """`vidforge ARGS --json` on the server's database; the parsed JSON answer."""
        result = subprocess.run(
            [node_binary(), str(CLI), *args, "--json"],
            env={**base_env(), "VIDFORGE_DATA_DIR": str(self.data_dir)},
            capture_output=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"vidforge {' '.join(args)} failed: {result.stderr.decode()[-2000:]}")
        return json.loads(result.stdout)

    def new_runner(self, concurrency: int = 1) -> str:
        created = self.admin("runners", "create", "--engines", "ltx2", "--concurrency", str(concurrency))
        token: str = created["token"]
        return token

    def submit(self, operation: str, body: dict[str, Any]) -> str:
        response = requests.post(
            f"{self.api}/video/{operation}",
            json=body,
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        task_id: str = response.json()["taskId"]
        return task_id

    def task(self, task_id: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.api}/video/tasks/{task_id}", headers={"Authorization": f"Bearer {self.key}"}, timeout=10
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def cancel(self, task_id: str) -> None:
        response = requests.delete(
            f"{self.api}/video/tasks/{task_id}", headers={"Authorization": f"Bearer {self.key}"}, timeout=10
        )
        assert response.status_code == 200, response.text

    def wait_task(
        self, task_id: str, timeout_s: float = 120, every_s: float = 0.02
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Polls until SUCCESS or FAIL; returns the last state and every state seen."""
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.task(task_id)
            seen.append(state)
            if state["status"] in ("SUCCESS", "FAIL"):
                return state, seen
            time.sleep(every_s)
        raise AssertionError(f"task {task_id} did not end in {timeout_s} s; last: {seen[-1] if seen else None}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not os.environ.get("VIDFORGE_TEST_KEEP"):
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start_server(extra_env: dict[str, str] | None = None) -> ServerProcess:
    data_dir = Path(tempfile.mkdtemp(prefix="vidforge-py-server-"))
    port = free_port()
    env = {
        **base_env(),
        "VIDFORGE_DATA_DIR": str(data_dir),
        "VIDFORGE_HOST": "127.0.0.1",
        "VIDFORGE_PORT": str(port),
        "VIDFORGE_WORKERS": "0",
        # Short leases so a killed runner's task comes back within seconds (heartbeats every third).
        "VIDFORGE_LEASE_MS": "3000",
        "VIDFORGE_REAPER_INTERVAL_MS": "100",
        "VIDFORGE_RETRY_BASE_MS": "20",
        "VIDFORGE_RETRY_MAX_MS": "100",
        "VIDFORGE_PROGRESS_INTERVAL_MS": "20",
        "VIDFORGE_SHUTDOWN_GRACE_MS": "2000",
        "VIDFORGE_LOG_LEVEL": "warn",
        **(extra_env or {}),
    }
    server = ServerProcess(
        url=f"http://127.0.0.1:{port}",
        data_dir=data_dir,
        endpoint_path="",
        key="",
        process=subprocess.Popen(["true"]),
        log_path=data_dir / "server.log",
        env=env,
    )
    server.process.wait()
    # Endpoint and key exist before the server starts, so its first-run bootstrap leaves them alone.
    endpoint = server.admin("endpoints", "create", "--engine", "runner", "--family", "ltx2", "--name", "ltx2")
    server.endpoint_path = endpoint["path"]
    key = server.admin("keys", "create", "--name", "test", "--endpoint", endpoint["path"])
    server.key = key.get("key") or key["accessKey"]
    log = server.log_path.open("wb")
    server.process = subprocess.Popen(
        [node_binary(), str(CLI), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(data_dir)
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited at start:\n{server.log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("the server did not become ready in 60 s")
