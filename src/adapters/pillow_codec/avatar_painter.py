"""Default avatars drawn with Pillow: the SVG's geometry, as WebP.

Initials need a font with their letters; the painter takes a list and uses the first that has
every one of them. FreeType gives no way to ask for a character's glyph, so a letter counts as
missing when it draws as the font's "missing" box does. Text is laid out by libraqm, as a
browser lays out the SVG's (two Arabic initials join, two Hebrew ones read right to left);
a Pillow without it draws no two initials where one is written right to left.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFont, features

from imagecore.avatars import CELL, FONTS, FOREGROUND, SIDE, Avatar

log = logging.getLogger(__name__)

_LAYOUT = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
#: A code point no font maps: what it draws is the font's "missing" box.
_UNMAPPED = "\U0010fffd"
#: Avatars kept drawn: a page of users asks for the same few widths of each.
_KEPT = 4096


class PillowAvatarPainter:
    """Draws avatars as lossless WebP (flat colours and sharp edges: smaller than lossy, and
    exact), at :data:`~imagecore.avatars.SIDE` and scaled down, as a browser scales the SVG."""

    def __init__(self, fonts: Sequence[ImageFont.FreeTypeFont] = ()) -> None:
        self._fonts = tuple(fonts)
        self.edition = _edition(self._fonts)
        self._paint = functools.lru_cache(maxsize=_KEPT)(self._draw)
        self._font_for = functools.lru_cache(maxsize=_KEPT)(self._find_font)
        self._sized = functools.lru_cache(maxsize=64)(_sized)

    @classmethod
    def with_fonts(cls, names: Sequence[str] = FONTS) -> PillowAvatarPainter:
        """A painter with those of the fonts ``names`` (files, or file names in the system's
        font folders) that are there; the others are logged and left out."""
        fonts, missing = [], []
        for name in names:
            try:
                fonts.append(ImageFont.truetype(name, SIDE, layout_engine=_LAYOUT))
            except OSError:
                missing.append(name)
        if missing:
            log.info(
                "avatar fonts not found: %s; initials no font found has are served as SVG alone",
                ", ".join(missing),
            )
        return cls(fonts)

    def can_paint(self, avatar: Avatar) -> bool:
        if not avatar.initials:
            return True
        # Without libraqm, letters are drawn left to right, unjoined.
        unordered = _LAYOUT is ImageFont.Layout.BASIC and len(avatar.initials) > 1
        if unordered and any(unicodedata.bidirectional(c) in ("R", "AL") for c in avatar.initials):
            return False
        return self._font_for(avatar.initials) is not None

    def paint(self, avatar: Avatar, width: int) -> bytes:
        return self._paint(avatar, width)

    def _draw(self, avatar: Avatar, width: int) -> bytes:
        image = Image.new("RGB", (SIDE, SIDE), avatar.background)
        draw = ImageDraw.Draw(image)
        if avatar.initials:
            font = self._font_for(avatar.initials)
            if font is None:
                raise ValueError(f"no font has the letters {avatar.initials!r}")
            draw.text(
                (SIDE / 2, avatar.baseline),
                avatar.initials,
                fill=FOREGROUND,
                font=self._sized(font, avatar.font_size),
                anchor="ms",  # centred on x, standing on the baseline: the SVG's text-anchor
            )
        for x, y in avatar.squares():
            draw.rectangle((x, y, x + CELL - 1, y + CELL - 1), fill=FOREGROUND)
        if width != SIDE:
            image = image.resize((width, width), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # More effort gives these pictures the same bytes, six times slower.
        image.save(out, "WEBP", lossless=True, quality=50, method=2)
        return out.getvalue()

    def _find_font(self, letters: str) -> ImageFont.FreeTypeFont | None:
        for font in self._fonts:
            if all(_has(font, letter) for letter in letters):
                return font
        return None


def _sized(font: ImageFont.FreeTypeFont, size: int) -> ImageFont.FreeTypeFont:
    return font.font_variant(size=size)


def _edition(fonts: Sequence[ImageFont.FreeTypeFont]) -> str:
    """What shapes the drawings besides the avatar: each font's bytes, and the versions of
    Pillow and of the libraries it draws, lays out and encodes with."""
    digest = hashlib.sha256()
    for library in ("freetype2", "raqm", "webp"):
        digest.update(f"{library} {features.version(library)}\n".encode())
    digest.update(f"Pillow {PIL.__version__} {_LAYOUT.name}\n".encode())
    for font in fonts:
        digest.update(Path(str(font.path)).read_bytes())
    return digest.hexdigest()[:8]


def _has(font: ImageFont.FreeTypeFont, letter: str) -> bool:
    return _drawn(font, letter) != _drawn(font, _UNMAPPED)


def _drawn(font: ImageFont.FreeTypeFont, text: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(text)
    return mask.size, bytes(mask)
