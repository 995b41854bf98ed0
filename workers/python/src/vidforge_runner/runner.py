"""The runner loop: claim (long-poll, narrowed to this family and its operations), run, repeat.

SIGTERM or SIGINT stops it: a claim in flight is cut off (the server puts a task it had claimed for
this runner straight back), a running task is given back with `abort` at once, and the process
waits at most `grace_s` for the model to reach its next step before it exits. One task at a time:
a GPU holds one LTX-2 at full speed; start one runner per GPU.
"""

from __future__ import annotations

import logging
import random
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from .errors import ProtocolError
from .families.base import Family
from .protocol.client import RunnerClient
from .protocol.models import TaskType
from .task_run import TaskRun

log = logging.getLogger("vidforge_runner")

EXIT_OK = 0
EXIT_UNAUTHORIZED = 3
EXIT_REFUSED = 4


class _Shutdown(BaseException):
    """Raised from the signal handler to cut a claim's long-poll short."""


@dataclass(frozen=True)
class LoopOptions:
    family_name: str
    operations: list[TaskType]
    work_root: Path
    claim_wait_ms: int = 20_000
    progress_interval_s: float = 0.5
    grace_s: float = 10.0
    # Claim backoff while the server is unreachable: first and largest pause.
    retry_base_s: float = 0.5
    retry_max_s: float = 30.0


class Runner:
    def __init__(self, client: RunnerClient, family: Family, options: LoopOptions) -> None:
        self.client = client
        self.family = family
        self.options = options
        self.stopping = False
        self._claiming = False
        self.current: TaskRun | None = None

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        first = not self.stopping
        self.stopping = True
        if first:
            log.info("%s received: stopping", signal.Signals(signum).name)
        if self._claiming:
            self._claiming = False
            raise _Shutdown()

    def serve(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        log.info(
            "runner ready: family %s, operations %s, server %s",
            self.options.family_name,
            ",".join(self.options.operations),
            self.client.origin,
        )
        failures = 0
        while not self.stopping:
            try:
                self._claiming = True
                task = self.client.claim(
                    [self.options.family_name], self.options.operations, self.options.claim_wait_ms
                )
            except _Shutdown:
                break
            except ProtocolError as error:
                self._claiming = False
                if error.status == 401:
                    log.error("the server refused the runner token (%s: %s); stopping", error.code, error.message)
                    return EXIT_UNAUTHORIZED
                if error.status in (400, 403) or error.code == "PROTOCOL_MISMATCH":
                    log.error("the server refused the claim (%s: %s); stopping", error.code, error.message)
                    return EXIT_REFUSED
                if error.retry_after_ms:
                    delay = error.retry_after_ms / 1000
                elif error.status == 429:
                    # At capacity: leases of a crashed earlier run of this token are still open. They
                    # expire within a lease, so look again soon rather than backing off for long.
                    delay = min(2.0, self._backoff(0) * 2)
                else:
                    delay = self._backoff(failures)
                failures += 1
                log.warning("claim failed: %s: %s; trying again in %.1f s", error.code, error.message, delay)
                if self._sleep(delay):
                    break
                continue
            finally:
                self._claiming = False
            failures = 0
            if task is None:
                continue
            log.info("task %s claimed: %s for %s, attempt %d", task.id, task.type, task.wire.engine, task.wire.attempt)
            if self.stopping:
                self._give_back(TaskRun(self.client, task, self.family, self.options.work_root, 0))
                break
            run = TaskRun(self.client, task, self.family, self.options.work_root, self.options.progress_interval_s)
            self.current = run
            run.start()
            while not run.wait(0.2):
                if self.stopping and run.stop("shutdown"):
                    self._give_back(run)
                    run.wait(self.options.grace_s)
                    break
            self.current = None
            if run.unauthorized:
                return EXIT_UNAUTHORIZED
        log.info("runner stopped")
        return EXIT_OK

    def _give_back(self, run: TaskRun) -> None:
        try:
            self.client.abort(run.task, "runner stopping")
            log.info("task %s given back to the queue (runner stopping)", run.task.id)
        except ProtocolError as error:
            log.warning(
                "task %s could not be given back (%s: %s); it returns when its lease expires",
                run.task.id,
                error.code,
                error.message,
            )

    def _backoff(self, failures: int) -> float:
        ceiling = min(self.options.retry_max_s, self.options.retry_base_s * 2**failures)
        return float(ceiling / 2 + random.random() * ceiling / 2)

    def _sleep(self, seconds: float) -> bool:
        """Sleeps in small steps; True when a stop arrived meanwhile."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.stopping:
                return True
            time.sleep(min(0.1, deadline - time.monotonic()) if deadline > time.monotonic() else 0)
        return self.stopping
