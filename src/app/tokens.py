"""How the server checks tokens: the configured key, or a secret kept in the data dir; and
`imagecore token`, which needs nothing else (no codec, no database)."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
from pathlib import Path

from imagecore.adapters.http import TokenPolicy, issue_token
from imagecore.app.parsers import MIN_SECRET_LENGTH
from imagecore.app.settings import Settings, SettingsError

SECRET_FILE = "jwt-secret"


def token_policy(settings: Settings) -> TokenPolicy:
    """The configured public key or secret, else the data dir's secret (made on first use)."""
    options = {
        "issuer": settings.jwt_issuer,
        "audience": settings.jwt_audience,
        "moderator_claim": settings.moderator_claim,
        "moderator_scope": settings.moderator_scope,
        "display_name_claim": settings.display_name_claim,
    }
    if settings.jwt_public_key is not None:
        try:
            return TokenPolicy.public_key(settings.jwt_public_key, **options)
        except ValueError as error:
            raise SettingsError(f"IMAGECORE_JWT_PUBLIC_KEY is unusable: {error}.") from None
    secret = settings.jwt_secret or stored_secret(settings.data_dir)
    return TokenPolicy.shared_secret(secret, **options)


def stored_secret(data_dir: Path, name: str = SECRET_FILE) -> str:
    """The secret kept in the data dir under ``name``, created (mode 600) the first time it is
    needed; one found shorter than a secret may be (emptied or cut short) is refused, not used
    as a key."""
    path = data_dir / name
    try:
        secret = _read_or_create_secret(path)
    except OSError as error:
        raise SettingsError(
            f"IMAGECORE_DATA_DIR: cannot use data dir {str(data_dir)!r}: {error}"
        ) from error
    if len(secret) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"{path} holds {len(secret)} characters, fewer than a secret's "
            f"{MIN_SECRET_LENGTH}: a short key can be guessed. Remove the file to have a new "
            "secret made (tokens signed with the old one stop working), or set "
            "IMAGECORE_JWT_SECRET."
        )
    return secret


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


def token(settings: Settings, args: argparse.Namespace) -> int:
    """`imagecore token`: a token for ``args.subject``, valid ``args.ttl`` seconds."""
    policy = token_policy(settings)
    try:
        print(
            issue_token(
                args.subject, policy, ttl=args.ttl, moderator=args.moderator, name=args.name
            )
        )
    except ValueError as error:
        print(f"imagecore token: {error}", file=sys.stderr)
        return 2
    return 0
