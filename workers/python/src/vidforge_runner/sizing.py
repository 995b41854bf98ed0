"""Sizes and frame counts: the contract's output sizes, model-native sizes and frame snapping."""

from __future__ import annotations

import math

from PIL import Image

OUTPUT_FPS = 24
# CONTRACT.md Part B: generate's output size per aspect ratio.
OUTPUT_SIZES: dict[str, tuple[int, int]] = {
    "16:9": (1280, 720),
    "9:16": (720, 1280),
    "4:3": (960, 720),
    "3:4": (720, 960),
    "1:1": (720, 720),
}
# Upscale: twice the source, the long side at most this (sources above half of it are refused).
UPSCALE_MAX_SIDE = 3840
# Candidate sizes within this relative aspect error are "the same shape"; among them the largest wins.
ASPECT_TOLERANCE = 0.05


def native_size(ratio: float, max_pixels: int, multiple: int) -> tuple[int, int]:
    """The model-native (width, height) for an aspect ratio: both sides multiples of `multiple`, at
    most `max_pixels` in area. The largest size within ASPECT_TOLERANCE of the ratio, or the closest
    shape when none is (tiny budgets). The output is scaled to cover and cropped afterwards, so a
    small aspect error never stretches the picture."""
    if ratio <= 0 or max_pixels < multiple * multiple:
        raise ValueError(f"no native size for ratio {ratio} within {max_pixels} pixels")
    candidates: list[tuple[float, int, int, int]] = []
    for height in range(multiple, int(math.sqrt(max_pixels / ratio) * 2) + multiple + 1, multiple):
        width = max(multiple, round(height * ratio / multiple) * multiple)
        if width * height > max_pixels:
            width = (max_pixels // height) // multiple * multiple
        if width < multiple:
            continue
        error = abs(math.log((width / height) / ratio))
        candidates.append((error, width * height, width, height))
    good = [c for c in candidates if c[0] <= math.log1p(ASPECT_TOLERANCE)]
    best = max(good, key=lambda c: c[1]) if good else min(candidates, key=lambda c: (round(c[0], 6), -c[1]))
    return best[2], best[3]


def aspect_of(name: str) -> float:
    width, height = (int(part) for part in name.split(":"))
    return width / height


def snap_frames(wanted: int, temporal: int) -> int:
    """The smallest temporal*k + 1 frame count at or above `wanted` (what the VAE accepts)."""
    if wanted < 1:
        raise ValueError("at least one frame is needed")
    return math.ceil((wanted - 1) / temporal) * temporal + 1


def crop_to_ratio(image: Image.Image, ratio: float) -> Image.Image:
    """The largest centred crop of `image` with this width/height ratio."""
    width, height = image.size
    if width / height > ratio:
        new_width = max(1, round(height * ratio))
        left = (width - new_width) // 2
        return image.crop((left, 0, left + new_width, height))
    new_height = max(1, round(width / ratio))
    top = (height - new_height) // 2
    return image.crop((0, top, width, top + new_height))


def upscale_size(width: int, height: int) -> tuple[int, int]:
    """Twice the source, even sides (yuv420p), the long side capped at UPSCALE_MAX_SIDE."""
    scale = min(2.0, UPSCALE_MAX_SIDE / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)
