"""Real phones' HEIC photos through a live server: every upload stored exactly as the codec
stores it in-process, byte for byte, for both slots, every time.

The server decodes each upload in a child process on a memory budget. libheif decodes a grid's
tiles on threads, and a budget that counted what those threads reserve rather than what they use
refused such photos now and then, or, when a tile's allocation failed, let libheif leave the
tile out: one upload in fifteen was stored with a green square in it. ``-s`` prints the table.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from imagecore import Slot
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.app.settings import Settings
from tests.servers import serving

pytest.importorskip("pillow_heif")

API = "/api/resume/user-images/"
PHONES = Path(__file__).parents[1] / "fixtures" / "phones"
UPLOADS = 3
FIELDS = {Slot.PROFILE: "profile_image", Slot.COVER: "cover_image"}
#: What the server logs of each decode at the debug level.
DECODED = re.compile(r"decode done after [\d.]+ s of CPU, at a peak of (\d+) MB")


def test_phone_photos_are_stored_as_in_process_every_time(tmp_path: Path) -> None:
    settings = Settings()
    in_process = PillowCodec(stills_as_webp=settings.stills_as_webp)
    boxes = {slot: policy.box for slot, policy in settings.policies.items()}
    photos = sorted(PHONES.glob("*.hei[cf]"))
    assert len(photos) >= 6
    rows = []
    with serving(tmp_path / "data", env={"IMAGECORE_LOG_LEVEL": "DEBUG"}) as server:
        auth = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.base_url, headers=auth, timeout=60) as http:
            for photo in photos:
                data = photo.read_bytes()
                for slot, field in FIELDS.items():
                    want = in_process.encode(data, boxes[slot], settings.limits).data
                    same = 0
                    for _ in range(UPLOADS):
                        sent = http.post(API, files={field: (photo.name, data)})
                        assert sent.status_code == 200, (photo.name, sent.text)
                        same += http.get(sent.json()[field]).content == want
                    peaks = [int(peak) for peak in DECODED.findall(server.log.read_text())]
                    assert len(peaks) == len(rows) * UPLOADS + UPLOADS
                    rows.append((photo.name, field, same, max(peaks[-UPLOADS:])))
    print("\nfile | slot | identical to in-process | peak of the decode")
    for name, field, same, peak in rows:
        print(f"{name} | {field} | {same} of {UPLOADS} | {peak} MB")
    assert [row for row in rows if row[2] != UPLOADS] == []
