"""Wire models of the runner protocol. Mirrors packages/contract/src/runner.ts and requests.ts; the
test suite compares every model with the committed openapi/openapi.json, so the sides cannot drift.

Answers from the server ignore fields they do not know (the protocol may add some). The task's
`request` is strict: a parameter this runner does not know would be silently ignored, so such a
task is failed (retryable, for an updated runner) instead.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

TaskType = Literal["generate", "upscale", "extend"]
AspectRatio = Literal["16:9", "9:16", "4:3", "3:4", "1:1"]
FailureCodeField = Literal[
    "SOURCE_TOO_LARGE",
    "SOURCE_UNSUPPORTED",
    "SOURCE_INVALID",
    "ENGINE_FAILED",
    "ENGINE_UNAVAILABLE",
    "OUTPUT_INVALID",
    "INTERNAL_ERROR",
]
TaskStatus = Literal["PENDING", "IN_PROGRESS", "SUCCESS", "FAIL"]

# The runner protocol version this runner speaks; a claim's answer states the server's.
PROTOCOL_VERSION = 1

SEED_MAX = 4_294_967_295
Family = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]


class _Answer(BaseModel):
    """An answer of the server: unknown fields are ignored (additive protocol changes)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class _Strict(BaseModel):
    """A request body, or the API request inside a task: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the API requests a task carries (defaults filled in by the server) ---


class GenerateConfig(_Strict):
    sourceImage: str | None = Field(default=None, max_length=2048)


class GenerateSettings(_Strict):
    seed: int = Field(default=-1, ge=-1, le=SEED_MAX)
    duration: Literal[2, 4, 8] = 2
    aspectRatio: AspectRatio = "16:9"


class GenerateRequest(_Strict):
    prompt: str = Field(min_length=1, max_length=2000)
    negativePrompt: str | None = Field(default=None, max_length=2000)
    config: GenerateConfig | None = None
    settings: GenerateSettings = GenerateSettings()
    # The submit's webhook URL: the server keeps it out of the task it hands a runner; allowed here
    # because the contract's request schema allows it, and a runner has no use for it.
    callbackUrl: str | None = Field(default=None, max_length=2048)


class UpscaleConfig(_Strict):
    sourceVideo: str = Field(max_length=2048)


class UpscaleRequest(_Strict):
    config: UpscaleConfig
    callbackUrl: str | None = Field(default=None, max_length=2048)


class ExtendConfig(_Strict):
    sourceVideo: str = Field(max_length=2048)
    extendDuration: Literal[2, 4] = 4


class ExtendSettings(_Strict):
    seed: int = Field(default=-1, ge=-1, le=SEED_MAX)
    guidanceScale: float = Field(default=7.5, ge=1, le=20)


class ExtendRequest(_Strict):
    prompt: str | None = Field(default=None, max_length=2000)
    negativePrompt: str | None = Field(default=None, max_length=2000)
    config: ExtendConfig
    settings: ExtendSettings = ExtendSettings()
    callbackUrl: str | None = Field(default=None, max_length=2048)


TaskRequest = GenerateRequest | UpscaleRequest | ExtendRequest
REQUEST_MODELS: dict[TaskType, type[GenerateRequest] | type[UpscaleRequest] | type[ExtendRequest]] = {
    "generate": GenerateRequest,
    "upscale": UpscaleRequest,
    "extend": ExtendRequest,
}


# --- protocol bodies and answers ---


class ClaimRequest(_Strict):
    engines: list[Family] | None = Field(default=None, min_length=1, max_length=32)
    operations: list[TaskType] | None = Field(default=None, min_length=1)
    waitMs: int = Field(default=20_000, ge=0, le=30_000)


class RunnerSource(_Answer):
    kind: Literal["image", "video"]
    url: str
    contentType: str
    size: int


class OutputUpload(_Answer):
    """A presigned PUT of the attempt's own output object (offered when results live in S3)."""

    method: Literal["PUT"]
    url: str
    # Sent exactly as given (they are signed), plus Content-Length.
    headers: dict[str, str]
    expiresAt: int


class TaskOutput(_Answer):
    contentType: Literal["video/mp4"]
    maxBytes: int
    # Absent from older servers, null without an object store: upload through PUT …/output.
    upload: OutputUpload | None = None


class RunnerTask(_Answer):
    taskId: str = Field(min_length=1)
    type: TaskType
    engine: str
    attempt: int
    leaseToken: str = Field(min_length=1)
    leaseExpiresAt: int
    heartbeatIntervalMs: int
    deadlineAt: int
    # Kept raw here and parsed with the model of `type` (RunnerClient.claim): the three shapes overlap.
    request: dict[str, object]
    seed: int | None
    endpointSettings: dict[str, object]
    source: RunnerSource | None
    output: TaskOutput


class ClaimResponse(_Answer):
    # A server from before the field existed spoke version 1.
    protocolVersion: int = 1
    task: RunnerTask | None


class HeartbeatRequest(_Strict):
    progress: float = Field(ge=0, le=1)
    stage: str | None = Field(default=None, max_length=64)


class HeartbeatResponse(_Answer):
    cancelled: bool
    leaseExpiresAt: int | None


class VideoInfo(_Answer):
    width: int
    height: int
    fps: float
    durationSeconds: float
    hasAudio: bool


class UploadResponse(_Answer):
    size: int
    video: VideoInfo


class FailRequest(_Strict):
    code: FailureCodeField = "ENGINE_FAILED"
    message: str = Field(min_length=1, max_length=2000)
    retryable: bool = True
    retryAfterMs: int | None = Field(default=None, ge=0, le=3_600_000)


class AbortRequest(_Strict):
    reason: str | None = Field(default=None, max_length=500)


class SettleResponse(_Answer):
    status: TaskStatus


class ErrorBody(_Answer):
    code: str
    message: str
    requestId: str | None = None


class ErrorResponse(_Answer):
    error: ErrorBody
