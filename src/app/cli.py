"""The ``imagecore`` command: its arguments, its help, and one-line answers to what goes wrong.

Only the standard library is imported up front, so that an installation without the server's
packages still gets a sentence saying what to install rather than a traceback.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from imagecore.app import package_version
from imagecore.housekeeping import SWEEP_MIN_AGE

#: Uploads write their file a moment before they commit it; younger files may be in flight.
SAFE_MIN_AGE = 60
DAY = 24 * 3600
#: The extra that installs each package the command imports.
EXTRA_OF = {
    "litestar": "server",
    "msgspec": "server",
    "uvicorn": "server",
    "jwt": "server",
    "cryptography": "server",
    "multipart": "server",
    "openapi_ui_bundles": "server",
    "PIL": "codec",
    "simplejpeg": "codec",
    "fsspec": "storage",
}


#: Where a subcommand lives, where not in imagecore.app.commands: `token` needs only the token
#: policy, not the codec, the database or the server.
MODULE_OF = {
    "token": "imagecore.app.tokens",
    **dict.fromkeys(("takedown", "audit", "blocklist"), "imagecore.app.moderation_commands"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        commands = importlib.import_module(MODULE_OF.get(args.command, "imagecore.app.commands"))
        from imagecore.app.settings import Settings, SettingsError
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if missing not in EXTRA_OF:
            raise
        extra = EXTRA_OF[missing]
        parser.exit(
            2,
            f"imagecore: `imagecore {args.command}` needs the {extra!r} extra, which is not "
            f"installed (no module {missing!r}): pip install 'imagecore[{extra}]'\n",
        )
    try:
        settings = Settings.from_env()
        run = getattr(commands, args.command)
        return int(run(settings, args))
    except SettingsError as error:
        parser.exit(2, f"imagecore: configuration error: {error}\n")
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imagecore",
        description="Profile and cover images for your users, over HTTP.",
        epilog="Settings come from IMAGECORE_* environment variables; see the README.\n\n"
        "examples:\n  imagecore serve --workers 2\n  imagecore token alice --ttl 3600\n"
        "  imagecore gc --dry-run\n  imagecore check\n  imagecore variants\n"
        "  imagecore takedown 42 profile_image --reason impersonation\n  imagecore audit 42\n"
        "  imagecore blocklist export > blocked.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"imagecore {package_version()}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    serve_parser = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API with uvicorn. On start it prints where data lives "
        "and, on a loopback address with a secret of its own making, a ready-to-paste token "
        "and a curl example.",
        epilog="examples:\n  imagecore serve\n  imagecore serve --host 0.0.0.0 --port 8080",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    serve_parser.add_argument(
        "--port", type=int, default=8000, help="port to bind (default: %(default)s)"
    )
    serve_parser.add_argument(
        "--workers", type=_positive, default=1, help="worker processes (default: %(default)s)"
    )
    serve_parser.set_defaults(command="serve")

    token_parser = commands.add_parser(
        "token",
        help="print an access token the server accepts",
        description="Print an HS256 access token for SUBJECT, signed with the server's secret "
        "(IMAGECORE_JWT_SECRET, or the one kept in the data dir).",
        epilog="examples:\n  imagecore token alice\n  TOKEN=$(imagecore token 42 --ttl 600)\n"
        '  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/resume/user-images/',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    token_parser.add_argument("subject", metavar="SUBJECT", help="the user id the token speaks for")
    token_parser.add_argument(
        "--ttl", type=_positive, default=DAY, help="seconds until it expires (default: %(default)s)"
    )
    token_parser.add_argument(
        "--moderator",
        action="store_true",
        help="with the moderator scope (IMAGECORE_MODERATOR_CLAIM, IMAGECORE_MODERATOR_SCOPE)",
    )
    token_parser.add_argument(
        "--name",
        help="the user's display name (IMAGECORE_DISPLAY_NAME_CLAIM): the initials of a default "
        "avatar of their own, with IMAGECORE_DEFAULT_PROFILE=initials",
    )
    token_parser.set_defaults(command="token")

    gc_parser = commands.add_parser(
        "gc",
        help="remove image files nothing references",
        description="Remove files in the image folders that no user's images reference: what a "
        "crash or a failed clean-up leaves behind. Files younger than --min-age are kept, so "
        "uploads in flight are safe: with the default, gc may run while the server runs. It "
        "refuses to remove every file (a wrong database?) unless told --allow-empty-database.",
        epilog="examples:\n  imagecore gc --dry-run\n  imagecore gc --min-age 86400",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gc_parser.add_argument(
        "--dry-run", action="store_true", help="say what would be removed, remove nothing"
    )
    gc_parser.add_argument(
        "--min-age",
        type=_non_negative,
        default=SWEEP_MIN_AGE,
        metavar="SECONDS",
        help="keep files younger than this (default: %(default)s)",
    )
    gc_parser.add_argument(
        "--allow-recent",
        action="store_true",
        help=f"allow a --min-age under {SAFE_MIN_AGE} s (only with no server running: younger "
        "files may be uploads in flight)",
    )
    gc_parser.add_argument(
        "--allow-empty-database",
        action="store_true",
        help="sweep even when the database references no image at all, which removes every "
        "image file (a new or wrong database looks like that)",
    )
    gc_parser.set_defaults(command="gc")

    check_parser = commands.add_parser(
        "check",
        help="report where the database and the stored files disagree",
        description="List references whose file is missing and files nobody references, "
        "changing nothing. Exits 0 only when there are none of either.",
        epilog="examples:\n  imagecore check && echo consistent",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check_parser.set_defaults(command="check")

    variants_parser = commands.add_parser(
        "variants",
        help="rebuild every stored image's variants after their settings changed",
        description="Remake the smaller versions, the still and the placeholder of every stored "
        "image with today's settings (IMAGECORE_PROFILE_VARIANTS, IMAGECORE_COVER_VARIANTS, "
        "IMAGECORE_VARIANT_FORMAT), leaving alone the images that already have them. Each "
        "user's new files are written, then committed, then the old ones removed: the server "
        "may run meanwhile, an interruption loses nothing, and running it again finishes the "
        "work. Exits 1 if some image could not be rebuilt.",
        epilog="examples:\n  IMAGECORE_VARIANT_FORMAT=avif imagecore variants",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    variants_parser.set_defaults(command="variants")

    takedown_parser = commands.add_parser(
        "takedown",
        help="take a user's image down, and keep the picture from coming back",
        description="Remove USER's image in SLOT as a moderator would: the picture is added to "
        "the blocklist (so that no upload of it, re-encoded, resized or cropped, is taken "
        "again), the slot shows its default, the image and its variants leave storage, and "
        "the open reports on it close. The audit log records it, done by this command.",
        epilog="examples:\n  imagecore takedown 42 profile_image --reason 'impersonation'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    takedown_parser.add_argument("user", metavar="USER", help="whose image")
    takedown_parser.add_argument(
        "slot", metavar="SLOT", choices=SLOT_NAMES, help=f"one of {', '.join(SLOT_NAMES)}"
    )
    takedown_parser.add_argument("--reason", required=True, help="why, for the audit log")
    takedown_parser.set_defaults(command="takedown")

    audit_parser = commands.add_parser(
        "audit",
        help="print the history of a user's images",
        description="Print every recorded change to USER's images, oldest first: when, who "
        "(the user, a moderator, a command), what, which slot, the keys and hashes before "
        "and after. Records older than IMAGECORE_AUDIT_DAYS are removed by gc.",
        epilog="examples:\n  imagecore audit 42",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit_parser.add_argument("user", metavar="USER", help="whose history")
    audit_parser.set_defaults(command="audit")

    blocklist_parser = commands.add_parser(
        "blocklist",
        help="import, export or remove blocked pictures' PDQ hashes",
        description="The blocklist as a list of PDQ hashes, one a line in hex (the format of "
        "ThreatExchange's lists): `export` prints it, `import FILE` (or - for standard input) "
        "adds a list's hashes, `remove HASH...` unblocks them.",
        epilog="examples:\n  imagecore blocklist export > blocked.txt\n"
        "  imagecore blocklist import shared-list.txt\n  imagecore blocklist remove 58f8...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    blocklist_parser.add_argument("action", choices=("export", "import", "remove"))
    blocklist_parser.add_argument(
        "values", nargs="*", metavar="FILE|HASH", help="the file to import, or the hashes"
    )
    blocklist_parser.set_defaults(command="blocklist")
    return parser


SLOT_NAMES = ("profile_image", "cover_image")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value
