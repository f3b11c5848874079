"""The core in a plain Python script: in-memory adapters, no web framework, no settings.

Run it: python examples/plain_script.py
"""

from __future__ import annotations

import io

from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.memory_repository import MemoryRepository
from imagecore.adapters.pillow_codec import PillowCodec
from PIL import Image

from imagecore import ImageRejected, ImageSlots, Slot


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
    for slot in Slot:
        print(f"{slot.value} shows: {slots.current('ada').shown(slot)}")

    try:
        slots.upload("ada", {Slot.COVER: b"<svg onload=alert(1)>"})
    except ImageRejected as refused:
        print(f"refused: {refused.message}")

    slots.delete("ada", Slot.PROFILE)
    print(f"after delete, profile shows: {slots.current('ada').shown(Slot.PROFILE)}")
    left = [file.key for slot in Slot for file in slots.storage.list(slot.policy.folder)]
    print(f"files left: {left}")


if __name__ == "__main__":
    main()
