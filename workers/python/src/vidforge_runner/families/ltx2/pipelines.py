"""Loading LTX-2 once, and the pipeline steps shared by the operations.

All four pipelines share one set of weights: the text-to-video pipeline is loaded with
`from_pretrained` (a local directory, a Hugging Face cache or a repo id; HF_HUB_OFFLINE is honoured by
huggingface_hub itself), the others are made from it with `from_pipe`, which shares the modules.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from diffusers import (
    LTX2ConditionPipeline,
    LTX2ImageToVideoPipeline,
    LTX2LatentUpsamplePipeline,
    LTX2Pipeline,
)
from diffusers.pipelines.ltx2 import LTX2LatentUpsamplerModel

from ...errors import TaskFailure
from ...speed import apply_attention, resolve_device, resolve_dtype
from ..base import LoadOptions, WorkContext

log = logging.getLogger("vidforge_runner")

# The latent upsampler's folder in the published Lightricks/LTX-2 repository.
UPSAMPLER_SUBFOLDER = "latent_upsampler"


@dataclass
class PromptEmbeds:
    prompt_embeds: torch.Tensor
    prompt_attention_mask: torch.Tensor
    negative_prompt_embeds: torch.Tensor | None
    negative_prompt_attention_mask: torch.Tensor | None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "prompt_embeds": self.prompt_embeds,
            "prompt_attention_mask": self.prompt_attention_mask,
            "negative_prompt_embeds": self.negative_prompt_embeds,
            "negative_prompt_attention_mask": self.negative_prompt_attention_mask,
        }


class LTX2Pipelines:
    def __init__(self, options: LoadOptions, built: tuple[Any, Any] | None = None) -> None:
        """Loads the weights named by `options.model`, or takes `built` (a text-to-video pipeline
        and a latent upsampler already in memory: bench/gpu_check.py's random full-size model)."""
        self.options = options
        self.device = resolve_device(options.device)
        self.dtype = resolve_dtype(options.dtype, self.device)
        started = time.monotonic()
        if built is not None:
            self.t2v, upsampler = built
        else:
            self.t2v, upsampler = self._load(options)
        self.i2v = LTX2ImageToVideoPipeline.from_pipe(self.t2v)
        self.condition = LTX2ConditionPipeline.from_pipe(self.t2v)
        self.upsample = LTX2LatentUpsamplePipeline(vae=self.t2v.vae, latent_upsampler=upsampler)
        for pipe in self.all():
            pipe.set_progress_bar_config(disable=True)
        if options.offload == "none":
            self.t2v.to(self.device)
            self.upsample.to(self.device)
        else:
            # Offload hooks move each module to the device only while it runs; VAE tiling bounds
            # the decode's activations. Both trade speed for memory (docs/models.md).
            self.t2v.vae.enable_tiling()
            for pipe in self.all():
                if options.offload == "model":
                    pipe.enable_model_cpu_offload(device=self.device)
                else:
                    pipe.enable_sequential_cpu_offload(device=self.device)
        self.attention = apply_attention(self.t2v.transformer, options.attention, self.device)
        if options.compile:
            # Regional compilation: each transformer block is compiled once and reused for all 48.
            self.t2v.transformer.compile_repeated_blocks(fullgraph=True)
        self.temporal = int(self.t2v.vae_temporal_compression_ratio)
        self.spatial = int(self.t2v.vae_spatial_compression_ratio)
        log.info(
            "LTX-2 loaded from %s in %.1f s on %s (%s, attention %s, offload %s, compile %s)",
            options.model,
            time.monotonic() - started,
            self.device,
            options.dtype,
            self.attention,
            options.offload,
            options.compile,
        )

    def _load(self, options: LoadOptions) -> tuple[Any, Any]:
        try:
            t2v = LTX2Pipeline.from_pretrained(options.model, torch_dtype=self.dtype)
            upsampler_source = options.upsampler or options.model
            subfolder = None if options.upsampler else UPSAMPLER_SUBFOLDER
            upsampler = LTX2LatentUpsamplerModel.from_pretrained(
                upsampler_source, subfolder=subfolder, torch_dtype=self.dtype
            )
        except (OSError, ValueError) as error:
            raise RuntimeError(f"could not load LTX-2 weights from {options.model!r}: {error}") from error
        return t2v, upsampler

    def all(self) -> list[Any]:
        return [self.t2v, self.i2v, self.condition, self.upsample]

    @property
    def size_multiple(self) -> int:
        # Width and height must be multiples of the VAE's spatial compression (32 for LTX-2).
        return max(32, self.spatial)

    # --- the steps every operation is made of ---

    def encode_prompt(self, prompt: str, negative: str, guidance: bool, context: WorkContext) -> PromptEmbeds:
        context.check()
        with torch.inference_mode():
            embeds, mask, negative_embeds, negative_mask = self.t2v.encode_prompt(
                prompt=prompt,
                negative_prompt=negative,
                do_classifier_free_guidance=guidance,
                max_sequence_length=self.options.max_text_tokens,
                device=self.device if self.options.offload == "none" else self.t2v._execution_device,
            )
        return PromptEmbeds(embeds, mask, negative_embeds, negative_mask)

    def step_callback(
        self, context: WorkContext, steps: int, start: float, end: float
    ) -> Callable[[Any, int, Any, dict[str, Any]], dict[str, Any]]:
        """Progress per denoising step; raising here (TaskStopped) is what stops the pipeline at
        once: setting `_interrupt` would still run the VAE decode."""

        def on_step_end(_pipe: Any, index: int, _timestep: Any, _tensors: dict[str, Any]) -> dict[str, Any]:
            context.check()
            done = index + 1
            context.progress(start + (end - start) * done / steps, f"denoising step {done}/{steps}")
            return {}

        return on_step_end

    def decode(self, latents: torch.Tensor, context: WorkContext) -> npt.NDArray[np.uint8]:
        """Denormalized video latents (an `output_type="latent"` result) to (frames, H, W, 3) uint8.
        Decoding here rather than inside the pipeline makes it a stage of its own for progress and
        timing, and skips the audio decoder: the contract's output has no generated audio."""
        context.check()
        vae = self.t2v.vae
        with torch.inference_mode():
            latents = latents.to(device=self._vae_device(), dtype=vae.dtype)
            timestep = None
            if vae.config.timestep_conditioning:
                # decode_timestep 0 and no decode noise: the pipelines' defaults.
                timestep = torch.zeros(latents.shape[0], device=latents.device, dtype=latents.dtype)
            video = vae.decode(latents, timestep, return_dict=False)[0]
            frames = self.t2v.video_processor.postprocess_video(video, output_type="np")
        array = np.asarray(frames[0])
        return np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)

    def _vae_device(self) -> torch.device:
        if self.options.offload == "none":
            return self.device
        return torch.device(self.t2v._execution_device)

    def generator(self, seed: int) -> torch.Generator:
        # A CPU generator: diffusers draws the noise on it and moves it, so a seed gives the same
        # noise on any device and the same video on the same hardware.
        return torch.Generator(device="cpu").manual_seed(seed)

    def release(self) -> None:
        gc.collect()
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


def out_of_memory(error: BaseException) -> TaskFailure:
    """An OOM may pass on another attempt (another runner, less fragmentation): retryable, later."""
    return TaskFailure(
        "ENGINE_FAILED",
        f"The GPU ran out of memory: {str(error).splitlines()[0][:200]}",
        retryable=True,
        retry_after_ms=30_000,
    )


def is_out_of_memory(error: BaseException) -> bool:
    return isinstance(error, torch.OutOfMemoryError) or "out of memory" in str(error).lower()
