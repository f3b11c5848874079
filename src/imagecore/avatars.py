"""Default avatars of one's own: a user without a profile image gets initials on a colour, or an
identicon, the same every time, drawn as SVG and, by an :class:`~imagecore.ports.AvatarPainter`,
as WebP at the profile's variant widths.

What an avatar shows is all in its key (``resume/defaults/generated/<kind>-<colour>-<data>.svg``,
and ``..._w<width>_<edition>.webp`` for a variant), so it is drawn from the key alone, and its
URL changes exactly when what it shows does: it may be cached as an upload is. An identicon's
pattern and every colour come from a keyed hash of the user id (HMAC-SHA256 with the
deployment's secret), so neither the key nor the picture tells the id.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import unicodedata

import attrs

from imagecore.model import DEFAULTS_FOLDER, Placeholder, StoredImage, Variant

#: Where the generated avatars' keys live (never in storage: they are drawn on request).
GENERATED_FOLDER = DEFAULTS_FOLDER + "generated/"
#: What the avatars are served as, and their variants.
AVATAR_TYPE = "image/svg+xml"
VARIANT_TYPE = "image/webp"
#: The side of the square an avatar is drawn on, in SVG user units (and its stated size).
SIDE = 256

#: Backgrounds for white text and shapes, each at a contrast of at least 4.5 to 1 with white
#: (WCAG AA for text of any size; tests/unit/test_avatars.py computes it for every one).
PALETTE: tuple[str, ...] = (
    "#b91c1c",
    "#c2410c",
    "#a16207",
    "#4d7c0f",
    "#15803d",
    "#0f766e",
    "#0e7490",
    "#1d4ed8",
    "#4338ca",
    "#6d28d9",
    "#a21caf",
    "#be185d",
    "#475569",
)
FOREGROUND = "#ffffff"
#: The fonts a painter draws initials in unless told otherwise, first to last: file names it
#: finds in the system's font folders. DejaVu has Latin, Greek, Cyrillic, Armenian, Georgian,
#: Hebrew and Arabic (Debian's fonts-dejavu-core); Noto adds Devanagari (fonts-noto-core), and
#: Chinese, Japanese and Korean (fonts-noto-cjk).
FONTS = (
    "DejaVuSans-Bold.ttf",
    "NotoSans-Bold.ttf",
    "NotoSansDevanagari-Bold.ttf",
    "NotoSansCJK-Bold.ttc",
)


class AvatarStyle(enum.Enum):
    """What an empty profile slot shows: the shipped picture, or an avatar of one's own."""

    IMAGE = "image"
    INITIALS = "initials"
    IDENTICON = "identicon"


@attrs.frozen
class Avatar:
    """One generated avatar: ``initials`` (up to two letters) on a colour, or, without them, an
    identicon: ``pattern``'s 15 bits fill the left three columns of a 5 x 5 grid, mirrored."""

    colour: int = attrs.field(validator=attrs.validators.in_(range(len(PALETTE))))
    initials: str = ""
    pattern: int = attrs.field(default=0, validator=attrs.validators.in_(range(1 << 15)))

    @property
    def key(self) -> str:
        return self.stem + ".svg"

    @property
    def stem(self) -> str:
        """What every key of this avatar's files starts with."""
        if self.initials:
            return f"{GENERATED_FOLDER}initials-{self.colour:02d}-{self.initials.encode().hex()}"
        return f"{GENERATED_FOLDER}identicon-{self.colour:02d}-{self.pattern:04x}"

    @property
    def background(self) -> str:
        return PALETTE[self.colour]

    @property
    def font_size(self) -> int:
        """The initials' font size, in SVG user units."""
        return 112 if len(self.initials) < 2 else 100

    @property
    def baseline(self) -> float:
        """Where the initials' baseline is, from the top, in SVG user units (the text is
        centred on the middle, lowered by 0.35 em as the SVG's ``dy`` does)."""
        return SIDE / 2 + 0.35 * self.font_size

    def svg(self) -> bytes:
        """The picture, as SVG."""
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIDE}" height="{SIDE}" '
            f'viewBox="0 0 {SIDE} {SIDE}">',
            f'<rect width="{SIDE}" height="{SIDE}" fill="{self.background}"/>',
        ]
        if self.initials:
            # Letters only (initials_of keeps nothing else), so no markup can come through.
            parts.append(
                f'<text x="{SIDE // 2}" y="{SIDE // 2}" dy="0.35em" text-anchor="middle" '
                f'fill="{FOREGROUND}" '
                f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" '
                f'font-size="{self.font_size}" font-weight="600">{self.initials}</text>'
            )
        else:
            for x, y in self.squares():
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{FOREGROUND}"/>'
                )
        parts.append("</svg>")
        return "".join(parts).encode()

    def squares(self) -> list[tuple[int, int]]:
        """The identicon's filled cells' top left corners, in SVG user units; each is
        :data:`CELL` wide."""
        return [(_MARGIN + column * CELL, _MARGIN + row * CELL) for row, column in self.cells()]

    def cells(self) -> list[tuple[int, int]]:
        """The filled cells of the identicon's grid, as (row, column)."""
        filled = []
        for bit in range(15):
            if self.pattern >> bit & 1:
                row, column = divmod(bit, 3)
                filled.append((row, column))
                if column < 2:
                    filled.append((row, 4 - column))
        return sorted(filled)

    def image(self, variants: tuple[Variant, ...] = ()) -> StoredImage:
        """The avatar, described as an upload is, with the ``variants`` drawn of it."""
        return StoredImage(
            key=self.key,
            media_type=AVATAR_TYPE,
            width=SIDE,
            height=SIDE,
            size=len(self.svg()),
            placeholder=Placeholder(_flat_blurhash(self.background), self.background),
            variants=variants,
        )


_KEY = re.compile(
    re.escape(GENERATED_FOLDER)
    + r"(initials|identicon)-([0-9]{2})-([0-9a-f]{2,24})"
    + r"(?:\.svg|_w([1-9][0-9]{0,3})_([0-9a-f]{8})\.webp)"
)
#: The side of an identicon's cell, in SVG user units.
CELL = 40
_MARGIN = (SIDE - 5 * CELL) // 2


@attrs.frozen
class AvatarFile:
    """One file of an avatar: its SVG, or (with a ``width``) the WebP a painter of ``edition``
    draws of it that wide. The edition is in the key because the painter's fonts and libraries
    shape the WebP: another edition, another URL, so a cached file never goes stale."""

    avatar: Avatar
    width: int | None = None
    edition: str = ""

    @property
    def key(self) -> str:
        if self.width is None:
            return self.avatar.key
        return f"{self.avatar.stem}_w{self.width}_{self.edition}.webp"

    @classmethod
    def from_key(cls, key: str) -> AvatarFile | None:
        """The file ``key`` names; None for anything else (a key must be exactly the key a file
        gives, so that one picture has one URL)."""
        match = _KEY.fullmatch(key)
        if match is None:
            return None
        kind, colour, data, width, edition = match.groups()
        if int(colour) >= len(PALETTE):
            return None
        try:
            avatar = (
                Avatar(int(colour), initials=bytes.fromhex(data).decode())
                if kind == "initials"
                else Avatar(int(colour), pattern=int(data, 16))
            )
        except (ValueError, UnicodeDecodeError):
            return None
        if avatar.initials and not _canonical(avatar.initials):
            return None
        named = cls(avatar) if width is None else cls(avatar, int(width), edition)
        return named if named.key == key else None


@attrs.frozen
class AvatarPolicy:
    """How empty profile slots get avatars of their own: the style, and the secret the
    colours and patterns are keyed with (the deployment's own, kept: another secret gives
    everyone another avatar)."""

    style: AvatarStyle
    secret: bytes = attrs.field(repr=False)

    def avatar(self, user_id: str, display_name: str | None = None) -> Avatar:
        """``user_id``'s avatar: initials from ``display_name`` where the style is initials
        and the name has letters, else an identicon."""
        digest = hmac.new(self.secret, user_id.encode(), hashlib.sha256).digest()
        colour = int.from_bytes(digest[:4], "big") % len(PALETTE)
        initials = initials_of(display_name or "") if self.style is AvatarStyle.INITIALS else ""
        if initials:
            return Avatar(colour, initials=initials)
        # Never an empty grid: the middle column's top cell is always on.
        pattern = int.from_bytes(digest[4:6], "big") & 0x7FFF | 0b100
        return Avatar(colour, pattern=pattern)


def initials_of(name: str) -> str:
    """Up to two capital letters: the first letter of the first word and of the last ("Ada
    Lovelace": "AL"; "Zoë": "Z"; "李小龍": "李"). Letters only: marks, digits, emoji and symbols
    are left out, and so is a letter that does not stand alone as one character."""
    words = [w for w in unicodedata.normalize("NFC", name).split() if _first_letter(w)]
    if not words:
        return ""
    letters = [_first_letter(words[0])]
    if len(words) > 1:
        letters.append(_first_letter(words[-1]))
    return "".join(letter.upper() if len(letter.upper()) == 1 else letter for letter in letters)


def _canonical(initials: str) -> bool:
    """Whether ``initials`` are what :func:`initials_of` gives: one or two letters, in NFC (no
    second spelling of one picture, as the Kelvin sign's of K), capitals where a letter has a
    one-character capital."""
    return (
        1 <= len(initials) <= 2
        and unicodedata.is_normalized("NFC", initials)
        and all(
            unicodedata.category(c).startswith("L")
            and c == (c.upper() if len(c.upper()) == 1 else c)
            for c in initials
        )
    )


def _first_letter(word: str) -> str:
    for character in word:
        if unicodedata.category(character).startswith("L"):
            return character
    return ""


def contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two ``#rrggbb`` colours, 1 to 21."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


_BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def _flat_blurhash(colour: str) -> str:
    """The BlurHash of a picture of one colour: one component, no detail."""
    value = int(colour[1:], 16)
    digits = "".join(_BASE83[value // 83**i % 83] for i in (3, 2, 1, 0))
    return "00" + digits
