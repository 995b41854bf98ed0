"""The runner side of the runner protocol, one method per call (packages/runner's RunnerClient is the
reference). Answers are read with a size limit and validated with the wire models: a runner trusts a
malformed answer no more than the server trusts a malformed request. Calls about a task get a few
quick retries for network errors and 5xx only, never for a 4xx; claim retries are the loop's job.

One `requests.Session` per thread: the heartbeat thread and the work thread call at the same time.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar
from urllib.parse import quote, urlsplit

import requests
from pydantic import BaseModel, ValidationError

from ..errors import ProtocolError
from .models import (
    PROTOCOL_VERSION,
    REQUEST_MODELS,
    AbortRequest,
    ClaimRequest,
    ClaimResponse,
    ErrorResponse,
    FailRequest,
    HeartbeatRequest,
    HeartbeatResponse,
    OutputUpload,
    RunnerTask,
    SettleResponse,
    TaskRequest,
    TaskType,
    UploadResponse,
)
from .store_upload import put_to_store

BASE_PATH = "/v1/runner"
LEASE_HEADER = "Vidforge-Lease-Token"
# A claimed task is a few KiB; anything much larger is not an answer of a Vidforge server.
MAX_ANSWER_BYTES = 1024 * 1024
# Uploads get this much time per byte on top of the request timeout: at least 256 KiB/s.
UPLOAD_SECONDS_PER_BYTE = 1 / (256 * 1024)
STAGE_MAX = 64

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


class ClaimedTask:
    """A claimed task with its request parsed by the model of its type."""

    def __init__(self, wire: RunnerTask, request: TaskRequest) -> None:
        self.wire = wire
        self.request = request

    @property
    def id(self) -> str:
        return self.wire.taskId

    @property
    def type(self) -> TaskType:
        return self.wire.type


def _summarize(error: ValidationError) -> str:
    parts = []
    for issue in error.errors()[:3]:
        where = ".".join(str(p) for p in issue["loc"]) or "(root)"
        parts.append(f"{where}: {issue['msg']}")
    return "; ".join(parts)[:300]


def _printable(text: str, limit: int = 300) -> str:
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    return clean[:limit]


class RunnerClient:
    def __init__(
        self,
        server_url: str,
        token: str,
        *,
        request_timeout_s: float = 30.0,
        task_call_retries: int = 3,
        retry_base_s: float = 0.2,
    ) -> None:
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the server URL must be an absolute http(s) URL, got {server_url!r}")
        if parts.username or parts.password:
            raise ValueError("the server URL must not contain a user name or password")
        if not token:
            raise ValueError("a runner token is required")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self._base = f"{self.origin}{parts.path.rstrip('/')}{BASE_PATH}"
        self._token = token
        self._timeout = request_timeout_s
        self._retries = task_call_retries
        self._retry_base = retry_base_s
        self._local = threading.local()

    # --- calls ---

    def claim(self, engines: list[str], operations: list[TaskType], wait_ms: int) -> ClaimedTask | None:
        body = ClaimRequest(engines=engines, operations=operations, waitMs=wait_ms)
        answer = self._call("POST", "/claim", ClaimResponse, body=body, timeout=wait_ms / 1000 + self._timeout)
        if answer.protocolVersion != PROTOCOL_VERSION:
            self._refuse_version(answer)
        if answer.task is None:
            return None
        return self._checked(answer.task)

    def heartbeat(self, task: ClaimedTask, progress: float, stage: str | None) -> HeartbeatResponse:
        body = HeartbeatRequest(
            progress=min(1.0, max(0.0, progress)),
            stage=None if stage is None else stage[:STAGE_MAX],
        )
        return self._task_call(task, "heartbeat", HeartbeatResponse, body)

    def upload(self, task: ClaimedTask, path: Path) -> UploadResponse:
        """Streams the file (Content-Length, video/mp4). Uploading again replaces the previous upload."""
        size = path.stat().st_size
        url = f"/tasks/{quote(task.id, safe='')}/output"

        def send() -> UploadResponse:
            with path.open("rb") as stream:
                return self._call(
                    "PUT",
                    url,
                    UploadResponse,
                    data=stream,
                    lease_token=task.wire.leaseToken,
                    extra_headers={"Content-Type": "video/mp4", "Content-Length": str(size)},
                    timeout=self._timeout + size * UPLOAD_SECONDS_PER_BYTE,
                )

        return self._quick_retries(send)

    def upload_to_store(self, upload: OutputUpload, path: Path) -> str:
        """Streams the file to the claim's presigned PUT (no token: the URL is signed), retried a few
        times after network errors and 5xx; a 412 counts as stored. Then call `uploaded`. A
        STORE_REFUSED error (4xx) means this URL will not work: upload through the API instead."""
        timeout = self._timeout + path.stat().st_size * UPLOAD_SECONDS_PER_BYTE
        return self._quick_retries(lambda: put_to_store(self._store_session(), upload, path, timeout))

    def uploaded(self, task: ClaimedTask, size: int) -> UploadResponse:
        """Tells the server the result is at the upload URL; it checks the object like an upload (so
        this call may take as long as one). A 413 or 422 answer means the server failed the attempt
        itself and deleted the object: send nothing more about the task."""
        path = f"/tasks/{quote(task.id, safe='')}/uploaded"
        timeout = self._timeout + size * UPLOAD_SECONDS_PER_BYTE
        return self._quick_retries(
            lambda: self._call(
                "POST", path, UploadResponse, body=None, lease_token=task.wire.leaseToken, timeout=timeout
            )
        )

    def complete(self, task: ClaimedTask) -> SettleResponse:
        return self._task_call(task, "complete", SettleResponse, None)

    def fail(self, task: ClaimedTask | RunnerTask, body: FailRequest) -> SettleResponse:
        return self._task_call(task, "fail", SettleResponse, body)

    def abort(self, task: ClaimedTask, reason: str) -> SettleResponse:
        return self._task_call(task, "abort", SettleResponse, AbortRequest(reason=reason[:500]))

    def download_source(self, task: ClaimedTask, destination: Path, stop: Callable[[], None]) -> None:
        """Downloads the task's source from its signed URL (no token: the URL carries its signature).
        The bytes must be exactly the size the claim announced. `stop()` is called between chunks
        and raises to end the download (cancel, shutdown)."""
        source = task.wire.source
        if source is None:
            raise ProtocolError("RESPONSE_INVALID", "this task has no source media")
        parts = urlsplit(source.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProtocolError("RESPONSE_INVALID", "the source URL of the task is not an http(s) URL")
        partial = destination.with_name(destination.name + ".part")
        received = 0
        try:
            with requests.get(source.url, stream=True, timeout=self._timeout) as response:
                if response.status_code != 200:
                    raise self._error_of(response, response.content[:65536])
                with partial.open("wb") as out:
                    for chunk in response.iter_content(chunk_size=1 << 16):
                        stop()
                        received += len(chunk)
                        if received > source.size:
                            raise ProtocolError(
                                "RESPONSE_INVALID", f"the source is larger than the {source.size} bytes announced"
                            )
                        out.write(chunk)
            if received != source.size:
                raise ProtocolError(
                    "RESPONSE_INVALID", f"the source has {received} bytes, {source.size} were announced"
                )
            partial.rename(destination)
        except requests.RequestException as error:
            raise ProtocolError("NETWORK_ERROR", f"the source download failed: {_printable(str(error))}") from error
        finally:
            partial.unlink(missing_ok=True)

    # --- plumbing ---

    def _refuse_version(self, answer: ClaimResponse) -> None:
        """A server of another protocol version: a task it handed over is given back (best effort: its
        lease expires otherwise), and no more is claimed. Retrying cannot help: the error is final."""
        if answer.task is not None:
            with contextlib.suppress(ProtocolError):
                self._task_call(answer.task, "abort", SettleResponse, AbortRequest(reason="runner protocol mismatch"))
        raise ProtocolError(
            "PROTOCOL_MISMATCH",
            f"the server at {self.origin} speaks runner protocol version {answer.protocolVersion}, "
            f"this runner speaks version {PROTOCOL_VERSION}: upgrade the runner or the server so that they match",
        )

    def _checked(self, task: RunnerTask) -> ClaimedTask:
        """The request must be the shape of the task's type, fully understood. A task this runner
        cannot read is failed (retryable: an updated runner may take it) rather than left to its lease."""
        try:
            request = REQUEST_MODELS[task.type].model_validate(task.request)
        except ValidationError as error:
            message = f"the {task.type} request of task {task.taskId} is malformed: {_summarize(error)}"
            with contextlib.suppress(ProtocolError):
                body = FailRequest(code="INTERNAL_ERROR", message=f"The runner could not read the task: {message}")
                self.fail(task, body)
            raise ProtocolError("RESPONSE_INVALID", message) from error
        return ClaimedTask(task, request)

    def _task_call(self, task: ClaimedTask | RunnerTask, action: str, model: type[M], body: BaseModel | None) -> M:
        wire = task.wire if isinstance(task, ClaimedTask) else task
        path = f"/tasks/{quote(wire.taskId, safe='')}/{action}"
        return self._quick_retries(lambda: self._call("POST", path, model, body=body, lease_token=wire.leaseToken))

    def _quick_retries(self, call: Callable[[], R]) -> R:
        for attempt in range(self._retries + 1):
            try:
                return call()
            except ProtocolError as error:
                if not error.transient or attempt >= self._retries:
                    raise
                time.sleep(self._retry_base * 2**attempt)
        raise AssertionError("unreachable")

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            # Never a proxy or .netrc from the environment: the token goes to this server only.
            session.trust_env = False
            self._local.session = session
        return session

    def _store_session(self) -> requests.Session:
        """Its own session: the object store is another host, and gets none of the server's headers."""
        session: requests.Session | None = getattr(self._local, "store_session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False
            self._local.store_session = session
        return session

    def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        body: BaseModel | None = None,
        data: IO[bytes] | None = None,
        lease_token: str | None = None,
        extra_headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> M:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if lease_token is not None:
            headers[LEASE_HEADER] = lease_token
        payload: IO[bytes] | bytes | None = data
        if data is None:
            headers["Content-Type"] = "application/json"
            payload = b"{}" if body is None else body.model_dump_json(exclude_none=True).encode()
        headers.update(extra_headers or {})
        what = f"{method} {BASE_PATH}{path}"
        limit = timeout if timeout is not None else self._timeout
        try:
            response = self._session().request(
                method, f"{self._base}{path}", data=payload, headers=headers, timeout=(10.0, limit), stream=True
            )
            raw = self._read_bounded(response)
        except requests.Timeout as error:
            raise ProtocolError("TIMEOUT", f"{what}: no answer within {limit:.0f} s") from error
        except requests.RequestException as error:
            raise ProtocolError("NETWORK_ERROR", f"{what}: {_printable(str(error))}") from error
        if not 200 <= response.status_code < 300:
            raise self._error_of(response, raw)
        try:
            return model.model_validate_json(raw)
        except ValidationError as error:
            if _is_json(raw):
                message = f"{what}: unexpected answer ({_summarize(error)})"
            else:
                message = f"{what}: the answer is not JSON"
            raise ProtocolError("RESPONSE_INVALID", message, status=response.status_code) from error

    @staticmethod
    def _read_bounded(response: requests.Response) -> bytes:
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_content(chunk_size=1 << 14):
                total += len(chunk)
                if total > MAX_ANSWER_BYTES:
                    raise ProtocolError(
                        "RESPONSE_INVALID",
                        f"the answer is larger than {MAX_ANSWER_BYTES} bytes",
                        status=response.status_code,
                    )
                chunks.append(chunk)
        finally:
            response.close()
        return b"".join(chunks)

    @staticmethod
    def _error_of(response: requests.Response, raw: bytes) -> ProtocolError:
        status = response.status_code
        retry_after: int | None = None
        header = response.headers.get("Retry-After")
        if header is not None and header.strip().isdigit():
            retry_after = min(int(header.strip()), 3600) * 1000
        try:
            error = ErrorResponse.model_validate_json(raw).error
            return ProtocolError(
                error.code,
                _printable(error.message),
                status=status,
                request_id=error.requestId,
                retry_after_ms=retry_after,
            )
        except ValidationError:
            code = "SERVICE_UNAVAILABLE" if status == 503 else f"HTTP_{status}"
            return ProtocolError(
                code, f"HTTP {status} without an error body", status=status, retry_after_ms=retry_after
            )


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True
