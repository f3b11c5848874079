"""How the server checks tokens: the configured key, or a secret kept in the data dir."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from imagecore.adapters.http import TokenPolicy
from imagecore.app.settings import Settings, SettingsError

SECRET_FILE = "jwt-secret"


def token_policy(settings: Settings) -> TokenPolicy:
    """The configured public key or secret, else the data dir's secret (made on first use)."""
    options = {"issuer": settings.jwt_issuer, "audience": settings.jwt_audience}
    if settings.jwt_public_key is not None:
        try:
            return TokenPolicy.public_key(settings.jwt_public_key, **options)
        except ValueError as error:
            raise SettingsError(f"IMAGECORE_JWT_PUBLIC_KEY is unusable: {error}.") from None
    secret = settings.jwt_secret or stored_secret(settings.data_dir)
    return TokenPolicy.shared_secret(secret, **options)


def stored_secret(data_dir: Path) -> str:
    """The secret kept in the data dir, created (mode 600) the first time it is needed."""
    try:
        return _read_or_create_secret(data_dir / SECRET_FILE)
    except OSError as error:
        raise SettingsError(
            f"IMAGECORE_DATA_DIR: cannot use data dir {str(data_dir)!r}: {error}"
        ) from error


def _read_or_create_secret(path: Path) -> str:
    # Several workers may start at once: the secret is written to a private temporary file and
    # linked into place, so every worker reads the same complete secret.
    with contextlib.suppress(FileNotFoundError):
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()
