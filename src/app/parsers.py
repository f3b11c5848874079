"""Parsers of setting values: each takes the variable's name and its text, and either returns the
value or raises :class:`SettingsError` with a message that starts with the variable's name."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from imagecore.throttle import Limit

MIN_SECRET_LENGTH = 32
DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "memory:")
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def text(name: str, raw: str) -> str:
    return raw


def path(name: str, raw: str) -> Path:
    return Path(raw)


def positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}.") from None
    if value <= 0:
        raise SettingsError(f"{name} must be greater than 0, got {value}.")
    return value


def count(name: str, raw: str) -> int:
    """A whole number, 0 or more."""
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, got {value}.")
    return value


def seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}.") from None
    if not 0 < value < 86400:
        raise SettingsError(f"{name} must be above 0 and under a day, got {raw}.")
    return value


def pixels(name: str, raw: str) -> int:
    """A count of pixels (whether the codec decodes that many is checked where it is built)."""
    return positive_int(name, raw)


def flag(name: str, raw: str) -> bool:
    value = raw.lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise SettingsError(f"{name} must be true or false, got {value!r}.")
    return value in ("1", "true", "yes", "on")


def _choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.upper()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value


def log_level(name: str, raw: str) -> str:
    return _choice(name, raw, ("DEBUG", "INFO", "WARNING", "ERROR"))


def avatar_style(name: str, raw: str) -> str:
    """``image`` (the shipped picture), ``initials`` or ``identicon``."""
    return _choice(name, raw, ("IMAGE", "INITIALS", "IDENTICON")).lower()


def box_mode(name: str, raw: str) -> str:
    return _choice(name, raw, ("FIT", "FILL"))


def widths(name: str, raw: str) -> tuple[int, ...]:
    """Variant widths, ``48,96,192`` (ascending, each from 16 to 8192), or ``none``."""
    if raw.lower() == "none":
        return ()
    try:
        values = sorted({int(item) for item in _items(raw)})
    except ValueError:
        raise SettingsError(
            f"{name} must be widths such as 48,96,192, or none; got {raw!r}."
        ) from None
    if not values or values[0] < 16 or values[-1] > 8192:
        raise SettingsError(f"{name}: each width must be from 16 to 8192 pixels, got {raw!r}.")
    return tuple(values)


def variant_type(name: str, raw: str) -> str:
    """``webp``, ``avif`` or ``jpeg``, as the media type it names."""
    return "image/" + _choice(name, raw, ("WEBP", "AVIF", "JPEG")).lower()


def size(name: str, raw: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` in pixels."""
    match = re.fullmatch(r"([1-9][0-9]{0,4})x([1-9][0-9]{0,4})", raw.lower())
    if match is None:
        raise SettingsError(f"{name} must be WIDTHxHEIGHT in pixels, like 800x800, got {raw!r}.")
    return int(match.group(1)), int(match.group(2))


def rate(name: str, raw: str) -> Limit | None:
    """``COUNT/UNIT`` (second, minute, hour or day), or ``off``."""
    if raw.lower() == "off":
        return None
    match = re.fullmatch(r"([1-9][0-9]*)\s*/\s*(second|minute|hour|day)", raw.lower())
    if match is None:
        raise SettingsError(
            f"{name} must be COUNT/UNIT (second, minute, hour or day), like 20/hour, "
            f"or off; got {raw!r}."
        )
    return Limit(int(match.group(1)), _SECONDS[match.group(2)])


def _items(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def names(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated names, like DejaVuSans-Bold.ttf,NotoSans-Bold.ttf."""
    return _items(raw)


def networks(name: str, raw: str) -> tuple[Network, ...]:
    """Comma-separated addresses or networks, like 127.0.0.1,10.0.0.0/8."""
    found = []
    for value in _items(raw):
        try:
            found.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise SettingsError(
                f"{name} must list IP addresses or networks, like 10.0.0.0/8; got {value!r}."
            ) from None
    return tuple(found)


def origins(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated origins, like https://example.com,https://www.example.com."""
    values = _items(raw)
    for value in values:
        if not re.fullmatch(r"https?://[^/\s]+", value):
            raise SettingsError(
                f"{name} must list origins like https://example.com (scheme and host, no "
                f"path); got {value!r}."
            )
    return values


def media_url(name: str, raw: str) -> str:
    if not raw.startswith(("/", "http://", "https://")):
        raise SettingsError(
            f"{name} must be a path starting with '/' or an http(s):// URL, got {raw!r}."
        )
    return raw if raw.endswith("/") else raw + "/"


def database_url(name: str, raw: str) -> str:
    if not raw.startswith(DATABASE_SCHEMES):
        raise SettingsError(
            f"{name} must start with {' or '.join(repr(s) for s in DATABASE_SCHEMES)}, got {raw!r}."
        )
    return raw


def secret(name: str, raw: str) -> str:
    if len(raw) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"{name} must be at least {MIN_SECRET_LENGTH} characters long (got {len(raw)}); "
            "a short HS256 secret can be guessed."
        )
    return raw


def public_key(name: str, raw: str) -> str:
    """PEM text, or the path of a file holding it."""
    if raw.lstrip().startswith("-----BEGIN"):
        return raw
    try:
        return Path(raw).read_text()
    except OSError as error:
        raise SettingsError(
            f"{name} must be a PEM public key or the path of a file holding one; "
            f"cannot read {raw!r}: {error.strerror}."
        ) from None
