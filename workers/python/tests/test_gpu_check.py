"""bench/gpu_check.py runs every phase with `--tiny` on CPU, so the GPU script cannot rot unseen."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "gpu_check.py"


def test_gpu_check_tiny_times_every_phase(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    assert module.main(["--tiny", "--steps", "2,3", "--compare-attention"]) == 0
    out = capsys.readouterr().out
    for title in (
        r"generate 64x32x25, 2 steps \(runner path\)",
        r"generate 64x32x25, 3 steps \(runner path\)",
        r"generate 64x32x25, 2 steps \(bare pipeline call\)",
        r"extend \+2 s of the 2-step clip \(runner path\)",
        r"upscale 2x of the 2-step clip \(runner path\)",
        r"generate, 8 steps, native SDPA",
    ):
        assert re.search(rf"== {title}: \d+\.\d+ s", out), title
    for phase in ("encoding prompt", "decoding video", "encoding video"):
        assert re.search(rf"   {phase} +\d+\.\d+ s", out), phase
    assert re.search(r"denoising steps: n=3 mean", out)
    assert out.rstrip().endswith("gpu_check: done")
