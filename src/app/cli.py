"""The ``imagecore`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from imagecore.adapters.http import AccessLog, TokenPolicy, issue_token
from imagecore.app.bootstrap import (
    build_app,
    build_service,
    package_version,
    shares_state,
    token_policy,
)
from imagecore.app.settings import Settings, SettingsError
from litestar.types import ASGIApp

from imagecore import SweepRefused

DEMO_USER = "demo"
#: Uploads write their file a moment before they commit it; younger files may be in flight.
SAFE_MIN_AGE = 60
DAY = 24 * 3600

log = logging.getLogger("imagecore")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.run(settings, args))
    except SettingsError as error:
        parser.exit(2, f"imagecore: configuration error: {error}\n")
    except KeyboardInterrupt:
        return 130


def serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.workers > 1 and not shares_state(settings):
        # Each worker would keep its own in-memory repository and disagree with the others.
        log.error("--workers above 1 needs a database all workers share, not memory:")
        return 2
    # Resolved before any worker starts, so that all of them read the same generated secret.
    policy = token_policy(settings)
    base = f"http://{_host_for_url(args.host)}:{args.port}"
    app: ASGIApp | str = AccessLog(build_app(settings, tokens=policy))
    if args.workers > 1:
        # Worker processes build their own app from the same environment.
        app = "imagecore.app.bootstrap:asgi_app"
    _banner(settings, base, policy, args.workers)
    uvicorn.run(
        app,
        factory=isinstance(app, str),
        workers=args.workers,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level.lower(),
        access_log=False,  # AccessLog writes one line per request, with the user and no query
        proxy_headers=False,
    )
    return 0


def token(settings: Settings, args: argparse.Namespace) -> int:
    policy = token_policy(settings)
    try:
        print(issue_token(args.subject, policy, ttl=args.ttl))
    except ValueError as error:
        print(f"imagecore token: {error}", file=sys.stderr)
        return 2
    return 0


def gc(settings: Settings, args: argparse.Namespace) -> int:
    if args.min_age < SAFE_MIN_AGE and not args.force:
        print(
            f"imagecore gc: files younger than {SAFE_MIN_AGE} s may be uploads in flight; "
            "with a smaller --min-age, add --force (and be sure no server is running).",
            file=sys.stderr,
        )
        return 2
    slots = build_service(settings, existing=True)
    try:
        report = slots.sweep(
            min_age=args.min_age,
            dry_run=args.dry_run,
            force=args.force,
            progress=_progress_bar("sweeping"),
        )
    except SweepRefused as refused:
        print(f"imagecore gc: {refused.message} (add --force if it is)", file=sys.stderr)
        return 2
    verb = "would remove" if report.dry_run else "removed"
    print(
        f"{report.seen} files seen, {report.kept} kept, {report.removed} {verb} "
        f"({_bytes(report.bytes_freed)} {'to free' if report.dry_run else 'freed'})"
    )
    return 0


def check(settings: Settings, args: argparse.Namespace) -> int:
    report = build_service(settings, existing=True).audit()
    for key in report.missing:
        print(f"missing file: {key}")
    for file in report.orphans:
        print(f"unreferenced file: {file.key} ({_bytes(file.size)})")
    print(
        f"{len(report.missing)} references without a file, "
        f"{len(report.orphans)} files without a reference"
    )
    return 0 if report.consistent else 1


def _progress_bar(label: str) -> Callable[[int, int], None]:
    """Draws a bar on a terminal, or a line every 10 %, on standard error."""
    interactive = sys.stderr.isatty()
    state = {"shown": -1}

    def show(done: int, total: int) -> None:
        if total < 100:
            return  # short runs need no progress report
        percent = done * 100 // total
        if interactive:
            filled = percent // 4
            bar = "#" * filled + "." * (25 - filled)
            end = "\n" if done == total else ""
            print(f"\r{label} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)
        elif percent // 10 > state["shown"]:
            state["shown"] = percent // 10
            print(f"{label}: {done}/{total} ({percent}%)", file=sys.stderr, flush=True)

    return show


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    size = float(n)
    for unit in ("KB", "MB"):
        size /= 1024
        if size < 1024:
            return f"{size:.1f} {unit}"
    return f"{size / 1024:.1f} GB"


def _banner(settings: Settings, base: str, policy: TokenPolicy, workers: int) -> None:
    database = settings.database_shown
    if not shares_state(settings):
        database += " (forgotten when the server stops)"
    lines = [
        f"imagecore {package_version()}, {workers} worker{'s' if workers > 1 else ''}",
        f"  data dir:   {settings.data_dir.resolve()}",
        f"  storage:    {settings.media_storage_url}",
        f"  database:   {database}",
        f"  media URL:  {settings.media_url}",
        f"  images:     profile {settings.profile_box}, cover {settings.cover_box}, "
        f"up to {settings.max_upload_bytes:,} bytes and {settings.max_pixels:,} pixels",
        f"  API:        {base}/api/resume/user-images/   docs: {base}/schema",
    ]
    if policy.can_issue:
        demo = issue_token(DEMO_USER, policy, ttl=DAY)
        lines += [
            "",
            f"Open the page as user '{DEMO_USER}':",
            f"  {base}/#token={demo}",
            "",
            f"A token for user '{DEMO_USER}', valid 24 hours (more: imagecore token USER):",
            f"  export TOKEN={demo}",
            "Try:",
            f'  curl -H "Authorization: Bearer $TOKEN" {base}/api/resume/user-images/',
            f'  curl -H "Authorization: Bearer $TOKEN" -F profile_image=@photo.jpg '
            f"{base}/api/resume/user-images/",
        ]
    print("\n".join(lines), flush=True)


def _host_for_url(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imagecore",
        description="Profile and cover images for your users, over HTTP.",
        epilog="Settings come from IMAGECORE_* environment variables; see the README.\n\n"
        "examples:\n  imagecore serve --workers 2\n  imagecore token alice --ttl 3600\n"
        "  imagecore gc --dry-run\n  imagecore check",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"imagecore {package_version()}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    serve_parser = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API with uvicorn. On start it prints where data lives, "
        "a ready-to-paste token and a curl example.",
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
    serve_parser.set_defaults(run=serve)

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
    token_parser.set_defaults(run=token)

    gc_parser = commands.add_parser(
        "gc",
        help="remove image files nothing references",
        description="Remove files in the image folders that no user's images reference: what a "
        "crash or a failed clean-up leaves behind. Files younger than --min-age are kept, so "
        "uploads in flight are safe: with the default, gc may run while the server runs. It "
        "refuses to remove every file (a wrong database?) unless told --force.",
        epilog="examples:\n  imagecore gc --dry-run\n  imagecore gc --min-age 86400",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gc_parser.add_argument(
        "--dry-run", action="store_true", help="say what would be removed, remove nothing"
    )
    gc_parser.add_argument(
        "--min-age",
        type=_non_negative,
        default=3600,
        metavar="SECONDS",
        help="keep files younger than this (default: %(default)s)",
    )
    gc_parser.add_argument(
        "--force",
        action="store_true",
        help=f"allow a --min-age under {SAFE_MIN_AGE} s, and removing every file",
    )
    gc_parser.set_defaults(run=gc)

    check_parser = commands.add_parser(
        "check",
        help="report where the database and the stored files disagree",
        description="List references whose file is missing and files nobody references, "
        "changing nothing. Exits 0 only when there are none of either.",
        epilog="examples:\n  imagecore check && echo consistent",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check_parser.set_defaults(run=check)
    return parser


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
