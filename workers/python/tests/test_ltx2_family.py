"""The LTX-2 family in-process on the tiny checkpoint (loaded through the production loader): a stop
ends denoising at the next step, seeds are reproducible, hostile sources fail with a code, an
out-of-memory is retryable."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from vidforge_runner.errors import TaskFailure, TaskStopped
from vidforge_runner.families import load_family
from vidforge_runner.families.base import LoadOptions
from vidforge_runner.families.ltx2 import LTX2Family
from vidforge_runner.protocol.models import ExtendRequest, GenerateRequest, UpscaleRequest

from .support.media import make_video, probe

STEPS = 5


class Context:
    def __init__(self, work_dir: Path, source: Path | None = None, stop_at: str | None = None) -> None:
        self.work_dir = work_dir
        self._source = source
        self.stop_at = stop_at
        self.stages: list[str] = []
        self.values: list[float] = []

    def progress(self, fraction: float, stage: str) -> None:
        self.values.append(fraction)
        if not self.stages or self.stages[-1] != stage:
            self.stages.append(stage)

    def check(self) -> None:
        if self.stop_at is not None and self.stop_at in self.stages:
            raise TaskStopped("cancelled")

    def source(self) -> Path:
        assert self._source is not None
        return self._source


@pytest.fixture(scope="module")
def family(tiny_model: Path) -> LTX2Family:
    options = LoadOptions(
        model=str(tiny_model), device="cpu", dtype="fp32", max_pixels=2048, steps=STEPS, max_text_tokens=32
    )
    loaded = load_family("ltx2", options)
    assert isinstance(loaded, LTX2Family)
    return loaded


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "work"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def generate(family: LTX2Family, work: Path, seed: int, **context: str) -> tuple[Path, Context]:
    ctx = Context(work, **context)  # type: ignore[arg-type]
    request = GenerateRequest.model_validate({"prompt": "a boat", "settings": {"seed": seed, "duration": 2}})
    return family.generate(request, seed, ctx), ctx


def test_progress_rises_through_every_step_and_the_output_is_exact(family: LTX2Family, work: Path) -> None:
    output, ctx = generate(family, work, 1)
    assert ctx.values == sorted(ctx.values)
    steps = [s for s in ctx.stages if s.startswith("denoising step")]
    assert steps == [f"denoising step {i}/{STEPS}" for i in range(STEPS + 1)]
    assert ctx.stages[0] == "encoding prompt" and "decoding video" in ctx.stages and ctx.stages[-1] == "encoded"
    result = probe(output)
    assert (result.width, result.height, result.fps, result.frames) == (1280, 720, 24, 48)


def test_a_stop_ends_denoising_at_the_next_step(family: LTX2Family, work: Path) -> None:
    with pytest.raises(TaskStopped):
        generate(family, work, 1, stop_at=f"denoising step 2/{STEPS}")
    ctx_stages = [f"denoising step {i}/{STEPS}" for i in range(3)]
    # The callback raised at the end of step 2: no third step, no decode, no encode.
    ctx = Context(work, stop_at=f"denoising step 2/{STEPS}")
    request = GenerateRequest.model_validate({"prompt": "a boat", "settings": {"seed": 1}})
    with pytest.raises(TaskStopped):
        family.generate(request, 1, ctx)
    assert [s for s in ctx.stages if s.startswith("denoising")] == ctx_stages
    assert "decoding video" not in ctx.stages
    assert not (work / "output.mp4").exists()


def test_the_same_seed_gives_the_same_video(family: LTX2Family, tmp_path: Path) -> None:
    digests = []
    for index, seed in enumerate((5, 5, 6)):
        work = tmp_path / str(index)
        work.mkdir()
        output, _ = generate(family, work, seed)
        digests.append(output.read_bytes())
    assert digests[0] == digests[1] and digests[0] != digests[2]


def test_extend_of_a_one_frame_video(family: LTX2Family, work: Path, tmp_path: Path) -> None:
    source = make_video(tmp_path / "one.mp4", 96, 64, 24, 1 / 24, audio=False)
    request = ExtendRequest.model_validate({"config": {"sourceVideo": "http://x/y", "extendDuration": 2}})
    output = family.extend(request, 3, Context(work, source))
    result = probe(output)
    assert (result.width, result.height, result.fps, result.frames) == (96, 64, 24, 49)


@pytest.mark.parametrize("content", [b"not a video at all", b"\x00\x00\x00\x18ftypmp42" + b"\xff" * 500])
def test_a_hostile_source_video_fails_with_a_code(
    family: LTX2Family, work: Path, tmp_path: Path, content: bytes
) -> None:
    source = tmp_path / "bad.mp4"
    source.write_bytes(content)

    def upscale() -> Path:
        request = UpscaleRequest.model_validate({"config": {"sourceVideo": "http://x"}})
        return family.upscale(request, 1, Context(work, source))

    def extend() -> Path:
        request = ExtendRequest.model_validate({"config": {"sourceVideo": "http://x"}})
        return family.extend(request, 1, Context(work, source))

    for run in (upscale, extend):
        with pytest.raises(TaskFailure) as caught:
            run()
        assert caught.value.code in ("SOURCE_INVALID", "SOURCE_UNSUPPORTED") and not caught.value.retryable


def test_a_hostile_source_image_fails_with_a_code(family: LTX2Family, work: Path, tmp_path: Path) -> None:
    source = tmp_path / "bad.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    request = GenerateRequest.model_validate({"prompt": "x", "config": {"sourceImage": "http://x/y.png"}})
    with pytest.raises(TaskFailure) as caught:
        family.generate(request, 1, Context(work, source))
    assert caught.value.code == "SOURCE_INVALID" and not caught.value.retryable


def test_out_of_memory_is_retryable_later(family: LTX2Family) -> None:
    def oom() -> Path:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    with pytest.raises(TaskFailure) as caught:
        family._guarded(oom)
    assert caught.value.code == "ENGINE_FAILED" and caught.value.retryable
    assert caught.value.retry_after_ms == 30_000
