"""Native sizes, frame snapping and crops: the rules the operations rely on."""

from __future__ import annotations

import pytest
from PIL import Image

from vidforge_runner.sizing import OUTPUT_SIZES, aspect_of, crop_to_ratio, native_size, snap_frames, upscale_size


@pytest.mark.parametrize("ratio", sorted(OUTPUT_SIZES))
@pytest.mark.parametrize("budget", [768 * 512, 1024 * 576, 2048])
def test_native_sizes_are_multiples_of_32_within_budget(ratio: str, budget: int) -> None:
    width, height = native_size(aspect_of(ratio), budget, 32)
    assert width % 32 == 0 and height % 32 == 0 and width * height <= budget


@pytest.mark.parametrize("ratio", sorted(OUTPUT_SIZES))
def test_native_sizes_keep_the_shape_at_full_size(ratio: str) -> None:
    width, height = native_size(aspect_of(ratio), 768 * 512, 32)
    assert abs((width / height) / aspect_of(ratio) - 1) <= 0.05
    assert width * height >= 0.75 * 768 * 512


def test_native_size_refuses_an_impossible_budget() -> None:
    with pytest.raises(ValueError):
        native_size(16 / 9, 100, 32)


@pytest.mark.parametrize(("wanted", "snapped"), [(1, 1), (2, 9), (48, 49), (49, 49), (96, 97), (192, 193)])
def test_frames_snap_to_8k_plus_1(wanted: int, snapped: int) -> None:
    assert snap_frames(wanted, 8) == snapped


def test_crop_to_ratio_is_centred() -> None:
    image = Image.new("RGB", (400, 200))
    image.paste((255, 0, 0), (100, 0, 300, 200))
    cropped = crop_to_ratio(image, 1.0)
    assert cropped.size == (200, 200)
    assert cropped.getpixel((0, 0)) == (255, 0, 0) and cropped.getpixel((199, 199)) == (255, 0, 0)
    assert crop_to_ratio(image, 0.5).size == (100, 200)


def test_upscale_doubles_and_caps() -> None:
    assert upscale_size(320, 240) == (640, 480)
    assert upscale_size(1920, 1080) == (3840, 2160)
    assert upscale_size(1921, 1080)[0] == 3840
