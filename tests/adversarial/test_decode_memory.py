"""The memory one decode may use, measured in a fresh process for the worst files we can build
inside the default limits, one or more per accepted format (the security review's among them).

Each file is either decoded within the budget, its peak measured by the child process that
decoded it, or refused before a pixel is decoded because its format's measured cost per pixel
says it would not fit. ``-s`` prints each figure.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PIL import Image

from imagecore import Box, ImageLimits
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.rejections import DecodeOverBudget
from tests import images
from tests.adversarial.support import BUDGET

#: The limit: 40 million pixels, as 8000 x 5000 or as the widest WebP (16383 x 2441).
WIDE, TALL = 8000, 5000
PROFILE, COVER = Box(800, 800, fill=True), Box(2400, 1200)


def rgba_png_with_profile_turned() -> bytes:
    exif = Image.Exif()
    exif[images.ORIENTATION] = 6
    picture = Image.new("RGBA", (WIDE, TALL), (10, 200, 30, 128))
    return images.encode(
        picture, "PNG", icc_profile=images.swapped_primaries_icc(), exif=exif.tobytes()
    )


def frames(mode: str, size: tuple[int, int], colours: list[object]) -> list[Image.Image]:
    return [Image.new(mode, size, colour) for colour in colours]  # type: ignore[arg-type]


def animation(format_name: str, pictures: list[Image.Image], **options: object) -> bytes:
    return images.encode(
        pictures[0], format_name, save_all=True, append_images=pictures[1:], **options
    )


def smooth_jpeg(**options: object) -> bytes:
    picture = Image.linear_gradient("L").resize((WIDE, TALL)).convert("RGB")
    return images.encode(picture, "JPEG", quality=95, **options)


#: (name, file maker, decoded within the budget: True, or refused before decoding: False)
CASES: list[tuple[str, Callable[[], bytes], bool]] = [
    ("PNG, 40 MP RGBA, ICC profile, EXIF turn", rgba_png_with_profile_turned, True),
    (
        "PNG, 40 MP 16-bit grey",
        lambda: images.encode(Image.new("I;16", (WIDE, TALL), 3), "PNG"),
        True,
    ),
    ("PNG, 40 MP palette", lambda: images.png((WIDE, TALL), 3, mode="P"), True),
    ("GIF, 40 MP still", lambda: images.encode(Image.new("P", (WIDE, TALL), 1), "GIF"), True),
    ("JPEG, 40 MP progressive 4:4:4", lambda: smooth_jpeg(progressive=True, subsampling=0), True),
    ("JPEG, 40 MP baseline 4:4:4", lambda: smooth_jpeg(subsampling=0), True),
    (
        "GIF, 3 frames of 27 MP",
        lambda: animation("GIF", frames("P", (6000, 4500), [1, 2, 3])),
        True,
    ),
    (
        "WebP, 2 KB lossless of 40 MP",
        lambda: images.encode(Image.new("RGBA", (16383, 2441), "red"), "WEBP", lossless=True),
        False,
    ),
    (
        "WebP, 2 animated frames of 40 MP",
        lambda: animation("WEBP", frames("RGBA", (16383, 2441), ["red", "blue"]), lossless=True),
        False,
    ),
    (
        "GIF, 2 frames of 40 MP",
        lambda: animation("GIF", frames("P", (WIDE, TALL), [1, 2])),
        False,
    ),
    (
        "APNG, 2 frames of 40 MP RGBA",
        lambda: animation("PNG", frames("RGBA", (WIDE, TALL), ["red", (0, 0, 255, 128)])),
        False,
    ),
]


@pytest.mark.parametrize(("name", "make", "fits"), CASES, ids=[case[0] for case in CASES])
def test_the_worst_files_decode_within_the_budget_or_are_refused_first(
    budgeted_codec: IsolatedCodec, name: str, make: Callable[[], bytes], fits: bool
) -> None:
    data = make()
    for box in (PROFILE, COVER):
        if not fits:
            # In this process, with no limit on its memory: only the estimate can refuse it, so
            # the refusal comes before a pixel is decoded.
            with pytest.raises(DecodeOverBudget) as refused:
                PillowCodec(memory_budget=BUDGET).encode(data, box, ImageLimits())
            assert refused.value.resource == "memory"
            continue
        # The child may not use more than the budget: a decode that returns stayed within it.
        image, usage = budgeted_codec.encode_measured(data, box, ImageLimits())
        print(
            f"{name}: {len(data):,} bytes, box {box}: peak {usage.peak_bytes / 2**20:.0f} MB, "
            f"{usage.seconds:.2f} s CPU"
        )
        assert image.width <= box.width and image.height <= box.height
