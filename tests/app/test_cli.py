"""The imagecore command: help, tokens and configuration errors."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from imagecore import Slot, StoredImage
from imagecore.adapters.decode_slots import LockFileSlots
from imagecore.adapters.http import user_id_from_token
from imagecore.app import commands
from imagecore.app.cli import main
from imagecore.app.settings import Settings
from imagecore.app.tokens import token_policy
from imagecore.app.wiring import open_wiring
from tests import images
from tests.adapters.test_bearer_auth import pem_pair

#: Each test with a data dir of its own, and no other IMAGECORE_* variable.
pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["serve", "token", "gc", "check", "variants", "takedown", "audit", "examples:"]),
        (["serve"], ["--host", "--port", "--workers", "examples:"]),
        (["token"], ["SUBJECT", "--ttl", "examples:"]),
        (["gc"], ["--dry-run", "--min-age", "--allow-recent", "--allow-empty-database"]),
        (["check"], ["files nobody references", "examples:"]),
        (["variants"], ["IMAGECORE_VARIANT_FORMAT", "running it again", "examples:"]),
        (["takedown"], ["USER", "SLOT", "--reason", "blocklist", "examples:"]),
        (["audit"], ["USER", "IMAGECORE_AUDIT_DAYS", "examples:"]),
        (["blocklist"], ["export", "import", "remove", "ThreatExchange", "examples:"]),
    ],
)
def test_every_command_has_help_with_examples(
    argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--help works on the command and each subcommand, and shows what it takes."""
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out
    assert "--force" not in out  # gone: it meant two things


def test_token_prints_a_token_the_server_accepts(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`imagecore token alice` prints a token for alice, signed with the kept secret."""
    assert main(["token", "alice", "--ttl", "120"]) == 0
    token = capsys.readouterr().out.strip()
    assert user_id_from_token(token, token_policy(Settings(data_dir=data_dir))) == "alice"


def test_a_bad_setting_stops_with_a_message_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed variable exits with status 2 and says which variable is wrong."""
    monkeypatch.setenv("IMAGECORE_MAX_UPLOAD_BYTES", "lots")
    with pytest.raises(SystemExit) as exit_:
        main(["token", "alice"])
    assert exit_.value.code == 2
    assert "IMAGECORE_MAX_UPLOAD_BYTES must be a whole number" in capsys.readouterr().err


def test_a_token_cannot_be_made_from_a_public_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With only a public key configured, `token` explains it cannot sign."""
    monkeypatch.setenv("IMAGECORE_JWT_PUBLIC_KEY", pem_pair("ES256")[1])
    assert main(["token", "alice"]) == 2
    assert "public key" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "IMAGECORE_JWT_PUBLIC_KEY",
            "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----",
            "not a PEM public key",
        ),
        ("IMAGECORE_STORAGE_URL", "bogus://bucket/x", "cannot use storage 'bogus://bucket/x'"),
        ("IMAGECORE_DATABASE_URL", "sqlite:////proc/no/such/dir/images.db", "cannot use database"),
    ],
)
def test_an_unusable_place_stops_start_up_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    says: str,
) -> None:
    """A key, storage or database that cannot be used is a configuration error, not a crash."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--port", "1"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"imagecore: configuration error: {name}" in err
    assert says in err
    assert "Traceback" not in err


def test_a_data_dir_that_is_a_file_is_a_configuration_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """IMAGECORE_DATA_DIR pointing at a file stops start-up with a message naming it."""
    blocker = data_dir / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(blocker))
    with pytest.raises(SystemExit):
        main(["token", "x"])
    assert "IMAGECORE_DATA_DIR" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["token", "a", "--ttl", "0"], ["serve", "--workers", "x"]])
def test_bad_arguments_are_refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Non-positive or non-numeric values exit 2 with a usage message."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_several_workers_need_a_shared_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the in-memory repository, --workers above 1 is refused before anything starts."""
    monkeypatch.setenv("IMAGECORE_DATABASE_URL", "memory:")
    assert main(["serve", "--workers", "2"]) == 2
    assert "--workers above 1 needs a database all workers share" in capsys.readouterr().err


def aged(path: Path, seconds: float) -> None:
    """Makes a file look ``seconds`` old."""
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def data_with_debris(data_dir: Path) -> dict[str, Path]:
    """A data dir with one real image (64 pixels wide, so with one variant, 48 wide), an old
    orphan, a new orphan and a dangling reference."""
    slots = open_wiring(Settings(data_dir=data_dir)).slots
    kept = slots.upload("alice", {Slot.PROFILE: images.png()}).profile_image
    gone = slots.upload("bob", {Slot.COVER: images.png()}).cover_image
    assert kept is not None and gone is not None
    assert [variant.width for variant in kept.variants] == [48]
    media = data_dir / "media"
    (media / gone.key).unlink()
    old, new = media / "resume/images/profile_x_old.png", media / "resume/covers/cover_x_new.png"
    old.write_bytes(b"o" * 2048)
    new.write_bytes(b"n")
    aged(old, 7200)
    return {
        "kept": media / kept.key,
        "variant": media / kept.variants[0].key,
        "old": old,
        "new": new,
        "gone": media / gone.key,
    }


def test_check_reports_both_kinds_of_disagreement(
    data_with_debris: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """`imagecore check` lists missing files and orphans, and exits 1; it changes nothing."""
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert (
        f"missing file: {data_with_debris['gone'].relative_to(data_with_debris['kept'].parents[2])}"
        in out
    )
    assert "unreferenced file: resume/images/profile_x_old.png (2.0 KB)" in out
    assert "unreferenced file: resume/covers/cover_x_new.png (1 bytes)" in out
    assert "1 references without a file, 2 files without a reference" in out
    assert data_with_debris["old"].exists()


def test_gc_removes_old_orphans_only(
    data_with_debris: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """`imagecore gc` removes the old orphan, keeps the image and the young orphan."""
    assert main(["gc", "--dry-run"]) == 0
    assert "4 files seen, 3 kept, 1 would remove (2.0 KB to free)" in capsys.readouterr().out
    assert data_with_debris["old"].exists()
    assert main(["gc"]) == 0
    assert "4 files seen, 3 kept, 1 removed (2.0 KB freed)" in capsys.readouterr().out
    assert not data_with_debris["old"].exists()
    assert data_with_debris["kept"].exists() and data_with_debris["new"].exists()
    assert main(["gc", "--min-age", "0", "--allow-recent"]) == 0
    assert not data_with_debris["new"].exists()
    # Young no longer protects it: the variant stays because the image references it.
    assert data_with_debris["kept"].exists() and data_with_debris["variant"].exists()


def test_check_exits_0_when_consistent(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With every reference stored and every file referenced, check succeeds."""
    open_wiring(Settings(data_dir=data_dir)).slots.upload("a", {Slot.COVER: images.png()})
    assert main(["check"]) == 0
    assert "0 references without a file, 0 files without a reference" in capsys.readouterr().out


def test_a_long_sweep_shows_its_progress(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Past a hundred files, gc reports its progress on standard error."""
    open_wiring(Settings(data_dir=data_dir)).slots.upload("u", {Slot.COVER: images.png()})
    folder = data_dir / "media" / "resume" / "images"
    folder.mkdir(parents=True)
    for n in range(150):
        (folder / f"profile_x_{n}.png").write_bytes(b"x")
    assert main(["gc", "--min-age", "0", "--allow-recent"]) == 0
    captured = capsys.readouterr()
    assert "sweeping: 151/151 (100%)" in captured.err
    assert "151 files seen, 1 kept, 150 removed" in captured.out


def test_gc_will_not_remove_uploads_in_flight_without_being_told(
    data_with_debris: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A --min-age under a minute needs --allow-recent: younger files may be uploads in flight;
    --allow-empty-database, which answers another question, does not stand in for it."""
    assert main(["gc", "--min-age", "5"]) == 2
    assert "add --allow-recent" in capsys.readouterr().err
    assert main(["gc", "--min-age", "5", "--allow-empty-database"]) == 2
    assert data_with_debris["new"].exists()


def test_gc_on_a_database_that_references_nothing_refuses(
    data_with_debris: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Pointed at an empty database, gc will not remove every image, even told --allow-recent;
    --allow-empty-database would."""
    empty = tmp_path / "other.db"
    open_wiring(Settings(data_dir=tmp_path, database_url=f"sqlite:///{empty}")).close()
    monkeypatch.setenv("IMAGECORE_DATABASE_URL", f"sqlite:///{empty}")
    assert main(["gc"]) == 2
    assert "references no image, yet 4 image files are stored" in capsys.readouterr().err
    assert main(["gc", "--min-age", "0", "--allow-recent"]) == 2
    assert "add --allow-empty-database" in capsys.readouterr().err
    assert data_with_debris["kept"].exists() and data_with_debris["old"].exists()
    assert main(["gc", "--allow-empty-database"]) == 0
    assert not data_with_debris["old"].exists()
    # Younger than --min-age, so kept still, referenced or not.
    assert data_with_debris["kept"].exists() and data_with_debris["new"].exists()


@pytest.mark.parametrize("command", ["gc", "check", "variants"])
def test_gc_and_check_create_nothing(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On a wrong data dir, gc and check say there is no database, and create none."""
    wrong = tmp_path / "typo"
    monkeypatch.setenv("IMAGECORE_DATA_DIR", str(wrong))
    with pytest.raises(SystemExit) as exit_:
        main([command])
    assert exit_.value.code == 2
    assert "there is no database at" in capsys.readouterr().err
    assert not wrong.exists() or not any(wrong.rglob("*"))


def test_gc_and_check_refuse_a_memory_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """memory: is inside the server: gc and check say so rather than see an empty database."""
    monkeypatch.setenv("IMAGECORE_DATABASE_URL", "memory:")
    for command in ("gc", "variants"):
        with pytest.raises(SystemExit):
            main([command])
        assert "lives inside the server process only" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["gc", "check"])
def test_gc_and_check_create_no_postgresql_tables(
    command: str,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Pointed at a PostgreSQL database without imagecore's tables, gc and check say so and
    leave the database as it was."""
    import psycopg

    monkeypatch.setenv("IMAGECORE_DATABASE_URL", postgres_url)
    with pytest.raises(SystemExit) as exit_:
        main([command])
    assert exit_.value.code == 2
    assert "imagecore: configuration error: IMAGECORE_DATABASE_URL" in capsys.readouterr().err
    with psycopg.connect(postgres_url) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    assert tables == []


def test_a_pixel_limit_above_the_codec_s_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """IMAGECORE_MAX_PIXELS above what the codec decodes stops serve with a sentence naming the
    variable, not a traceback."""
    monkeypatch.setenv("IMAGECORE_MAX_PIXELS", "100000000")
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--port", "1"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "imagecore: configuration error: IMAGECORE_MAX_PIXELS must be at most" in err
    assert "Traceback" not in err


#: Runs the command (its arguments after the first) as if a package (the first) were not
#: installed.
WITHOUT = """
import sys
from importlib.abc import MetaPathFinder

missing = sys.argv.pop(1)

class Uninstalled(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == missing or name.startswith(missing + "."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Uninstalled())
from imagecore.app.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("missing", "extra", "command"),
    [
        ("litestar", "server", ["serve"]),
        ("litestar", "server", ["token", "alice"]),
        ("simplejpeg", "codec", ["serve"]),
        ("PIL", "codec", ["variants"]),
    ],
)
def test_a_missing_extra_is_one_line_saying_what_to_install(
    missing: str, extra: str, command: list[str], data_dir: Path
) -> None:
    """Without a package the command imports, it says which extra to install, in one line
    (simplejpeg's absence was a traceback)."""
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT, missing, *command],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "IMAGECORE_DATA_DIR": str(data_dir)},
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"imagecore: `imagecore {command[0]}` needs the {extra!r} extra, which is not installed "
        f"(no module {missing!r}): pip install 'imagecore[{extra}]'"
    ]


@pytest.mark.parametrize(
    ("proxies", "expected"),
    [
        ((), "none trusted (IMAGECORE_TRUSTED_PROXIES is unset)"),
        ((ipaddress.ip_network("10.0.0.0/8"),), "X-Forwarded-For believed from 10.0.0.0/8"),
    ],
)
def test_the_banner_says_whether_a_proxy_is_trusted(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    proxies: tuple[ipaddress.IPv4Network, ...],
    expected: str,
) -> None:
    """Without IMAGECORE_TRUSTED_PROXIES the banner warns that behind a proxy every request
    counts against one address; with it, it names the trusted proxies."""
    settings = Settings(data_dir=tmp_path, jwt_secret="s" * 40, trusted_proxies=proxies)
    commands._banner(settings, "http://127.0.0.1:8000", token_policy(settings), 1)
    [line] = [line for line in capsys.readouterr().out.splitlines() if "proxies:" in line]
    assert expected in line
    assert ("one address" in line) == (not proxies)


def variant_files(data_dir: Path, image: StoredImage) -> list[tuple[str, tuple[int, int], str]]:
    """Each variant as stored: its extension, and its size and type as decoded from its file."""
    found = []
    for variant in image.variants:
        decoded = images.decode((data_dir / "media" / variant.key).read_bytes())
        assert decoded.size == (variant.width, variant.height)
        assert decoded.get_format_mimetype() == variant.media_type
        found.append((variant.key.rpartition(".")[2], decoded.size, variant.media_type))
    return found


def test_variants_rebuilds_every_image_after_a_settings_change(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """New widths and a new format: every image gets its new variants under new names, keeps its
    description, and the old files are gone; a second run finds nothing to do."""
    slots = open_wiring(Settings(data_dir=data_dir)).slots
    before = slots.upload(
        "alice",
        {Slot.PROFILE: images.jpeg((600, 600)), Slot.COVER: images.jpeg((1400, 700))},
        {Slot.PROFILE: "Alice, smiling"},
    )
    slots.upload("bob", {Slot.PROFILE: images.png((300, 300))})
    old_files = {
        key for image in (before.profile_image, before.cover_image) if image for key in image.keys
    }
    monkeypatch.setenv("IMAGECORE_PROFILE_VARIANTS", "64,128")
    monkeypatch.setenv("IMAGECORE_COVER_VARIANTS", "800")
    monkeypatch.setenv("IMAGECORE_VARIANT_FORMAT", "jpeg")
    assert main(["variants"]) == 0
    captured = capsys.readouterr()
    assert "2 users, 3 images: 3 rebuilt, 0 already current, 0 users failed" in captured.out
    assert "rebuilding: 2/2 (100%)" in captured.err

    after = open_wiring(Settings.from_env(), existing=True).slots.current("alice")
    assert after.profile_image is not None and after.cover_image is not None
    assert after.profile_image.key == before.profile_image.key  # type: ignore[union-attr]
    assert after.profile_image.alt == "Alice, smiling"
    assert variant_files(data_dir, after.profile_image) == [
        ("jpg", (64, 64), "image/jpeg"),
        ("jpg", (128, 128), "image/jpeg"),
    ]
    assert variant_files(data_dir, after.cover_image) == [("jpg", (800, 400), "image/jpeg")]
    stored = {str(p.relative_to(data_dir / "media")) for p in (data_dir / "media").rglob("*.*")}
    assert stored.isdisjoint(old_files - {after.profile_image.key, after.cover_image.key})
    assert main(["check"]) == 0
    capsys.readouterr()

    assert main(["variants"]) == 0
    assert "3 images: 0 rebuilt, 3 already current" in capsys.readouterr().out


def test_variants_reports_an_image_it_cannot_rebuild_and_goes_on(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user whose file is missing is named, keeps what it had, and the others are rebuilt;
    the command exits 1."""
    slots = open_wiring(Settings(data_dir=data_dir)).slots
    lost = slots.upload("lost", {Slot.PROFILE: images.png((300, 300))}).profile_image
    slots.upload("fine", {Slot.PROFILE: images.png((300, 300))})
    assert lost is not None
    (data_dir / "media" / lost.key).unlink()
    monkeypatch.setenv("IMAGECORE_VARIANT_FORMAT", "jpeg")
    assert main(["variants"]) == 1
    out = capsys.readouterr().out
    assert "could not rebuild user 'lost': " in out and lost.key in out
    assert "2 users, 1 images: 1 rebuilt, 0 already current, 1 users failed" in out
    fine = open_wiring(Settings.from_env(), existing=True).slots.current("fine").profile_image
    assert fine is not None and all(v.media_type == "image/jpeg" for v in fine.variants)
    kept = open_wiring(Settings.from_env(), existing=True).slots.current("lost").profile_image
    assert kept == lost


def test_variants_are_made_of_the_stored_picture_whatever_the_box_is_now(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cover box changed to an 800 x 800 square in fill mode since a 1600 x 800 cover was
    stored: its new variants are of the stored picture, 2:1, not of a square crop of it."""
    slots = open_wiring(Settings(data_dir=data_dir)).slots
    slots.upload("ann", {Slot.COVER: images.jpeg((1600, 800))})
    monkeypatch.setenv("IMAGECORE_COVER_SIZE", "800x800")
    monkeypatch.setenv("IMAGECORE_COVER_MODE", "fill")
    monkeypatch.setenv("IMAGECORE_VARIANT_FORMAT", "jpeg")
    assert main(["variants"]) == 0
    assert "1 rebuilt" in capsys.readouterr().out
    cover = open_wiring(Settings.from_env(), existing=True).slots.current("ann").cover_image
    assert cover is not None and (cover.width, cover.height) == (1600, 800)
    assert variant_files(data_dir, cover) == [
        ("jpg", (640, 320), "image/jpeg"),
        ("jpg", (1280, 640), "image/jpeg"),
    ]
    assert main(["variants"]) == 0
    assert "0 rebuilt, 1 already current" in capsys.readouterr().out


def test_variants_decodes_only_in_the_server_s_decode_slots(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With every decode slot held (as a busy server holds them, through the same lock files),
    `imagecore variants` waits, says so, and decodes nothing until one is free."""
    settings = Settings(data_dir=data_dir)
    open_wiring(settings).slots.upload("alice", {Slot.PROFILE: images.jpeg((600, 600))})
    monkeypatch.setenv("IMAGECORE_PROFILE_VARIANTS", "64")
    media = data_dir / "media"
    slots = LockFileSlots(data_dir.resolve() / "locks", settings.max_concurrent_decodes)
    held = [slots.try_take() for _ in range(settings.max_concurrent_decodes)]
    files_when_freed: set[Path] = set()

    def free_later() -> None:
        time.sleep(1)
        files_when_freed.update(media.rglob("*.*"))
        for release in held:
            assert release is not None
            release()

    before = set(media.rglob("*.*"))
    releaser = threading.Thread(target=free_later)
    releaser.start()
    assert main(["variants"]) == 0
    releaser.join()
    assert "waiting for a free decode slot" in capsys.readouterr().err
    assert files_when_freed == before  # nothing written while the slots were held
    assert set(media.rglob("*.*")) != before


def test_token_needs_no_codec(tmp_path: Path) -> None:
    """`imagecore token` with Pillow unimportable (a host that installed the server alone, say):
    the token is printed, where reading the settings imported the codec and failed."""
    code = (
        "import sys; sys.modules['PIL'] = None\n"
        "from imagecore.app.cli import main\n"
        "raise SystemExit(main(['token', 'alice']))"
    )
    env = {**os.environ, "IMAGECORE_DATA_DIR": str(tmp_path), "IMAGECORE_JWT_SECRET": "s" * 40}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    policy = token_policy(Settings(data_dir=tmp_path, jwt_secret="s" * 40))
    assert user_id_from_token(done.stdout.strip(), policy) == "alice"


@pytest.mark.parametrize(
    ("secret", "host", "shown"),
    [
        (None, "127.0.0.1", True),  # make run: a secret made for this data dir, this machine only
        (None, "::1", True),
        (None, "0.0.0.0", False),  # every address: a token in the log is a credential
        ("s" * 40, "127.0.0.1", False),  # a configured secret signs real users' tokens
    ],
)
def test_the_banner_shows_a_token_only_where_it_is_no_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], secret: str | None, host: str, shown: bool
) -> None:
    settings = Settings(data_dir=tmp_path, jwt_secret=secret)
    demo = commands._serves_only_this_machine(host)
    commands._banner(settings, "http://127.0.0.1:8000", token_policy(settings), 1, demo=demo)
    out = capsys.readouterr().out
    assert ("export TOKEN=" in out) == shown
    assert ("#token=" in out) == shown
    assert "imagecore token USER" in out
