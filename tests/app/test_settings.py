"""Settings come from IMAGECORE_* variables; a bad one stops start-up naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from imagecore import DEFAULT_POLICIES, ImageLimits, Slot
from imagecore.adapters.pillow_codec import MAX_PIXELS_SUPPORTED
from imagecore.app.settings import Settings, SettingsError


def test_defaults_need_no_variable_at_all() -> None:
    """With an empty environment: ./var, its media folder, /media/, 24 MB, 40 MP."""
    settings = Settings.from_env({})
    assert settings.data_dir == Path("var")
    assert settings.media_storage_url == (Path("var").resolve() / "media").as_uri()
    assert settings.media_url is None  # the HTTP adapter's own media path
    assert settings.limits == ImageLimits()
    assert settings.max_upload_bytes == 24 * 1024 * 1024
    assert settings.max_pixels == 40_000_000
    assert settings.jwt_secret is None and settings.jwt_public_key is None
    assert settings.database == "sqlite:///" + str(Path("var").resolve() / "imagecore.db")


def test_every_variable_is_read() -> None:
    """Each documented variable sets its field."""
    settings = Settings.from_env(
        {
            "IMAGECORE_DATA_DIR": "/srv/images",
            "IMAGECORE_STORAGE_URL": "file:///srv/images/media",
            "IMAGECORE_DATABASE_URL": "sqlite:////srv/images/db.sqlite",
            "IMAGECORE_MEDIA_URL": "https://cdn.example.com/m",
            "IMAGECORE_JWT_SECRET": "k" * 32,
            "IMAGECORE_JWT_ISSUER": "https://auth.example.com",
            "IMAGECORE_JWT_AUDIENCE": "images",
            "IMAGECORE_MAX_UPLOAD_BYTES": "5_000_000",
            "IMAGECORE_MAX_PIXELS": "1000000",
            "IMAGECORE_LOG_LEVEL": "debug",
            "IMAGECORE_MAX_FRAMES": "50",
            "IMAGECORE_MAX_ANIMATION_PIXELS": "2000000",
            "IMAGECORE_PROFILE_SIZE": "400x400",
            "IMAGECORE_PROFILE_MODE": "fill",
            "IMAGECORE_COVER_SIZE": "1500X500",
            "IMAGECORE_STILLS_AS_WEBP": "yes",
            "IMAGECORE_MAX_CONCURRENT_DECODES": "4",
        }
    )
    assert settings == Settings(
        data_dir=Path("/srv/images"),
        storage_url="file:///srv/images/media",
        database_url="sqlite:////srv/images/db.sqlite",
        media_url="https://cdn.example.com/m/",
        jwt_secret="k" * 32,
        jwt_issuer="https://auth.example.com",
        jwt_audience="images",
        max_upload_bytes=5_000_000,
        max_pixels=1_000_000,
        log_level="DEBUG",
        max_frames=50,
        max_animation_pixels=2_000_000,
        profile_size=(400, 400),
        profile_mode="FILL",
        cover_size=(1500, 500),
        stills_as_webp=True,
        max_concurrent_decodes=4,
    )


def test_a_public_key_may_be_given_inline_or_as_a_file(tmp_path: Path) -> None:
    """IMAGECORE_JWT_PUBLIC_KEY takes PEM text, or the path of a PEM file."""
    pem = "-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----\n"
    assert Settings.from_env({"IMAGECORE_JWT_PUBLIC_KEY": pem}).jwt_public_key == pem.strip()
    path = tmp_path / "key.pem"
    path.write_text(pem)
    assert Settings.from_env({"IMAGECORE_JWT_PUBLIC_KEY": str(path)}).jwt_public_key == pem


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("IMAGECORE_MAX_UPLOAD_BYTES", "ten", "IMAGECORE_MAX_UPLOAD_BYTES must be a whole number"),
        ("IMAGECORE_MAX_UPLOAD_BYTES", "0", "IMAGECORE_MAX_UPLOAD_BYTES must be greater than 0"),
        ("IMAGECORE_MAX_PIXELS", "-5", "IMAGECORE_MAX_PIXELS must be greater than 0"),
        ("IMAGECORE_JWT_SECRET", "short", "IMAGECORE_JWT_SECRET must be at least 32 characters"),
        ("IMAGECORE_MEDIA_URL", "cdn.example.com", "IMAGECORE_MEDIA_URL must be a path"),
        ("IMAGECORE_LOG_LEVEL", "loud", "IMAGECORE_LOG_LEVEL must be one of"),
        ("IMAGECORE_DATABASE_URL", "mysql://db/images", "IMAGECORE_DATABASE_URL must start with"),
        ("IMAGECORE_PROFILE_SIZE", "800", "IMAGECORE_PROFILE_SIZE must be WIDTHxHEIGHT"),
        ("IMAGECORE_COVER_SIZE", "0x100", "IMAGECORE_COVER_SIZE must be WIDTHxHEIGHT"),
        ("IMAGECORE_COVER_MODE", "stretch", "IMAGECORE_COVER_MODE must be one of FIT, FILL"),
        ("IMAGECORE_STILLS_AS_WEBP", "maybe", "IMAGECORE_STILLS_AS_WEBP must be true or false"),
        ("IMAGECORE_MAX_FRAMES", "0", "IMAGECORE_MAX_FRAMES must be greater than 0"),
        ("IMAGECORE_JWT_PUBLIC_KEY", "/no/such/key.pem", "IMAGECORE_JWT_PUBLIC_KEY must be a PEM"),
        ("IMAGECORE_UPLOAD_RATE_PER_USER", "lots", "IMAGECORE_UPLOAD_RATE_PER_USER must be"),
        ("IMAGECORE_TRUSTED_PROXIES", "10.0.0.0/8,x", "IMAGECORE_TRUSTED_PROXIES must list"),
        ("IMAGECORE_CORS_ORIGINS", "https://a.com/x", "IMAGECORE_CORS_ORIGINS must list"),
    ],
)
def test_bad_values_name_their_variable(name: str, value: str, message: str) -> None:
    """A malformed value raises SettingsError whose message starts with the variable's name."""
    with pytest.raises(SettingsError) as error:
        Settings.from_env({name: value})
    assert str(error.value).startswith(message)


def test_secrets_stay_out_of_the_repr() -> None:
    """Printing the settings never shows the secret."""
    assert "k" * 32 not in repr(Settings.from_env({"IMAGECORE_JWT_SECRET": "k" * 32}))


def test_database_passwords_are_masked_when_shown() -> None:
    """The database URL keeps its password out of banners and messages, and out of the repr."""
    settings = Settings.from_env({"IMAGECORE_DATABASE_URL": "postgresql://app:s3cret@db/images"})
    assert settings.database_shown == "postgresql://app:***@db/images"
    assert "s3cret" not in repr(settings)


def test_the_readme_documents_every_setting() -> None:
    """Each IMAGECORE_* variable the settings read appears in the README's settings table."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    read = Settings.variables()
    assert len(read) > 20
    assert [name for name in read if f"`{name}`" not in readme] == []


def test_each_variable_is_read_by_one_setting_only() -> None:
    """One variable, one field: no fact is read twice."""
    read = Settings.variables()
    assert len(read) == len(set(read))


def test_the_defaults_are_the_core_s_own() -> None:
    """The limits and boxes a deployment gets unset are the ones the core declares."""
    settings = Settings()
    assert settings.limits == ImageLimits()
    assert settings.profile_box == DEFAULT_POLICIES[Slot.PROFILE].box
    assert settings.cover_box == DEFAULT_POLICIES[Slot.COVER].box
    assert ImageLimits().max_pixels <= MAX_PIXELS_SUPPORTED


def test_memory_storage_needs_a_memory_database() -> None:
    """Files forgotten on exit with references kept would be references to nothing."""
    with pytest.raises(SettingsError, match="IMAGECORE_STORAGE_URL=memory"):
        Settings.from_env({"IMAGECORE_STORAGE_URL": "memory://media"})
    both = {"IMAGECORE_STORAGE_URL": "memory://m", "IMAGECORE_DATABASE_URL": "memory:"}
    assert Settings.from_env(both).storage_url == "memory://m"


def test_a_relative_sqlite_path_lives_in_the_data_dir() -> None:
    """sqlite:///images.db means the data dir's images.db, wherever the command runs from."""
    settings = Settings.from_env(
        {"IMAGECORE_DATA_DIR": "/srv/data", "IMAGECORE_DATABASE_URL": "sqlite:///images.db"}
    )
    assert settings.database == "sqlite:////srv/data/images.db"
