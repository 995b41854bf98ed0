"""The errors the runner tells apart. Each one decides what is (or is not) sent to the server."""

from __future__ import annotations

from typing import Literal

# The codes a runner may fail a task with (RunnerFailRequest.code in the contract).
FailureCode = Literal[
    "SOURCE_TOO_LARGE",
    "SOURCE_UNSUPPORTED",
    "SOURCE_INVALID",
    "ENGINE_FAILED",
    "ENGINE_UNAVAILABLE",
    "OUTPUT_INVALID",
    "INTERNAL_ERROR",
]

StopReason = Literal["cancelled", "lease-lost", "shutdown", "unauthorized"]


class TaskFailure(Exception):
    """A failure reported on purpose: the task is failed with this code. `retryable=False` for bad
    input (the same request would fail again), True for what another attempt may not hit."""

    def __init__(
        self,
        code: FailureCode,
        message: str,
        *,
        retryable: bool = False,
        retry_after_ms: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code: FailureCode = code
        self.message = message
        self.retryable = retryable
        self.retry_after_ms = retry_after_ms


class TaskStopped(Exception):
    """Raised inside the work (the denoising callback, the encoder) once the task must stop: after
    a cancel, a lost lease or a shutdown nothing more is computed and nothing more is sent."""

    def __init__(self, reason: StopReason) -> None:
        super().__init__(f"task stopped: {reason}")
        self.reason: StopReason = reason


class ProtocolError(Exception):
    """A runner-protocol call that failed: `code` is the server's error code (LEASE_LOST, ...) or one
    of the client's own when there was no usable answer: NETWORK_ERROR, TIMEOUT, RESPONSE_INVALID, or
    PROTOCOL_MISMATCH (the server speaks another version of the runner protocol: nothing to retry)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 0,
        request_id: str | None = None,
        retry_after_ms: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.retry_after_ms = retry_after_ms

    @property
    def transient(self) -> bool:
        """No answer at all, or the server is unavailable for now: worth another try later."""
        if self.status == 0:
            return self.code not in ("RESPONSE_INVALID", "PROTOCOL_MISMATCH")
        return self.status >= 500

    @property
    def ends_task(self) -> bool:
        """LEASE_LOST and 404 mean the same to a runner: stop working on the task, send nothing more."""
        return self.code == "LEASE_LOST" or self.status == 404
