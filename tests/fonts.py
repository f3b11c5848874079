"""The font the tests draw avatars' initials in: Debian's fonts-dejavu-core, which `make test`
installs; without it, the tests that need it are skipped, saying so."""

from __future__ import annotations

import pytest

from imagecore.adapters.pillow_codec.avatar_painter import PillowAvatarPainter
from imagecore.avatars import Avatar

FONT = "DejaVuSans-Bold.ttf"


def painter_or_skip() -> PillowAvatarPainter:
    """A painter with :data:`FONT` alone (so no machine's other fonts change what it draws)."""
    painter = PillowAvatarPainter.with_fonts([FONT])
    if not painter.can_paint(Avatar(0, initials="A")):
        pytest.skip(f"no {FONT} in the system's font folders (Debian: fonts-dejavu-core)")
    return painter
