"""The LTX-2 family (LTX-2 / 2.3 weights in the diffusers layout): generate, extend and upscale.

Progress shares (of the whole task; the runner adds upload at 0.97-0.99) are rough measures of where
the time goes on a GPU: denoising dominates, so it gets most of the range, one equal slice per step.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
from diffusers.pipelines.ltx2 import LTX2VideoCondition
from PIL import Image, UnidentifiedImageError

from ...errors import TaskFailure
from ...media.encode import EncodeSpec, encode_frames
from ...media.frames import Frame, read_frames
from ...media.probe import probe_video
from ...media.tools import MediaTools, find_tools
from ...protocol.models import ExtendRequest, GenerateRequest, TaskType, UpscaleRequest
from ...sizing import (
    OUTPUT_FPS,
    OUTPUT_SIZES,
    aspect_of,
    crop_to_ratio,
    native_size,
    snap_frames,
    upscale_size,
)
from ..base import LoadOptions, WorkContext
from .pipelines import LTX2Pipelines, PromptEmbeds, is_out_of_memory, out_of_memory

log = logging.getLogger("vidforge_runner")

# LTX-2's guidance for generate (the API has no guidanceScale there); diffusers' LTX-2 examples use 4.
GENERATE_GUIDANCE = 4.0
# Used when a request has no negative prompt: the one of the LTX-2 examples.
DEFAULT_NEGATIVE = "worst quality, inconsistent motion, blurry, jittery, distorted"
# Extend without a prompt still needs text to condition on.
DEFAULT_EXTEND_PROMPT = "The video continues smoothly in the same scene, with the same style and motion."
# The refine after the latent upsample: the distilled stage-2 sigmas of LTX-2 (ltx2/utils.py).
REFINE_SIGMAS = [0.909375, 0.725, 0.421875]
# Upscale works on chunks of this many frames at most (8k+1): VAE and refine memory stay bounded.
UPSCALE_CHUNK_FRAMES = 121
# Sources the upscale accepts: twice this is the contract's 3840 cap.
UPSCALE_SOURCE_MAX_SIDE = 1920

# Shares of the task's progress.
TEXT = (0.0, 0.04)
DENOISE_END = 0.86
DECODE_END = 0.92
ENCODE_END = 0.97


def load(options: LoadOptions) -> LTX2Family:
    return LTX2Family(options)


class LTX2Family:
    name = "ltx2"
    operations: tuple[TaskType, ...] = ("generate", "extend", "upscale")

    def __init__(self, options: LoadOptions, built: tuple[Any, Any] | None = None) -> None:
        self.options = options
        self.tools: MediaTools = options.media or find_tools()
        self.p = LTX2Pipelines(options, built)
        if options.compile:
            self.warm_up()

    def warm_up(self) -> float:
        """One short generate at the most common shape (16:9, 2 s) so compilation happens at start,
        not in the first task. Returns the seconds it took."""
        started = time.monotonic()
        width, height = native_size(aspect_of("16:9"), self.options.max_pixels, self.p.size_multiple)
        with torch.inference_mode():
            self.p.t2v(
                prompt="warm-up",
                height=height,
                width=width,
                num_frames=snap_frames(2 * OUTPUT_FPS, self.p.temporal),
                num_inference_steps=2,
                max_sequence_length=self.options.max_text_tokens,
                generator=self.p.generator(0),
                output_type="latent",
                return_dict=False,
            )
        self.p.release()
        log.info("warm-up (compilation) took %.1f s", time.monotonic() - started)
        return time.monotonic() - started

    # --- generate ---

    def generate(self, request: GenerateRequest, seed: int, context: WorkContext) -> Path:
        settings = request.settings
        ratio = aspect_of(settings.aspectRatio)
        width, height = native_size(ratio, self.options.max_pixels, self.p.size_multiple)
        out_width, out_height = OUTPUT_SIZES[settings.aspectRatio]
        wanted = settings.duration * OUTPUT_FPS
        frames = snap_frames(wanted, self.p.temporal)
        image = None
        if request.config is not None and request.config.sourceImage is not None:
            context.progress(0.0, "reading source image")
            image = self._first_frame(context.source(), ratio, width, height)
        negative = request.negativePrompt or DEFAULT_NEGATIVE
        return self._guarded(
            lambda: self._generate(
                request.prompt, negative, image, seed, width, height, frames, wanted, context, out_width, out_height
            )
        )

    def _generate(
        self,
        prompt: str,
        negative: str,
        image: Image.Image | None,
        seed: int,
        width: int,
        height: int,
        frames: int,
        wanted: int,
        context: WorkContext,
        out_width: int,
        out_height: int,
    ) -> Path:
        context.progress(TEXT[0], "encoding prompt")
        embeds = self.p.encode_prompt(prompt, negative, GENERATE_GUIDANCE > 1, context)
        steps = self.options.steps
        kwargs = self._denoise_args(
            embeds, width, height, frames, float(OUTPUT_FPS), GENERATE_GUIDANCE, seed, context, TEXT[1]
        )
        context.progress(TEXT[1], f"denoising step 0/{steps}")
        with torch.inference_mode():
            pipe = self.p.t2v if image is None else self.p.i2v
            extra = {} if image is None else {"image": image}
            latents = pipe(**extra, **kwargs)[0]
        context.progress(DENOISE_END, "decoding video")
        video = self.p.decode(latents, context)[:wanted]
        del latents
        return self._encode(video, Fraction(OUTPUT_FPS), out_width, out_height, context)

    def _denoise_args(
        self,
        embeds: PromptEmbeds,
        width: int,
        height: int,
        frames: int,
        fps: float,
        guidance: float,
        seed: int,
        context: WorkContext,
        progress_start: float,
    ) -> dict[str, Any]:
        """The arguments every LTX-2 denoising call shares: latents out, progress per step."""
        steps = self.options.steps
        return {
            **embeds.as_kwargs(),
            "height": height,
            "width": width,
            "num_frames": frames,
            "frame_rate": fps,
            "num_inference_steps": steps,
            "guidance_scale": guidance,
            "generator": self.p.generator(seed),
            "output_type": "latent",
            "return_dict": False,
            "callback_on_step_end": self.p.step_callback(context, steps, progress_start, DENOISE_END),
        }

    def _first_frame(self, path: Path, ratio: float, width: int, height: int) -> Image.Image:
        try:
            with Image.open(path) as opened:
                opened.load()
                image = opened.convert("RGB")
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
            raise TaskFailure("SOURCE_INVALID", "The source image could not be read") from error
        # The image is the first frame, cropped to the requested ratio (CONTRACT.md Part B).
        return crop_to_ratio(image, ratio).resize((width, height), Image.Resampling.LANCZOS)

    # --- extend ---

    def extend(self, request: ExtendRequest, seed: int, context: WorkContext) -> Path:
        context.progress(0.0, "reading source video")
        source = context.source()
        probe = probe_video(self.tools, source)
        fps = probe.fps
        width, height = native_size(probe.width / probe.height, self.options.max_pixels, self.p.size_multiple)
        # The last temporal+1 source frames (one latent frame past the first) condition the continuation.
        keep = self.p.temporal + 1
        tail: deque[Frame] = deque(maxlen=keep)
        source_frames = 0
        for frame in read_frames(self.tools, source, width, height, fps, context.check):
            tail.append(frame.copy())
            source_frames += 1
        condition = np.stack(list(tail) if len(tail) == keep else [tail[-1]])
        new_frames = max(1, round(request.config.extendDuration * float(fps)))
        frames = snap_frames(len(condition) + new_frames, self.p.temporal)
        prompt = request.prompt or DEFAULT_EXTEND_PROMPT
        negative = request.negativePrompt or DEFAULT_NEGATIVE
        guidance = request.settings.guidanceScale
        out_width, out_height = _even(probe.width), _even(probe.height)

        def run() -> Path:
            context.progress(0.03, "encoding prompt")
            embeds = self.p.encode_prompt(prompt, negative, guidance > 1, context)
            steps = self.options.steps
            context.progress(0.06, f"denoising step 0/{steps}")
            with torch.inference_mode():
                latents = self.p.condition(
                    conditions=[LTX2VideoCondition(frames=condition, index=0, strength=1.0)],
                    **self._denoise_args(embeds, width, height, frames, float(fps), guidance, seed, context, 0.06),
                )[0]
            context.progress(DENOISE_END, "decoding video")
            # The first frames re-create the conditioning tail; the continuation follows them.
            video = self.p.decode(latents, context)[len(condition) : len(condition) + new_frames]
            del latents
            spec = EncodeSpec(
                in_width=width,
                in_height=height,
                out_width=out_width,
                out_height=out_height,
                fps=fps,
                frames=new_frames,
                prefix=source,
                prefix_frames=source_frames,
                audio_from=source if probe.has_audio else None,
            )
            return self._encode_spec(spec, iter(video), context)

        return self._guarded(run)

    # --- upscale ---

    def upscale(self, request: UpscaleRequest, seed: int, context: WorkContext) -> Path:
        context.progress(0.0, "reading source video")
        source = context.source()
        probe = probe_video(self.tools, source)
        if max(probe.width, probe.height) > UPSCALE_SOURCE_MAX_SIDE:
            raise TaskFailure(
                "SOURCE_TOO_LARGE",
                f"The source is {probe.width}x{probe.height}; upscale takes sources up to "
                f"{UPSCALE_SOURCE_MAX_SIDE} pixels on the long side",
            )
        out_width, out_height = upscale_size(probe.width, probe.height)
        multiple = self.p.size_multiple
        # Work at the source's own size when it fits the budget, never above it.
        budget = min(self.options.max_pixels, max(probe.width * probe.height, multiple * multiple))
        width, height = native_size(probe.width / probe.height, budget, multiple)
        total = probe.frames
        chunks = max(1, -(-total // UPSCALE_CHUNK_FRAMES))

        def frames() -> Iterator[Frame]:
            embeds = self.p.encode_prompt("", "", False, context)
            chunk: list[Frame] = []
            index = 0
            for frame in read_frames(self.tools, source, width, height, probe.fps, context.check):
                chunk.append(frame.copy())
                if len(chunk) == UPSCALE_CHUNK_FRAMES:
                    yield from self._upscale_chunk(chunk, embeds, seed + index, width, height, index, chunks, context)
                    chunk, index = [], index + 1
            if chunk:
                yield from self._upscale_chunk(
                    chunk, embeds, seed + index, width, height, index, min(index + 1, chunks), context
                )

        spec = EncodeSpec(
            in_width=2 * width,
            in_height=2 * height,
            out_width=out_width,
            out_height=out_height,
            fps=probe.fps,
            frames=None,
            audio_from=source if probe.has_audio else None,
            audio_codec=probe.audio_codec,
        )
        return self._guarded(lambda: self._encode_spec(spec, frames(), context))

    def _upscale_chunk(
        self,
        chunk: list[Frame],
        embeds: PromptEmbeds,
        seed: int,
        width: int,
        height: int,
        index: int,
        chunks: int,
        context: WorkContext,
    ) -> Iterator[Frame]:
        """VAE encode, 2x latent upsample, a short refine at low noise, decode."""
        span = (DECODE_END - 0.03) / max(chunks, index + 1)
        start = 0.03 + span * index
        real = len(chunk)
        padded = snap_frames(real, self.p.temporal)
        chunk = chunk + [chunk[-1]] * (padded - real)
        generator = self.p.generator(seed)
        context.progress(start, f"upsampling latents {index + 1}/{chunks}")
        with torch.inference_mode():
            latents = self.p.upsample(
                video=[Image.fromarray(f) for f in chunk],
                height=height,
                width=width,
                num_frames=padded,
                generator=generator,
                output_type="latent",
                return_dict=False,
            )[0]
            context.check()
            steps = len(REFINE_SIGMAS)
            refined = self.p.t2v(
                **embeds.as_kwargs(),
                latents=latents,
                height=2 * height,
                width=2 * width,
                num_frames=padded,
                sigmas=REFINE_SIGMAS,
                num_inference_steps=steps,
                noise_scale=REFINE_SIGMAS[0],
                # No guidance of any kind: the refine only restores detail at low noise.
                guidance_scale=1.0,
                audio_guidance_scale=1.0,
                stg_scale=0.0,
                audio_stg_scale=0.0,
                modality_scale=1.0,
                audio_modality_scale=1.0,
                generator=generator,
                output_type="latent",
                return_dict=False,
                callback_on_step_end=self.p.step_callback(context, steps, start + span * 0.3, start + span * 0.8),
            )[0]
        del latents
        context.progress(start + span * 0.8, f"decoding {index + 1}/{chunks}")
        video = self.p.decode(refined, context)[:real]
        del refined
        yield from video

    # --- shared ---

    def _encode(self, video: np.ndarray, fps: Fraction, out_width: int, out_height: int, context: WorkContext) -> Path:
        height, width = int(video.shape[1]), int(video.shape[2])
        spec = EncodeSpec(
            in_width=width,
            in_height=height,
            out_width=out_width,
            out_height=out_height,
            fps=fps,
            frames=int(video.shape[0]),
        )
        return self._encode_spec(spec, iter(video), context)

    def _encode_spec(self, spec: EncodeSpec, frames: Iterator[Frame], context: WorkContext) -> Path:
        output = context.work_dir / "output.mp4"
        streaming = spec.frames is None
        if not streaming:
            context.progress(DECODE_END, "encoding video")

        def on_frame(written: int) -> None:
            if spec.frames:
                fraction = DECODE_END + (ENCODE_END - DECODE_END) * written / spec.frames
                context.progress(fraction, "encoding video")

        encode_frames(self.tools, spec, frames, output, context.check, on_frame)
        context.progress(ENCODE_END, "encoded")
        return output

    def _guarded(self, work: Callable[[], Path]) -> Path:
        try:
            return work()
        except torch.OutOfMemoryError as error:
            raise out_of_memory(error) from error
        except RuntimeError as error:
            if is_out_of_memory(error):
                raise out_of_memory(error) from error
            raise

    def release(self) -> None:
        self.p.release()


def _even(value: int) -> int:
    # yuv420p needs even sides; an odd source side loses one pixel.
    return max(2, value - value % 2)
