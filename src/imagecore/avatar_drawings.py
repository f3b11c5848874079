"""Default avatars as the service shows and serves them: the SVG, always, and the WebPs a
painter draws at the profile's variant widths, where it can draw the avatar."""

from __future__ import annotations

import attrs

from imagecore.avatars import AVATAR_TYPE, VARIANT_TYPE, Avatar, AvatarFile
from imagecore.errors import MediaNotFound
from imagecore.model import MediaFile, StoredImage, StoredStream, Variant
from imagecore.ports import AvatarPainter


@attrs.frozen
class AvatarDrawings:
    """What an avatar is drawn as: SVG, and WebP by ``painter`` (None: SVG alone) at each of
    ``widths``."""

    painter: AvatarPainter | None
    widths: tuple[int, ...]

    def image(self, avatar: Avatar) -> StoredImage:
        """``avatar`` described as an upload is, with its WebPs as its variants."""
        painter = self.painter
        return avatar.image(
            tuple(
                Variant(
                    AvatarFile(avatar, w, painter.edition).key,
                    VARIANT_TYPE,
                    w,
                    w,
                    len(painter.paint(avatar, w)),
                )
                for w in self._widths(avatar)
                if painter is not None
            )
        )

    def file(self, drawn: AvatarFile) -> MediaFile:
        """The file ``drawn`` names, drawn from its key, which changes whenever the picture
        does: never stale. :class:`MediaNotFound` for a width or edition not drawn here."""
        if drawn.width is None:
            data, media_type = drawn.avatar.svg(), AVATAR_TYPE
        elif (
            self.painter is None
            or drawn.edition != self.painter.edition
            or drawn.width not in self._widths(drawn.avatar)
        ):
            raise MediaNotFound(drawn.key)
        else:
            data, media_type = self.painter.paint(drawn.avatar, drawn.width), VARIANT_TYPE
        return MediaFile(drawn.key, media_type, True, StoredStream(len(data), (data,)))

    def _widths(self, avatar: Avatar) -> tuple[int, ...]:
        """The widths ``avatar`` is drawn at as WebP: none where the painter cannot draw it."""
        if self.painter is None or not self.painter.can_paint(avatar):
            return ()
        return self.widths
