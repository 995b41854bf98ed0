"""moto's S3 server for the end-to-end tests, as the TypeScript tests start it
(apps/server/test/support/s3-server.ts): a free loopback port, one bucket, stopped after."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from .server import REPO

INSTALL_HINT = "run scripts/install-test-tools (it installs moto into .venv-test-tools/)"


def find_moto_server() -> str:
    for candidate in (
        os.environ.get("VIDFORGE_TEST_MOTO_SERVER"),
        str(REPO / ".venv-test-tools" / "bin" / "moto_server"),
        shutil.which("moto_server"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    # Never a skip: a suite that silently does not run hides what it exists to catch.
    raise RuntimeError(f"moto_server was not found: {INSTALL_HINT}")


@dataclass
class TestS3:
    endpoint: str
    bucket: str
    process: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        """The server's settings for results in this bucket (path-style, as MinIO needs)."""
        return {
            "VIDFORGE_S3_BUCKET": self.bucket,
            "VIDFORGE_S3_ENDPOINT": self.endpoint,
            "VIDFORGE_S3_REGION": "us-east-1",
            "VIDFORGE_S3_FORCE_PATH_STYLE": "true",
            "VIDFORGE_S3_ACCESS_KEY_ID": "vidforge-test",
            "VIDFORGE_S3_SECRET_ACCESS_KEY": "vidforge-test-secret",
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_s3(log_dir: Path) -> TestS3:
    log_path = log_dir / f"moto-{time.monotonic_ns()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [find_moto_server(), "-H", "127.0.0.1", "-p", "0"], stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"Running on http://127\.0\.0\.1:(\d+)", log_path.read_text(errors="replace"))
        if found:
            endpoint = f"http://127.0.0.1:{found.group(1)}"
            bucket = f"vidforge-test-{secrets.token_hex(6)}"
            # moto checks no signatures: a plain path-style PUT creates the bucket.
            created = requests.put(f"{endpoint}/{bucket}", timeout=10)
            assert created.status_code == 200, created.text
            return TestS3(endpoint, bucket, process)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"moto_server did not start:\n{log_path.read_text(errors='replace')[-2000:]}")
