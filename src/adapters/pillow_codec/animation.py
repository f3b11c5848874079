"""An animation re-encoded frame by frame, as browsers show it: every frame turned and sized
alike, the default image of an APNG left out, each frame's duration kept."""

from __future__ import annotations

from PIL import ImageFile, ImageSequence

from imagecore import Box, EncodedImage, ImageLimits
from imagecore.adapters.pillow_codec import encoders
from imagecore.adapters.pillow_codec.fingerprint import fingerprint_of
from imagecore.adapters.pillow_codec.focus import suggested_focus
from imagecore.adapters.pillow_codec.orientation import UPRIGHT
from imagecore.adapters.pillow_codec.pixels import (
    QUARTER_TURNS,
    focus_within,
    resize,
    stored_box,
    stored_region,
    to_display_mode,
)
from imagecore.adapters.pillow_codec.placeholder import placeholder
from imagecore.adapters.pillow_codec.variants import animated_variants
from imagecore.model import Focus
from imagecore.rejections import ImageTooLarge


def animation(
    image: ImageFile.ImageFile,
    box: Box,
    limits: ImageLimits,
    output: encoders.Format,
    orientation: int,
    fingerprint: bool = True,
) -> EncodedImage:
    # An APNG's default image, when it is not the animation's first frame, is for viewers that
    # cannot animate: browsers never show it, and Pillow gives it as frame 0.
    skipped = 1 if image.format == "PNG" and getattr(image, "default_image", False) else 0
    count = getattr(image, "n_frames", 1) - skipped
    if count > limits.max_frames:
        raise ImageTooLarge("animation", count, limits.max_frames, "frames")
    total = count * image.width * image.height
    if total > limits.max_animation_pixels:
        raise ImageTooLarge(
            "animation", total, limits.max_animation_pixels, "pixels over all frames"
        )
    loop = image.info.get("loop")
    # Browsers turn every frame by the file's orientation, as they turn a still.
    method = UPRIGHT.get(orientation)
    region = stored_region(box, orientation, image.width, image.height)
    frames, durations = [], []
    for n, frame in enumerate(ImageSequence.Iterator(image)):
        if n < skipped:
            continue
        # WebP sets a frame's duration only once it is loaded, which convert does.
        small = resize(to_display_mode(frame), stored_box(box, orientation), region)
        durations.append(int(frame.info.get("duration") or 100))
        rgba = small.convert("RGBA")
        frames.append(rgba.transpose(method) if method is not None else rgba)
    data = encoders.encode_animation(frames, durations, loop, output)
    first = frames[0]
    upright = (image.height, image.width) if orientation in QUARTER_TURNS else image.size
    # A still of the first frame, for places that must not move (Mastodon's avatar_static).
    variant_format = encoders.VARIANT_FORMATS[box.variant_type_of(animated=False)]
    still = EncodedImage(
        encoders.encode_still(first, variant_format),
        variant_format.extension,
        first.width,
        first.height,
    )
    return EncodedImage(
        data,
        output.extension,
        first.width,
        first.height,
        placeholder(first),
        animated_variants(
            frames,
            durations,
            loop,
            box.variant_widths(first.width),
            encoders.VARIANT_FORMATS[box.variant_type_of(animated=True)],
        ),
        still,
        fingerprint_of(first) if fingerprint else None,
        focus_within(box, *upright) or Focus(*suggested_focus(first), suggested=True),
    )
