"""Smaller versions of a stored image, for ``<img srcset>``: each made from the next larger one,
so that the chain costs about as much as the largest alone."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from PIL import Image

from imagecore.adapters.pillow_codec import encoders
from imagecore.model import EncodedImage

#: A variant is made from the next larger one, most often by a whole factor (1280 to 640, 96 to
#: 48): a box filter does that part, bilinear the rest (at most 2x, where it matches bicubic to
#: the eye). Bicubic all the way made the cover's variants cost 1.7x the image alone.
RESAMPLE = Image.Resampling.BILINEAR
REDUCING_GAP = 1.0


def still_variants(
    image: Image.Image, widths: Sequence[int], output: encoders.Format
) -> tuple[EncodedImage, ...]:
    """``image`` at each of ``widths`` (narrower than it), ascending."""
    made = []
    for width, height, smaller in _chain(image.size, widths, [image]):
        made.append(
            EncodedImage(encoders.encode_still(smaller[0], output), output.extension, width, height)
        )
    return tuple(reversed(made))


def animated_variants(
    frames: Sequence[Image.Image],
    durations: Sequence[int],
    loop: int | None,
    widths: Sequence[int],
    output: encoders.Format,
) -> tuple[EncodedImage, ...]:
    """Every frame at each of ``widths`` (narrower than the animation), ascending: animated."""
    made = []
    # A GIF without a loop count plays once; WebP's writer would loop it for ever.
    once = 1 if loop is None else loop
    for width, height, smaller in _chain(frames[0].size, widths, list(frames)):
        data = encoders.encode_animation(smaller, durations, once, output)
        made.append(EncodedImage(data, output.extension, width, height))
    return tuple(reversed(made))


def _chain(
    size: tuple[int, int], widths: Sequence[int], pictures: list[Image.Image]
) -> Iterator[tuple[int, int, list[Image.Image]]]:
    """The pictures at each width, widest first, each from the last: one width's at a time, so
    that an animation's frames are held at two sizes at most."""
    for width in sorted(widths, reverse=True):
        height = max(1, round(size[1] * width / size[0]))
        pictures = [
            picture.resize((width, height), RESAMPLE, reducing_gap=REDUCING_GAP)
            for picture in pictures
        ]
        yield width, height, pictures
