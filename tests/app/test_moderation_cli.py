"""The operators' moderation commands: takedown, audit, blocklist, and gc pruning the log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from imagecore import Slot
from imagecore.app.cli import main
from imagecore.app.settings import Settings
from imagecore.app.wiring import Wiring, open_wiring
from imagecore.audit import Action, Role
from imagecore.rejections import PictureBlocked

#: Each test with a data dir of its own, and no other IMAGECORE_* variable.
pytestmark = pytest.mark.usefixtures("data_dir")

PHOTO = Path(__file__).parents[1] / "fixtures" / "pdq" / "bridge-1-original.jpg"
OTHER = Path(__file__).parents[1] / "fixtures" / "pdq" / "q0122.jpg"
PDQ_LINE = "f" * 64


@pytest.fixture
def wiring(data_dir: Path) -> Iterator[Wiring]:
    """The server's wiring on the same data dir, with mallory's profile photo uploaded."""
    wiring = open_wiring(Settings(data_dir=data_dir))
    wiring.slots.upload("mallory", {Slot.PROFILE: PHOTO.read_bytes()})
    yield wiring
    wiring.close()


def test_takedown_blocks_the_picture_and_empties_the_slot(
    wiring: Wiring, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = wiring.slots.current("mallory").profile_image.key  # type: ignore[union-attr]
    assert main(["takedown", "mallory", "profile_image", "--reason", "impersonation"]) == 0
    assert f"took down {key} of user 'mallory' (its picture blocked)" in capsys.readouterr().out
    assert wiring.slots.current("mallory").profile_image is None
    assert not (data_dir / "media" / key).exists()
    with pytest.raises(PictureBlocked):
        wiring.slots.upload("mallory", {Slot.COVER: PHOTO.read_bytes()})
    wiring.slots.upload("mallory", {Slot.COVER: OTHER.read_bytes()})


def test_takedown_of_an_empty_slot_says_so(
    wiring: Wiring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["takedown", "mallory", "cover_image", "--reason", "spam"]) == 1
    assert "holds no image to take down" in capsys.readouterr().err


def test_audit_prints_the_user_s_history_oldest_first(
    wiring: Wiring, capsys: pytest.CaptureFixture[str]
) -> None:
    wiring.slots.delete("mallory", Slot.PROFILE)
    wiring.slots.upload("mallory", {Slot.PROFILE: PHOTO.read_bytes()})
    main(["takedown", "mallory", "profile_image", "--reason", "abuse"])
    capsys.readouterr()
    assert main(["audit", "mallory"]) == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    actions = [line.split()[1] for line in lines]
    assert actions == ["upload", "delete", "upload", "block", "takedown"]
    assert "by user mallory" in lines[0]
    assert "by command takedown by" in lines[4] and lines[4].endswith("abuse")
    assert "5 records for user 'mallory'" in printed.err
    history = wiring.moderation.history("mallory")
    assert history[-1].actor.role is Role.COMMAND
    assert history[-1].action is Action.TAKEDOWN and history[-1].after_key is None


def test_blocklist_export_import_and_remove(
    wiring: Wiring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["takedown", "mallory", "profile_image", "--reason", "abuse"])
    capsys.readouterr()
    assert main(["blocklist", "export"]) == 0
    exported = capsys.readouterr().out.splitlines()
    assert exported and all(len(line) == 64 for line in exported)
    shared = tmp_path / "shared.txt"
    shared.write_text(f"# a shared list\n{PDQ_LINE},100\n\n")
    assert main(["blocklist", "import", str(shared)]) == 0
    assert "1 entries added" in capsys.readouterr().out
    assert main(["blocklist", "remove", PDQ_LINE]) == 0
    assert "1 entries removed" in capsys.readouterr().out
    # Any one of a takedown's exported hashes (a crop's, here) unblocks its picture.
    assert main(["blocklist", "remove", exported[-1]]) == 0
    assert "1 entries removed" in capsys.readouterr().out
    wiring.slots.upload("mallory", {Slot.PROFILE: PHOTO.read_bytes()})
    shared.write_text("not a hash\n")
    assert main(["blocklist", "import", str(shared)]) == 1
    assert "line 1 is not a PDQ hash" in capsys.readouterr().err


def test_gc_prunes_records_older_than_the_setting(
    wiring: Wiring, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two records made 40 days ago go with IMAGECORE_AUDIT_DAYS=30; today's stays."""
    past = datetime.now(UTC) - timedelta(days=40)
    then = attrs.evolve(wiring.slots, clock=lambda: past)
    then.upload("old", {Slot.PROFILE: OTHER.read_bytes()})
    then.delete("old", Slot.PROFILE)
    monkeypatch.setenv("IMAGECORE_AUDIT_DAYS", "30")
    assert main(["gc", "--dry-run"]) == 0
    assert len(wiring.moderation.history("old")) == 2
    assert main(["gc"]) == 0
    assert "2 audit records older than 30 days removed" in capsys.readouterr().out
    assert wiring.moderation.history("old") == []
    assert len(wiring.moderation.history("mallory")) == 1
