"""`imagecore variants` stopped with Ctrl-C partway: it finishes the user at hand, so every image
still serves and nothing is left behind, and a second run finishes the work."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from imagecore import Slot
from imagecore.app.settings import Settings
from imagecore.app.wiring import open_wiring
from tests import images
from tests.servers import IMAGECORE

USERS = 60


def run_variants(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IMAGECORE), "variants"], env=env, capture_output=True, text=True, check=False
    )


def test_an_interrupted_rebuild_loses_nothing_and_a_second_run_finishes(tmp_path: Path) -> None:
    wiring = open_wiring(Settings(data_dir=tmp_path))
    picture = images.jpeg((400, 400))
    for n in range(USERS):
        wiring.slots.upload(f"user{n}", {Slot.PROFILE: picture})
    wiring.close()
    env = {
        "IMAGECORE_DATA_DIR": str(tmp_path),
        "IMAGECORE_VARIANT_FORMAT": "jpeg",
        "PATH": "/usr/bin:/bin",
    }

    with subprocess.Popen(
        [str(IMAGECORE), "variants"], env=env, stderr=subprocess.PIPE, text=True
    ) as rebuild:
        assert rebuild.stderr is not None
        first = rebuild.stderr.readline()  # the first user done
        assert first.startswith("rebuilding: 1/60"), first
        rebuild.send_signal(signal.SIGINT)
        rest = rebuild.stderr.read()
        assert rebuild.wait(timeout=30) == 130, rest
    assert "stopping after this user" in rest
    assert "run `imagecore variants` again to finish" in rest

    check = subprocess.run(
        [str(IMAGECORE), "check"], env=env, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout  # no stray file, no reference without one
    wiring = open_wiring(Settings(data_dir=tmp_path), existing=True)
    kinds = set()
    for n in range(USERS):
        image = wiring.slots.current(f"user{n}").profile_image
        assert image is not None
        kinds.add(image.variants[0].media_type)
        for key in image.keys:
            assert wiring.slots.media(key).read()  # every image and variant still serves
    wiring.close()
    assert kinds == {"image/jpeg", "image/webp"}, "stopped partway: some rebuilt, some not"

    again = run_variants(env)
    assert again.returncode == 0, again.stderr
    summary = again.stdout.strip().splitlines()[-1]
    done_before = int(summary.split(" rebuilt, ")[1].split()[0])
    assert 0 < done_before < USERS, summary
    assert summary.startswith(f"{USERS} users, {USERS} images: {USERS - done_before} rebuilt")
    assert "0 rebuilt" in run_variants(env).stdout
