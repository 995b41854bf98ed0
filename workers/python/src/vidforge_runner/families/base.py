"""What a model family offers the runner, and what the runner offers a family while it works."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from ..media.tools import MediaTools
from ..protocol.models import ExtendRequest, GenerateRequest, TaskType, UpscaleRequest

Dtype = Literal["bf16", "fp16", "fp32"]
Offload = Literal["none", "model", "sequential"]


@dataclass(frozen=True)
class LoadOptions:
    """How to load and run a family's weights; every field comes from a CLI flag."""

    model: str
    device: str = "cuda:0"
    dtype: Dtype = "bf16"
    # Model-native area budget: the native size of an aspect ratio stays within it.
    max_pixels: int = 768 * 512
    # Denoising steps of generate and extend (the refine of upscale has its own short schedule).
    steps: int = 30
    # Prompt tokens given to the text encoder (the pipelines' own default is 1024).
    max_text_tokens: int = 1024
    offload: Offload = "none"
    # "auto" picks the fastest attention backend that needs no download (speed.py).
    attention: str = "auto"
    compile: bool = False
    # Upscale model; default: the `latent_upsampler` folder of `model`.
    upsampler: str | None = None
    media: MediaTools | None = None


class WorkContext(Protocol):
    """The runner's side of a task while a family works on it."""

    @property
    def work_dir(self) -> Path: ...

    def progress(self, fraction: float, stage: str) -> None:
        """Fraction of the whole task done, in [0, 1]; values that go down are ignored."""

    def check(self) -> None:
        """Raises TaskStopped once the task must stop (cancel, lost lease, shutdown)."""

    def source(self) -> Path:
        """Downloads the task's source (once) and returns its path."""


class Family(Protocol):
    name: str
    operations: tuple[TaskType, ...]

    def generate(self, request: GenerateRequest, seed: int, context: WorkContext) -> Path:
        """Returns the MP4 it wrote inside context.work_dir."""

    def extend(self, request: ExtendRequest, seed: int, context: WorkContext) -> Path: ...

    def upscale(self, request: UpscaleRequest, seed: int, context: WorkContext) -> Path: ...

    def release(self) -> None:
        """Frees what a task left on the accelerator (after every task, finished or stopped)."""
