#!/usr/bin/env python3
"""GPU check of the LTX-2 runner: the full-size architecture with random bf16 weights, timed.

    python workers/python/bench/gpu_check.py [--wheels DIR] [--device cuda:0] [--steps 8,30]
    python workers/python/bench/gpu_check.py --tiny          # the same phases on CPU, tiny model (CI)

Builds LTX-2 (transformer, connectors, video and audio VAEs, vocoder, latent upsampler) from the
published LTX-2 (2.0) configuration and a Gemma-3 12B text encoder, on the meta device, then
materialises every parameter on the GPU with a cheap random fill: no weights are downloaded. Then it
runs, through the runner's own code (LTX2Family):

  - generate at 768x512x121 frames with each --steps value,
  - extend (the generated clip + 2 s) and upscale (2x, short refine) once each,
  - the same generate as a bare pipeline call (no runner) for comparison,

and prints per-phase times (text encode, every denoising step, VAE decode, H.264 encode) and the peak
GPU memory of each. Needs PyTorch with CUDA, ffmpeg/ffprobe on PATH for the encode phases; diffusers
and friends are installed from --wheels (a folder of wheels made beforehand with `pip download
--no-deps -d DIR -r workers/python/bench/gpu-requirements.txt`) into a private folder when they are
missing, so the machine needs no network.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

PROMPT = "A calm lake at sunrise, mist over the water, a boat drifting slowly, cinematic light"


def ensure_dependencies(wheels: Path | None) -> None:
    """diffusers, transformers and their pure-Python friends, from a local wheel folder if missing."""
    if importlib.util.find_spec("diffusers") is not None and importlib.util.find_spec("transformers") is not None:
        return
    if wheels is None:
        raise SystemExit("diffusers/transformers are not installed: pass --wheels DIR (see the module docstring)")
    target = Path(tempfile.gettempdir()) / "vidforge-gpu-check-site"
    requirements = HERE / "gpu-requirements.txt"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--find-links",
            str(wheels),
            "--target",
            str(target),
            "--no-deps",
            "-r",
            str(requirements),
        ],
        check=True,
    )
    sys.path.insert(0, str(target))


@dataclass
class Timings:
    """Stage changes and step ends as the runner reports them, with their times."""

    started: float = field(default_factory=time.perf_counter)
    marks: list[tuple[str, float]] = field(default_factory=list)

    def mark(self, stage: str) -> None:
        self.marks.append((stage, time.perf_counter() - self.started))

    def phases(self) -> dict[str, float]:
        """Seconds from each stage's first report to the next stage's."""
        result: dict[str, float] = {}
        for (stage, at), (_next, until) in zip(self.marks, self.marks[1:], strict=False):
            key = (
                "denoising step"
                if stage.startswith("denoising step") and not stage.endswith(" 0/" + stage.split("/")[-1])
                else stage
            )
            result[key] = result.get(key, 0.0) + until - at
        return result

    def steps(self) -> list[float]:
        """Each step's time: from the report before it (the previous step, or the stage before the
        first step) to its own end."""
        durations = []
        for (_before, at), (stage, end) in zip(self.marks, self.marks[1:], strict=False):
            if stage.startswith("denoising step") and not stage.startswith("denoising step 0/"):
                durations.append(end - at)
        return durations


class BenchContext:
    """The runner's WorkContext, recording when each stage starts (CUDA synchronised)."""

    def __init__(self, work_dir: Path, sync: Callable[[], None], source: Path | None = None) -> None:
        self.work_dir = work_dir
        self._source = source
        self._sync = sync
        self.timings = Timings()
        self._last: str | None = None

    def progress(self, fraction: float, stage: str) -> None:
        if stage != self._last:
            self._sync()
            self.timings.mark(stage)
            self._last = stage

    def check(self) -> None:
        return None

    def source(self) -> Path:
        assert self._source is not None
        return self._source


def cheap_fill(module: Any, torch: Any, device: Any, dtype: Any) -> int:
    """Materialises meta parameters on `device` with small random values (no CPU init, no copies)."""
    count = 0
    for sub in module.modules():
        for name, param in list(sub.named_parameters(recurse=False)):
            if param.device.type != "meta":
                continue
            fresh = torch.empty(param.shape, device=device, dtype=dtype)
            if fresh.ndim >= 2:
                fresh.normal_(0.0, 0.02)
            else:
                fresh.fill_(1.0 if name == "weight" else 0.0)
            sub._parameters[name] = torch.nn.Parameter(fresh, requires_grad=False)
            count += fresh.numel()
    module.to(device)
    return count


def build_full(device: Any, dtype: Any) -> tuple[Any, Any, dict[str, float]]:
    import torch
    from accelerate import init_empty_weights
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2Pipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2LatentUpsamplerModel, LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration

    from vidforge_runner.families.ltx2.tiny import tiny_tokenizer

    # LTX-2 (2.0) as published (diffusers scripts/convert_ltx2_to_diffusers.py; the classes' defaults).
    transformer_config = dict(
        in_channels=128,
        out_channels=128,
        num_attention_heads=32,
        attention_head_dim=128,
        cross_attention_dim=4096,
        audio_in_channels=128,
        audio_out_channels=128,
        audio_num_attention_heads=32,
        audio_attention_head_dim=64,
        audio_cross_attention_dim=2048,
        num_layers=48,
        caption_channels=3840,
    )
    vae_config = dict(
        latent_channels=128,
        block_out_channels=(256, 512, 1024, 2048),
        decoder_block_out_channels=(256, 512, 1024),
        layers_per_block=(4, 6, 6, 2, 2),
        decoder_layers_per_block=(5, 5, 5, 5),
        downsample_type=("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
        upsample_residual=(True, True, True),
        upsample_factor=(2, 2, 2),
        timestep_conditioning=False,
        patch_size=4,
        decoder_causal=False,
        spatial_compression_ratio=32,
        temporal_compression_ratio=8,
    )
    # Gemma-3 12B (the LTX-2 text encoder): 48 layers of 3840, 16 heads of 256, 8 KV heads.
    gemma = Gemma3Config(
        text_config=dict(
            vocab_size=262_208,
            hidden_size=3840,
            intermediate_size=15_360,
            num_hidden_layers=48,
            num_attention_heads=16,
            num_key_value_heads=8,
            head_dim=256,
            max_position_embeddings=131_072,
        ),
        vision_config=dict(
            hidden_size=1152,
            intermediate_size=4304,
            num_hidden_layers=27,
            num_attention_heads=16,
            image_size=896,
            patch_size=14,
        ),
    )
    built: dict[str, float] = {}
    modules: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {
        "text_encoder": lambda: Gemma3ForConditionalGeneration(gemma),
        "transformer": lambda: LTX2VideoTransformer3DModel(**transformer_config),
        "connectors": lambda: LTX2TextConnectors(),
        "vae": lambda: AutoencoderKLLTX2Video(**vae_config),
        "audio_vae": lambda: AutoencoderKLLTX2Audio(),
        "vocoder": lambda: LTX2Vocoder(),
        "latent_upsampler": lambda: LTX2LatentUpsamplerModel(),
    }
    for name, factory in factories.items():
        started = time.perf_counter()
        # Parameters on the meta device, buffers (RoPE tables, latent statistics) real and correct.
        with init_empty_weights(include_buffers=False):
            module = factory()
        params = cheap_fill(module, torch, device, dtype)
        module.eval()
        torch.cuda.synchronize()
        built[f"build {name} ({params / 1e9:.2f} B params)"] = time.perf_counter() - started
        modules[name] = module
    upsampler = modules.pop("latent_upsampler")
    pipe = LTX2Pipeline(scheduler=FlowMatchEulerDiscreteScheduler(), tokenizer=tiny_tokenizer(), **modules)
    return pipe, upsampler, built


def build_tiny() -> tuple[Any, Any, dict[str, float]]:
    import torch

    from vidforge_runner.families.ltx2.tiny import tiny_latent_upsampler, tiny_ltx2_pipeline

    started = time.perf_counter()
    pipe = tiny_ltx2_pipeline()
    torch.manual_seed(1)
    upsampler = tiny_latent_upsampler()
    return pipe, upsampler, {"build tiny LTX-2": time.perf_counter() - started}


@contextmanager
def peak_memory(torch: Any, cuda: bool, into: dict[str, float], label: str) -> Iterator[None]:
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    yield
    if cuda:
        torch.cuda.synchronize()
        into[label] = torch.cuda.max_memory_allocated() / 2**30


def report(title: str, timings: Timings, total: float, peak: float | None) -> None:
    steps = timings.steps()
    print(f"\n== {title}: {total:.2f} s" + (f", peak GPU memory {peak:.1f} GiB" if peak is not None else ""))
    for phase, seconds in timings.phases().items():
        print(f"   {phase:<28} {seconds:8.3f} s")
    if steps:
        print(
            f"   denoising steps: n={len(steps)} mean {sum(steps) / len(steps):.3f} s "
            f"min {min(steps):.3f} max {max(steps):.3f}  [{', '.join(f'{s:.3f}' for s in steps)}]"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="tiny random model on CPU (what CI runs)")
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--wheels", type=Path, help="folder of wheels for diffusers and friends")
    parser.add_argument("--steps", default="8,30", help="denoising steps of the generate runs (comma list)")
    parser.add_argument("--attention", default="auto", help="attention backend for the runner path")
    parser.add_argument("--compare-attention", action="store_true", help="also time 8 steps with native SDPA")
    parser.add_argument("--compile", action="store_true", help="also time compile_repeated_blocks (warm-up + 8 steps)")
    args = parser.parse_args(argv)
    ensure_dependencies(args.wheels)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch

    from vidforge_runner.families.base import Dtype, LoadOptions
    from vidforge_runner.families.ltx2 import LTX2Family
    from vidforge_runner.protocol.models import ExtendRequest, UpscaleRequest

    steps_list = [int(s) for s in args.steps.split(",") if s.strip()]
    dtype_name: Dtype
    if args.tiny:
        # The CPU check exercises every phase, not the sizes: a small output keeps the encodes short.
        device, dtype_name, width, height, frames = "cpu", "fp32", 64, 32, 25
        pipe, upsampler, built = build_tiny()
    else:
        if not torch.cuda.is_available():
            raise SystemExit("no CUDA device: run with --tiny for the CPU check")
        device, dtype_name, width, height, frames = args.device, "bf16", 768, 512, 121
        pipe, upsampler, built = build_full(torch.device(device), torch.bfloat16)
    # The contract's 16:9 output for the full model; the tiny one encodes at twice its native size.
    out_size = (2 * width, 2 * height) if args.tiny else (1280, 720)
    cuda = not args.tiny
    sync: Callable[[], None] = torch.cuda.synchronize if cuda else (lambda: None)
    print(f"torch {torch.__version__}, device {device}, {dtype_name}")
    for name, seconds in built.items():
        print(f"   {name:<44} {seconds:8.2f} s")

    options = LoadOptions(
        model="(in memory)",
        device=device,
        dtype=dtype_name,
        max_pixels=width * height,
        steps=steps_list[0],
        max_text_tokens=32 if args.tiny else 1024,
        attention=args.attention,
    )
    family = LTX2Family(options, built=(pipe, upsampler))
    print(f"   attention backend: {family.p.attention}")
    peaks: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix="vidforge-gpu-check-"))
    clip: Path | None = None
    try:
        for steps in steps_list:
            family.options = LoadOptions(**{**options.__dict__, "steps": steps})
            out = work / f"gen-{steps}"
            out.mkdir()
            ctx = BenchContext(out, sync)
            label = f"generate {width}x{height}x{frames}, {steps} steps (runner path)"
            with peak_memory(torch, cuda, peaks, label):
                started = time.perf_counter()
                result = family._generate(PROMPT, "", None, 42, width, height, frames, frames, ctx, *out_size)
                total = time.perf_counter() - started
            report(label, ctx.timings, total, peaks.get(label))
            clip = clip or Path(shutil.copy(result, work / "clip.mp4"))

        bare_steps = steps_list[0]
        label = f"generate {width}x{height}x{frames}, {bare_steps} steps (bare pipeline call)"
        with peak_memory(torch, cuda, peaks, label):
            sync()
            started = time.perf_counter()
            with torch.inference_mode():
                pipe(
                    prompt=PROMPT,
                    negative_prompt="",
                    height=height,
                    width=width,
                    num_frames=frames,
                    num_inference_steps=bare_steps,
                    guidance_scale=4.0,
                    generator=torch.Generator().manual_seed(42),
                    max_sequence_length=options.max_text_tokens,
                    output_type="np",
                )
            sync()
            total = time.perf_counter() - started
        print(f"\n== {label}: {total:.2f} s" + (f", peak GPU memory {peaks[label]:.1f} GiB" if cuda else ""))

        if clip is not None and shutil.which("ffprobe"):
            family.options = LoadOptions(**{**options.__dict__, "steps": bare_steps})
            extend_request = ExtendRequest.model_validate(
                {"prompt": PROMPT, "config": {"sourceVideo": "http://bench/clip", "extendDuration": 2}}
            )
            upscale_request = UpscaleRequest.model_validate({"config": {"sourceVideo": "http://bench/clip"}})

            def extend(ctx: BenchContext) -> Path:
                return family.extend(extend_request, 42, ctx)

            def upscale(ctx: BenchContext) -> Path:
                return family.upscale(upscale_request, 42, ctx)

            for name, run in (("extend +2 s", extend), ("upscale 2x", upscale)):
                out = work / name.split()[0]
                out.mkdir()
                ctx = BenchContext(out, sync, source=clip)
                label = f"{name} of the {bare_steps}-step clip (runner path)"
                with peak_memory(torch, cuda, peaks, label):
                    started = time.perf_counter()
                    run(ctx)
                    total = time.perf_counter() - started
                report(label, ctx.timings, total, peaks.get(label))
        else:
            print("\n== extend / upscale skipped: ffprobe is not on PATH")

        if args.compare_attention or args.compile:
            comparisons: list[tuple[str, Callable[[], None]]] = []
            if args.compare_attention:
                comparisons.append(("native SDPA", lambda: pipe.transformer.set_attention_backend("native")))
            if args.compile:

                def compile_blocks() -> None:
                    pipe.transformer.set_attention_backend(family.p.attention)
                    pipe.transformer.compile_repeated_blocks(fullgraph=True)
                    print(f"   warm-up (compilation) {family.warm_up():.1f} s")

                comparisons.append(("compile_repeated_blocks", compile_blocks))
            for name, prepare in comparisons:
                prepare()
                family.options = LoadOptions(**{**options.__dict__, "steps": 8})
                out = work / f"cmp-{name.split()[0]}"
                out.mkdir()
                ctx = BenchContext(out, sync)
                started = time.perf_counter()
                family._generate(PROMPT, "", None, 42, width, height, frames, frames, ctx, *out_size)
                report(f"generate, 8 steps, {name}", ctx.timings, time.perf_counter() - started, None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\ngpu_check: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
