"""One claimed task from claim to its end: the work on its own thread, heartbeats on another.

The heartbeat thread extends the lease every `heartbeatIntervalMs` (the server's number) and sooner
when progress rose, carrying progress and the stage. A cancel seen in its answer, a LEASE_LOST or a
404 sets the stop reason; the work sees it at its next check (each denoising step, each encoded
frame, each downloaded chunk) and ends with TaskStopped. After a stop nothing more is sent about
the task, except the abort of a shutdown, which the runner loop sends at once.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import traceback
from pathlib import Path

from .errors import ProtocolError, StopReason, TaskFailure, TaskStopped
from .families.base import Family
from .protocol.client import ClaimedTask, RunnerClient
from .protocol.models import ExtendRequest, FailRequest, GenerateRequest, UploadResponse, UpscaleRequest
from .protocol.store_upload import usable_upload

log = logging.getLogger("vidforge_runner")

# Heartbeat intervals from the server are kept in a sane range whatever it sends.
HEARTBEAT_MIN_S = 0.1
HEARTBEAT_MAX_S = 300.0
# Progress before the upload and while it runs; the server sets 1 on SUCCESS.
UPLOAD_START = 0.97
UPLOAD_END = 0.99


class RejectedByServer(Exception):
    """The server refused the object uploaded to the store and failed the attempt itself (it deleted
    the object): nothing more is sent about the task."""


class TaskRun:
    def __init__(
        self,
        client: RunnerClient,
        task: ClaimedTask,
        family: Family,
        work_root: Path,
        progress_interval_s: float,
    ) -> None:
        self.client = client
        self.task = task
        self.family = family
        self.work_dir = work_root / f"{task.id}-{task.wire.attempt}"
        self.progress_interval_s = progress_interval_s
        self.label = f"task {task.id}"
        self._lock = threading.Lock()
        self._reason: StopReason | None = None
        self._progress = 0.0
        self._stage: str | None = None
        self._changed = threading.Event()
        self._done = threading.Event()
        self._source: Path | None = None
        # Set before complete: a heartbeat after it would only meet a finished task (LEASE_LOST).
        self._settling = False
        self.outcome = "running"
        self.started = time.monotonic()
        self.unauthorized = False

    # --- what the work sees (WorkContext) ---

    def check(self) -> None:
        reason = self._reason
        if reason is not None:
            raise TaskStopped(reason)

    def progress(self, fraction: float, stage: str) -> None:
        if fraction != fraction:  # NaN
            return
        with self._lock:
            rose = fraction > self._progress
            self._progress = max(self._progress, min(0.99, max(0.0, fraction)))
            if stage != self._stage:
                self._stage = stage
                rose = True
        if rose:
            self._changed.set()

    def source(self) -> Path:
        if self._source is not None:
            return self._source
        wire = self.task.wire.source
        if wire is None:
            raise TaskFailure("INTERNAL_ERROR", "This task has no source media", retryable=False)
        path = self.work_dir / f"source-{wire.kind}"
        try:
            self.client.download_source(self.task, path, self.check)
        except ProtocolError as error:
            if error.ends_task:
                self.stop("lease-lost")
                self.check()
            raise TaskFailure(
                "INTERNAL_ERROR", f"The runner could not download the source: {error.message}", retryable=True
            ) from error
        self._source = path
        return path

    # --- control from the runner loop ---

    @property
    def stop_reason(self) -> StopReason | None:
        return self._reason

    def stop(self, reason: StopReason) -> bool:
        """Sets the stop reason once; True when this call set it."""
        with self._lock:
            if self._reason is not None:
                return False
            self._reason = reason
        self._changed.set()
        return True

    def wait(self, timeout_s: float) -> bool:
        return self._done.wait(timeout_s)

    # --- the two threads ---

    def start(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        threading.Thread(target=self._heartbeats, name=f"heartbeat-{self.task.id}", daemon=True).start()
        threading.Thread(target=self._work, name=f"work-{self.task.id}", daemon=True).start()

    def _heartbeats(self) -> None:
        interval = min(HEARTBEAT_MAX_S, max(HEARTBEAT_MIN_S, self.task.wire.heartbeatIntervalMs / 1000))
        last_beat = time.monotonic()
        sent = (-1.0, "")
        while not self._done.is_set() and self._reason is None:
            self._changed.wait(timeout=min(interval, max(self.progress_interval_s, 0.05)))
            self._changed.clear()
            if self._done.is_set() or self._reason is not None or self._settling:
                return
            with self._lock:
                current = (self._progress, self._stage or "")
            now = time.monotonic()
            due = now - last_beat >= interval or (current != sent and now - last_beat >= self.progress_interval_s)
            if not due:
                continue
            try:
                answer = self.client.heartbeat(self.task, current[0], current[1] or None)
            except ProtocolError as error:
                self._on_call_error(error, "heartbeat failed")
                continue
            last_beat, sent = now, current
            if answer.cancelled and self.stop("cancelled"):
                log.info("%s cancelled on the server (by its client, or timed out); stopping it", self.label)

    def _on_call_error(self, error: ProtocolError, what: str) -> None:
        if error.ends_task:
            if self.stop("lease-lost"):
                log.warning("%s: lease lost (%s: %s); stopped working on it", self.label, error.code, error.message)
        elif error.status == 401:
            self.unauthorized = True
            if self.stop("unauthorized"):
                log.error("the server refused the runner token (%s); stopping", error.message)
        elif self._reason is None:
            log.warning("%s: %s: %s: %s", self.label, what, error.code, error.message)

    def _work(self) -> None:
        try:
            output = self._run_family()
            self.check()
            self._hand_over(output)
        except RejectedByServer as rejected:
            self.outcome = "failed by the server"
            log.warning("%s: the server refused the uploaded video and failed the attempt: %s", self.label, rejected)
        except TaskStopped as stopped:
            self.outcome = stopped.reason
            log.info("%s stopped (%s) at: %s", self.label, stopped.reason, self._stage or "start")
        except TaskFailure as failure:
            self._fail(
                FailRequest(
                    code=failure.code,
                    message=failure.message or "The runner failed",
                    retryable=failure.retryable,
                    retryAfterMs=failure.retry_after_ms if failure.retryable else None,
                )
            )
        except ProtocolError as error:
            self._on_call_error(error, "hand-over failed")
            if self._reason is None:
                self._fail(
                    FailRequest(
                        code="INTERNAL_ERROR",
                        message=f"The runner could not hand the result over: {error.code}: {error.message}",
                        retryable=True,
                    )
                )
        except Exception:  # noqa: BLE001 - any crash of the model code fails the task, never the runner
            log.error("%s: the model crashed:\n%s", self.label, traceback.format_exc())
            self._fail(
                FailRequest(
                    code="ENGINE_FAILED",
                    message="The engine failed unexpectedly while making the video",
                    retryable=True,
                )
            )
        finally:
            try:
                self.family.release()
            finally:
                shutil.rmtree(self.work_dir, ignore_errors=True)
                self._done.set()
                self._changed.set()

    def _run_family(self) -> Path:
        request = self.task.request
        seed = self.task.wire.seed if self.task.wire.seed is not None else 0
        if isinstance(request, GenerateRequest):
            return self.family.generate(request, seed, self)
        if isinstance(request, ExtendRequest):
            return self.family.extend(request, seed, self)
        if isinstance(request, UpscaleRequest):
            return self.family.upscale(request, seed, self)
        raise TaskFailure("INTERNAL_ERROR", f"unknown task type {self.task.type}", retryable=True)

    def _hand_over(self, output: Path) -> None:
        size = output.stat().st_size
        if size > self.task.wire.output.maxBytes:
            raise TaskFailure(
                "OUTPUT_INVALID", f"The video is {size} bytes, more than the {self.task.wire.output.maxBytes} accepted"
            )
        self.progress(UPLOAD_START, "uploading")
        direct = self._upload_to_store(output, size)
        try:
            uploaded = direct or self.client.upload(self.task, output)
        except ProtocolError as error:
            if error.code == "PAYLOAD_TOO_LARGE":
                raise TaskFailure(
                    "OUTPUT_INVALID", f"The server refused the video as too large: {error.message}"
                ) from error
            if error.code == "OUTPUT_INVALID":
                raise TaskFailure(
                    "OUTPUT_INVALID", f"The server refused the video: {error.message}", retryable=True
                ) from error
            raise
        video = uploaded.video
        log.info(
            "%s uploaded%s: %d bytes, %dx%d, %g fps, %g s",
            self.label,
            " to the object store" if direct else "",
            uploaded.size,
            video.width,
            video.height,
            video.fps,
            video.durationSeconds,
        )
        self.progress(UPLOAD_END, "completing")
        self.check()
        self._settling = True
        settled = self.client.complete(self.task)
        self.outcome = "succeeded" if settled.status == "SUCCESS" else f"completed as {settled.status}"
        log.info("%s %s in %.1f s", self.label, self.outcome, time.monotonic() - self.started)

    def _upload_to_store(self, output: Path, size: int) -> UploadResponse | None:
        """The presigned path: None when the claim offers none or it did not work (then the API
        upload follows, which replaces whatever the store holds at the attempt's key)."""
        upload = usable_upload(self.task.wire.output.upload)
        if upload is None:
            return None
        try:
            self.client.upload_to_store(upload, output)
        except ProtocolError as error:
            log.warning(
                "%s: the upload to the object store failed (%s: %s); uploading through the server",
                self.label,
                error.code,
                error.message,
            )
            return None
        self.check()
        try:
            return self.client.uploaded(self.task, size)
        except ProtocolError as error:
            if error.code in ("OUTPUT_INVALID", "PAYLOAD_TOO_LARGE"):
                raise RejectedByServer(f"{error.code}: {error.message}") from error
            if error.code == "OUTPUT_MISSING":
                log.warning("%s: the server found no object at the upload URL; uploading through it", self.label)
                return None
            raise

    def _fail(self, body: FailRequest) -> None:
        if self._reason is not None:
            return
        try:
            settled = self.client.fail(self.task, body)
        except ProtocolError as error:
            self._on_call_error(error, "could not report the failure")
            self.outcome = "failed (not reported)"
            return
        retry = "it will be retried" if settled.status == "PENDING" else f"task is {settled.status}"
        self.outcome = f"failed: {body.code}"
        log.warning("%s failed: %s: %s (%s)", self.label, body.code, body.message, retry)
