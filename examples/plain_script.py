"""The core in a plain Python script: in-memory adapters, no web framework, no settings.

It needs the core with the image codec and the file storage, not the server:
pip install 'imagecore[codec,storage]', then python examples/plain_script.py
"""

from __future__ import annotations

import io

from PIL import Image

from imagecore import ImageRejected, ImageSlots, Slot
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec


def picture(color: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def main() -> None:
    slots = ImageSlots(
        storage=FsspecStorage.from_url("memory://images"),  # a store of its own, in memory
        repository=MemoryRepository(),
        codec=PillowCodec(),
    )

    images = slots.upload("ada", {Slot.PROFILE: picture("teal", (1600, 1200))})
    profile = images.profile_image
    assert profile is not None
    print(f"profile: {profile.key} {profile.width}x{profile.height} {profile.media_type}")

    slots.upload("ada", {Slot.COVER: picture("navy", (3000, 1000))})
    for slot, shown in slots.shown(slots.current("ada")).items():
        print(f"{slot.value} shows: {shown}")

    try:
        slots.upload("ada", {Slot.COVER: b"<svg onload=alert(1)>"})
    except ImageRejected as refused:
        print(f"refused: {refused}")

    slots.delete("ada", Slot.PROFILE)
    shown = slots.shown(slots.current("ada"))[Slot.PROFILE]
    print(f"after delete, profile shows: {shown}")
    print(f"the default image is {slots.media(shown.key).stream.size} bytes of PNG")
    left = [
        file.key for policy in slots.policies.values() for file in slots.storage.list(policy.folder)
    ]
    print(f"files left: {left}")


if __name__ == "__main__":
    main()
