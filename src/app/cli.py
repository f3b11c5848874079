"""The ``imagecore`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from litestar import Litestar

from adapters.http import TokenPolicy, issue_token
from app.bootstrap import build_app, package_version, shares_state, token_policy
from app.settings import Settings, SettingsError

DEMO_USER = "demo"
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
    app: Litestar | str = build_app(settings, tokens=policy)
    if args.workers > 1:
        # Worker processes build their own app from the same environment.
        app = "app.bootstrap:asgi_app"
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
        f"  API:        {base}/api/resume/user-images/   docs: {base}/schema",
    ]
    if policy.can_issue:
        demo = issue_token(DEMO_USER, policy, ttl=DAY)
        lines += [
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
        epilog="Settings come from IMAGECORE_* environment variables; see the README.",
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
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {value}")
    return value
