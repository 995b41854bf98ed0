"""`vidforge-runner` processes for the end-to-end tests: the real console entry point, its log in a
file, waited on by pattern, killed by the test (and by the fixture after a failed test)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from .server import ServerProcess, base_env

# Small enough that a task takes seconds on 2 CPU cores, large enough to have several steps.
TINY_FLAGS = [
    *("--device", "cpu", "--dtype", "fp32", "--max-pixels", "2048", "--max-text-tokens", "32"),
    *("--claim-wait-ms", "2000", "--progress-interval-ms", "0", "--grace-seconds", "5"),
]


class RunnerProcess:
    def __init__(self, server: ServerProcess, token: str, model: Path, log_dir: Path, *extra: str) -> None:
        self.log_path = log_dir / f"runner-{time.monotonic_ns()}.log"
        env = {
            **base_env(),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            # Tiny models: threads cost more than they give, and the server shares the 2 cores.
            "OMP_NUM_THREADS": "1",
            "VIDFORGE_RUNNER_TOKEN": token,
        }
        args = [sys.executable, "-m", "vidforge_runner.cli", "--server", server.url, "--family", "ltx2"]
        args += ["--model", str(model), *TINY_FLAGS, *extra]
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(args, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout_s: float = 90) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        compiled = re.compile(pattern)
        while time.monotonic() < deadline:
            match = compiled.search(self.log())
            if match:
                return match
            if self.process.poll() is not None:
                raise AssertionError(
                    f"runner exited ({self.process.returncode}) before /{pattern}/:\n{self.log()[-4000:]}"
                )
            time.sleep(0.05)
        raise AssertionError(f"runner log never matched /{pattern}/ in {timeout_s} s:\n{self.log()[-4000:]}")

    def signal(self, signum: signal.Signals) -> None:
        os.kill(self.process.pid, signum)

    def wait_exit(self, timeout_s: float = 30) -> int:
        return self.process.wait(timeout=timeout_s)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
