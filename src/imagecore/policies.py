"""What a slot takes: the box its images are brought to, the crop of one upload, where its files
go and what it shows when empty, and the limits every upload is held to before it is decoded.

Frozen attrs values, as in :mod:`imagecore.model`; a deployment builds its own from settings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from imagecore.model import DEFAULT_IMAGES, DEFAULTS_FOLDER, Focus, Slot

#: The media types variants may be written as, and whether each can animate.
VARIANT_TYPES: Mapping[str, bool] = MappingProxyType(
    {"image/webp": True, "image/avif": True, "image/jpeg": False}
)


def _ascending(widths: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(widths)))


@attrs.frozen
class Crop:
    """A region of the upright picture (as a person sees it, its orientation applied), in whole
    pixels from its top left corner."""

    x: int
    y: int
    width: int
    height: int

    def fits(self, width: int, height: int) -> bool:
        """Whether the region lies within a ``width`` x ``height`` picture."""
        return self.x + self.width <= width and self.y + self.height <= height


@attrs.frozen
class Box:
    """The size a slot's images are brought to; they are never scaled up.

    ``fit`` (``fill=False``) scales down to fit inside the box, keeping the aspect ratio. ``fill``
    crops around the centre to the box's aspect ratio, then scales down to exactly the box.
    """

    width: int = attrs.field(validator=attrs.validators.gt(0))
    height: int = attrs.field(validator=attrs.validators.gt(0))
    fill: bool = False
    #: The widths of the smaller versions to make besides the image (none wider than it).
    variants: tuple[int, ...] = attrs.field(default=(), converter=_ascending)
    #: What the variants, and an animation's still, are written as.
    variant_type: str = attrs.field(
        default="image/webp", validator=attrs.validators.in_(VARIANT_TYPES)
    )
    #: The part of the picture to bring to the box, in place of the whole (one upload's framing,
    #: never a slot's policy): fit fits it, fill crops its centre to the box's shape.
    crop: Crop | None = None
    #: The point of the upright picture to keep in view (one upload's, as crop is): fill crops
    #: around it rather than around the centre.
    focus: Focus | None = None

    def variant_type_of(self, *, animated: bool) -> str:
        """The media type of an image's variants: an animation's stay animated, as WebP where
        ``variant_type`` cannot animate."""
        if animated and not VARIANT_TYPES[self.variant_type]:
            return "image/webp"
        return self.variant_type

    def variant_widths(self, width: int) -> tuple[int, ...]:
        """The variant widths for an image ``width`` pixels wide: those narrower than it."""
        return tuple(w for w in self.variants if w < width)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}{' fill' if self.fill else ''}"

    def region(self, width: int, height: int) -> tuple[int, int, int, int]:
        """The part of an upright ``width`` x ``height`` picture to use: (left, top, right,
        bottom), the crop or the whole."""
        if self.crop is None:
            return (0, 0, width, height)
        crop = self.crop
        return (crop.x, crop.y, crop.x + crop.width, crop.y + crop.height)


@attrs.frozen
class SlotPolicy:
    """Everything about one slot: where its files go, their size, and what it shows when empty."""

    folder: str
    #: The start of every stored name, as in ``profile_<user>_<unique>.jpg``.
    prefix: str
    box: Box
    #: Key of the image shown when the slot is empty (one of the core's defaults), or ``None``.
    fallback: str | None = None


#: The slots as the API guide lays them out; a deployment may change the boxes.
DEFAULT_POLICIES: Mapping[Slot, SlotPolicy] = MappingProxyType(
    {
        Slot.PROFILE: SlotPolicy(
            folder="resume/images/",
            prefix="profile",
            # Avatars in lists (48), on profile cards (96), and both again on 2x screens.
            box=Box(800, 800, variants=(48, 96, 192, 384)),
            fallback=DEFAULTS_FOLDER + "profile.png",
        ),
        # A phone (about 400 CSS pixels at 1.5 to 3x), a laptop, a desktop: the full 2400 is
        # the image itself.
        Slot.COVER: SlotPolicy(
            folder="resume/covers/", prefix="cover", box=Box(2400, 1200, variants=(640, 1280, 1920))
        ),
    }
)


def check_policies(policies: Mapping[Slot, SlotPolicy]) -> None:
    """Every slot has a policy, and every fallback is a default image the core ships."""
    if set(policies) != set(Slot):
        raise ValueError(f"policies must name every slot, got {sorted(s.value for s in policies)}")
    for slot, policy in policies.items():
        if policy.fallback is not None and policy.fallback not in DEFAULT_IMAGES:
            raise ValueError(
                f"the {slot.value} fallback {policy.fallback!r} is not one of the default images "
                f"in {DEFAULTS_FOLDER}"
            )


@attrs.frozen
class ImageLimits:
    """How much one upload may be and cost to decode; every limit is checked before decoding."""

    #: Most bytes in one uploaded file (the HTTP API holds a whole request body to it): a
    #: phone's 48 MP JPEG is 15 to 20 MB.
    max_bytes: int = attrs.field(default=24 * 1024 * 1024, validator=attrs.validators.gt(0))
    #: Most pixels a still image is decoded at, as its header and the box tell before decoding:
    #: a JPEG decodes at 1/2, 1/4 or 1/8 scale where the box allows, every other format whole.
    #: This bounds memory and resampling.
    max_pixels: int = attrs.field(default=40_000_000, validator=attrs.validators.gt(0))
    #: Largest still image, as its header declares it, whatever scale it decodes at: the
    #: decoder still walks every block (a phone's 48 and 64 MP photos pass).
    max_declared_pixels: int = attrs.field(default=80_000_000, validator=attrs.validators.gt(0))
    #: Memory and time are bounded by the pixels decoded over all frames (below); this only
    #: bounds the work per frame that pixels do not count, so real 300- to 400-frame GIFs pass.
    max_frames: int = attrs.field(default=1000, validator=attrs.validators.gt(0))
    #: Pixels decoded over all frames of an animation.
    max_animation_pixels: int = attrs.field(default=100_000_000, validator=attrs.validators.gt(0))
    #: Scans of a progressive JPEG: each walks every block of the image again, so a small file
    #: of thousands of tiny scans costs minutes of CPU. Encoders write about 10.
    max_scans: int = attrs.field(default=64, validator=attrs.validators.gt(0))
