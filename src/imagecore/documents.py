"""A stored image as a JSON document: how a repository keeps one in a column of its own.

The SQL repositories keep one such document per slot (NULL for an empty one), and a host's own
repository can do the same. A document is ``attrs.asdict`` of the :class:`StoredImage`: every
field under its own name, ``placeholder`` an object or null, ``variants`` a list of objects,
``still`` an object or null, ``fingerprint`` an object (``exact``, ``pdq``, ``quality``,
``crops``) or null for an image stored before fingerprints were taken, ``focus`` an object
(``x``, ``y``, ``suggested``) or null. For example::

    {"key": "resume/images/profile_7_3f2a.jpg", "media_type": "image/jpeg", "width": 800,
     "height": 600, "size": 48213, "alt": "Me", "placeholder": {"blurhash": "LEHV6n...",
     "color": "#a06040"}, "variants": [{"key": "resume/images/profile_7_3f2a_w48.webp",
     "media_type": "image/webp", "width": 48, "height": 36, "size": 900}], "still": null}

Reading leaves alone keys it does not know (a later release may add some), so that going back
a release keeps working; a field missing from an older document takes its default.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import attrs

from imagecore.model import Fingerprint, Focus, Placeholder, StoredImage, Variant


def image_to_json(image: StoredImage | None) -> str | None:
    """The JSON document for ``image``; ``None`` (NULL) for an empty slot."""
    return None if image is None else json.dumps(attrs.asdict(image), separators=(",", ":"))


def image_from_json(value: str | Mapping[str, Any] | None) -> StoredImage | None:
    """The image a document holds: JSON text, or the document a driver already decoded."""
    if value is None:
        return None
    if isinstance(value, str):
        return _image_from_text(value)
    return image_from_document(value)


def image_from_document(document: Mapping[str, Any]) -> StoredImage:
    """The image a decoded document holds."""
    fields = dict(document)
    placeholder = fields.pop("placeholder", None)
    variants = fields.pop("variants", None) or ()
    still = fields.pop("still", None)
    fingerprint = fields.pop("fingerprint", None)
    focus = fields.pop("focus", None)
    kept = {name: value for name, value in fields.items() if name in _IMAGE_FIELDS}
    return StoredImage(
        **kept,
        placeholder=Placeholder(**placeholder) if placeholder else None,
        variants=tuple(_variant(variant) for variant in variants),
        still=_variant(still) if still else None,
        fingerprint=_fingerprint(fingerprint) if fingerprint else None,
        focus=Focus(focus["x"], focus["y"], bool(focus.get("suggested"))) if focus else None,
    )


#: Images are values and their documents never change: a read of the same document (a user's
#: images, asked for again and again) is answered without parsing it and validating every field.
@functools.lru_cache(maxsize=1024)
def _image_from_text(text: str) -> StoredImage:
    return image_from_document(json.loads(text))


def _variant(fields: Mapping[str, Any]) -> Variant:
    return Variant(**{name: value for name, value in fields.items() if name in _VARIANT_FIELDS})


def _fingerprint(fields: Mapping[str, Any]) -> Fingerprint:
    return Fingerprint(
        **{name: value for name, value in fields.items() if name in _FINGERPRINT_FIELDS}
    )


_FINGERPRINT_FIELDS = frozenset(field.name for field in attrs.fields(Fingerprint))
_IMAGE_FIELDS = frozenset(field.name for field in attrs.fields(StoredImage))
_VARIANT_FIELDS = frozenset(field.name for field in attrs.fields(Variant))
