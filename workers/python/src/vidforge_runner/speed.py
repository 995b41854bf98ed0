"""Device, dtype and the speed levers: attention backend and regional compilation.

The attention backend "auto" takes the fastest one that needs no download: cuDNN's fused SDPA on
CUDA (it accepts LTX-2's cross-attention masks, which the flash-attn kernels do not), PyTorch's
native SDPA elsewhere. Hub kernels (`*_hub`) are never chosen: they download at run time.
bench/gpu_check.py measures native against cuDNN on the real architecture.
"""

from __future__ import annotations

import logging
from typing import Protocol

import torch

from .families.base import Dtype

log = logging.getLogger("vidforge_runner")

DTYPES: dict[Dtype, torch.dtype] = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


def resolve_device(name: str) -> torch.device:
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device {name}: CUDA is not available on this machine (use --device cpu)")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return device


def resolve_dtype(name: Dtype, device: torch.device) -> torch.dtype:
    dtype = DTYPES[name]
    if device.type == "cpu" and dtype == torch.float16:
        # Half-precision convolutions are missing or very slow on CPU.
        raise ValueError("--dtype fp16 is not supported on CPU; use bf16 or fp32")
    return dtype


class AttentionModel(Protocol):
    def set_attention_backend(self, backend: str) -> None: ...


def choose_attention(requested: str, device: torch.device) -> str:
    if requested != "auto":
        if requested.endswith("_hub"):
            raise ValueError(f"--attention {requested} downloads kernels at run time; choose a local backend")
        return requested
    cudnn = bool(torch.backends.cudnn.is_available())  # type: ignore[no-untyped-call]
    if device.type == "cuda" and cudnn:
        return "_native_cudnn"
    return "native"


def apply_attention(model: AttentionModel, requested: str, device: torch.device) -> str:
    """Sets the backend; an unavailable one (a missing package) falls back to native SDPA with a warning."""
    backend = choose_attention(requested, device)
    try:
        model.set_attention_backend(backend)
    except (ImportError, ValueError, RuntimeError) as error:
        if requested != "auto":
            raise ValueError(f"--attention {requested} is not usable here: {error}") from error
        log.warning("attention backend %s is not usable (%s); using native", backend, error)
        backend = "native"
        model.set_attention_backend(backend)
    return backend


def free_accelerator_memory() -> None:
    """Returns cached blocks to the driver so the next task (or another process) gets them."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.empty_cache()
