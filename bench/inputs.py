"""The benchmark's inputs, generated so that no download is needed and every run sees the same."""

from __future__ import annotations

import io

import attrs
from PIL import Image, ImageFilter

from imagecore import Slot


@attrs.frozen
class Case:
    name: str
    data: bytes = attrs.field(repr=False)
    slot: Slot


def photo_like(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Smooth shapes, gradients and fine grain: compresses and decodes like a camera photo."""
    width, height = size
    small = (max(1, width // 8), max(1, height // 8))
    red = Image.effect_mandelbrot(small, (-2.0 + seed * 0.1, -1.2, 0.8, 1.2), 60)
    green = Image.linear_gradient("L").resize(small).rotate(30 + seed, expand=False)
    blue = Image.radial_gradient("L").resize(small)
    base = Image.merge("RGB", (red, green, blue)).resize(size, Image.Resampling.BICUBIC)
    base = base.filter(ImageFilter.GaussianBlur(2))
    grain = Image.effect_noise(size, 24).convert("RGB")
    return Image.blend(base, grain, 0.12)


def phone_like(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A photo as a phone writes it: the shapes of :func:`photo_like` under sensor grain in every
    channel, which is what makes a 12 MP phone JPEG 4 to 5 MB rather than 2."""
    grain = Image.merge("RGB", [Image.effect_noise(size, 40 + 5 * n) for n in range(3)])
    return Image.blend(photo_like(size, seed), grain, 0.22)


def encode(image: Image.Image, format_name: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format_name, **options)
    return out.getvalue()


def rotated_phone_photo() -> bytes:
    # Stored sideways, as phones do, with orientation 6 telling viewers to turn it clockwise.
    picture = photo_like((4000, 3000), seed=2).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(picture, "JPEG", quality=90, exif=exif)


def animated_gif() -> bytes:
    frames = [photo_like((480, 360), seed=n).quantize(64) for n in range(12)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)


def heic(image: Image.Image, quality: int) -> bytes:
    import pillow_heif

    out = io.BytesIO()
    pillow_heif.from_pillow(image).save(out, quality=quality)
    return out.getvalue()


def phone_jpegs(twelve: Image.Image) -> list[Case]:
    found = []
    for megapixels, size in ((12, None), (24, (6000, 4000)), (48, (8000, 6000))):
        picture = twelve if size is None else phone_like(size, seed=megapixels // 12)
        data = encode(picture, "JPEG", quality=92)
        for slot in (Slot.PROFILE, Slot.COVER):
            found.append(
                Case(f"{megapixels} MP phone-like JPEG -> {slot.name.lower()}", data, slot)
            )
    return found


def cases() -> list[Case]:
    photo = encode(photo_like((4000, 3000)), "JPEG", quality=90)
    phone = phone_like((4000, 3000), seed=4)
    return [
        Case("12 MP JPEG -> profile", photo, Slot.PROFILE),
        Case("12 MP JPEG -> cover", photo, Slot.COVER),
        Case("2000x1500 PNG -> profile", encode(photo_like((2000, 1500), 1), "PNG"), Slot.PROFILE),
        Case(
            "3000x1000 JPEG banner -> cover",
            encode(photo_like((3000, 1000), 3), "JPEG", quality=90),
            Slot.COVER,
        ),
        Case("12 MP EXIF-rotated JPEG -> profile", rotated_phone_photo(), Slot.PROFILE),
        Case("12-frame 480x360 GIF -> profile", animated_gif(), Slot.PROFILE),
        # As phones write them: grain and all, at 12, 24 and 48 MP, quality 92.
        *phone_jpegs(phone),
        Case("12 MP phone-like HEIC -> profile", heic(phone, 50), Slot.PROFILE),
        Case("12 MP phone-like AVIF -> profile", encode(phone, "AVIF", quality=70), Slot.PROFILE),
    ]
