"""What each subcommand of ``imagecore`` does; :mod:`imagecore.app.cli` parses the arguments."""

from __future__ import annotations

import argparse
import ipaddress
import logging.config
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs
from litestar.types import ASGIApp

from imagecore.adapters.http import AccessLog, TokenPolicy, issue_token
from imagecore.app import package_version
from imagecore.app.cli import DAY, SAFE_MIN_AGE
from imagecore.app.connections import connection_limits
from imagecore.app.runner import GuardedConfig, run
from imagecore.app.server import MEDIA_URL, build_app, log_config
from imagecore.app.settings import Settings
from imagecore.app.tokens import token_policy
from imagecore.app.wiring import open_wiring
from imagecore.decode_limit import SlottedCodec
from imagecore.errors import SweepRefused
from imagecore.housekeeping import Housekeeping

DEMO_USER = "demo"
#: How long a stopping server lets requests in flight finish.
GRACE_SECONDS = 3


def serve(settings: Settings, args: argparse.Namespace) -> int:

    if args.workers > 1 and not settings.shares_state:
        # Each worker would keep its own in-memory repository and disagree with the others.
        print(
            "imagecore serve: --workers above 1 needs a database all workers share, not memory:",
            file=sys.stderr,
        )
        return 2
    # Prepared once, before any worker starts: the settings checked, the secret made, the
    # storage and database opened (and the database migrated), so that workers only open them.
    policy = token_policy(settings)
    wiring = open_wiring(settings)
    app: ASGIApp | str
    if args.workers > 1:
        wiring.close()
        # Worker processes build their own app from the same environment, each with its own
        # connections: none is opened here and handed down.
        app = "imagecore.app.server:worker_app"
    else:
        app = AccessLog(build_app(settings, wiring=wiring, tokens=policy))
    base = f"http://{_host_for_url(args.host)}:{args.port}"
    _banner(settings, base, policy, args.workers, demo=_serves_only_this_machine(args.host))
    # The same configuration reaches every worker: uvicorn applies log_config in each process.
    config = log_config(settings.log_level)
    logging.config.dictConfig(config)
    server = GuardedConfig(
        app,
        connection_limits=connection_limits(settings),
        factory=isinstance(app, str),
        workers=args.workers,
        host=args.host,
        port=args.port,
        loop="uvloop",
        log_config=config,
        log_level=settings.log_level.lower(),
        access_log=False,  # AccessLog writes one line per request, with the user, no query
        proxy_headers=False,
        # A stop waits this long for requests in flight, then cancels them: a decode among
        # them is killed, so a stop never waits on one.
        timeout_graceful_shutdown=GRACE_SECONDS,
    )
    try:
        started = run(server)
    finally:
        wiring.close()
    return 0 if started else 3


def gc(settings: Settings, args: argparse.Namespace) -> int:
    if args.min_age < SAFE_MIN_AGE and not args.allow_recent:
        print(
            f"imagecore gc: files younger than {SAFE_MIN_AGE} s may be uploads in flight; "
            "with a smaller --min-age, add --allow-recent (and be sure no server is running).",
            file=sys.stderr,
        )
        return 2
    wiring = open_wiring(settings, existing=True)
    try:
        report = Housekeeping(wiring.slots).sweep(
            min_age=args.min_age,
            dry_run=args.dry_run,
            allow_empty_repository=args.allow_empty_database,
            progress=_progress_bar("sweeping"),
        )
        before = datetime.now(UTC) - timedelta(days=settings.audit_days)
        pruned = 0 if args.dry_run else wiring.moderation.audit_log.prune(before)
    except SweepRefused as refused:
        print(f"imagecore gc: {refused} (add --allow-empty-database if it is)", file=sys.stderr)
        return 2
    finally:
        wiring.close()
    verb = "would remove" if report.dry_run else "removed"
    print(
        f"{report.seen} files seen, {report.kept} kept, {report.removed} {verb} "
        f"({_bytes(report.bytes_freed)} {'to free' if report.dry_run else 'freed'})"
    )
    if not report.dry_run:
        print(f"{pruned} audit records older than {settings.audit_days} days removed")
    return 0


def check(settings: Settings, args: argparse.Namespace) -> int:
    wiring = open_wiring(settings, existing=True)
    try:
        report = Housekeeping(wiring.slots).audit()
    finally:
        wiring.close()
    for key in report.missing:
        print(f"missing file: {key}")
    for file in report.orphans:
        print(f"unreferenced file: {file.key} ({_bytes(file.size)})")
    print(
        f"{len(report.missing)} references without a file, "
        f"{len(report.orphans)} files without a reference"
    )
    return 0 if report.consistent else 1


def _say_waiting() -> None:
    print("\nwaiting for a free decode slot", file=sys.stderr)


def variants(settings: Settings, args: argparse.Namespace) -> int:
    wiring = open_wiring(settings, existing=True)
    # The wiring decodes in the server's decode slots, so that a rebuild beside a running
    # server never adds decodes to the ones it allows; a wait for one is said.
    service = wiring.slots
    if isinstance(service.codec, SlottedCodec):
        service = attrs.evolve(service, codec=attrs.evolve(service.codec, waiting=_say_waiting))
    done = {"users": 0, "of": 0}
    bar = _progress_bar("rebuilding", quiet_below=1)
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        if stopping.is_set():
            raise KeyboardInterrupt  # a second Ctrl-C: now (the sweep removes what is left)
        stopping.set()
        # os.write: print() here may interrupt a print() to the same stream, which refuses.
        os.write(sys.stderr.fileno(), b"\nstopping after this user (Ctrl-C again to stop now)\n")

    def progress(users: int, of: int) -> None:
        done.update(users=users, of=of)
        bar(users, of)
        if stopping.is_set():
            # Between users: the last one's old files are removed, so nothing is left behind.
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, stop)
    try:
        report = Housekeeping(service).rebuild_variants(progress=progress)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted after {done['users']} of {done['of']} users: what was rebuilt is "
            "kept, every image still serves; run `imagecore variants` again to finish",
            file=sys.stderr,
        )
        return 130
    finally:
        signal.signal(signal.SIGINT, previous)
        wiring.close()
    for user, reason in report.failed:
        print(f"could not rebuild user {user!r}: {reason}")
    print(
        f"{report.users} users, {report.images} images: {report.rebuilt} rebuilt, "
        f"{report.current} already current, {len(report.failed)} users failed"
    )
    return 1 if report.failed else 0


def _progress_bar(label: str, *, quiet_below: int = 100) -> Callable[[int, int], None]:
    """Draws a bar on a terminal, or a line every 10 %, on standard error; nothing for runs of
    fewer than ``quiet_below`` items."""
    interactive = sys.stderr.isatty()
    state = {"shown": -1}

    def show(done: int, total: int) -> None:
        if total < quiet_below:
            return
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


def _serves_only_this_machine(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _banner(
    settings: Settings, base: str, policy: TokenPolicy, workers: int, *, demo: bool = True
) -> None:
    """What the server says as it starts. A ready token for the demo user only where it can be
    no credential for real users: a secret made for this data dir, on a loopback address (as
    `make run` serves); never with a configured secret or key, nor on a public address, where
    a log line would hand out a day's access."""
    database = settings.database_shown
    if not settings.shares_state:
        database += " (forgotten when the server stops)"
    lines = [
        f"imagecore {package_version()}, {workers} worker{'s' if workers > 1 else ''}",
        f"  data dir:   {settings.data_dir.resolve()}",
        f"  storage:    {settings.media_storage_url}",
        f"  database:   {database}",
        f"  media URL:  {settings.media_url or MEDIA_URL}",
        f"  images:     profile {settings.profile_box}, cover {settings.cover_box}, "
        f"up to {settings.max_upload_bytes:,} bytes and {settings.max_pixels:,} pixels",
        f"  API:        {base}/api/resume/user-images/   docs: {base}/schema",
        f"  proxies:    {_proxies(settings)}",
    ]
    configured = settings.jwt_secret is not None or settings.jwt_public_key is not None
    if not (policy.can_issue and demo and not configured):
        lines += ["", "Tokens: imagecore token USER (with the same settings)."]
    else:
        demo_token = issue_token(DEMO_USER, policy, ttl=DAY)
        lines += [
            "",
            f"Open the page as user '{DEMO_USER}':",
            f"  {base}/#token={demo_token}",
            "",
            f"A token for user '{DEMO_USER}', valid 24 hours (more: imagecore token USER):",
            f"  export TOKEN={demo_token}",
            "Try:",
            f'  curl -H "Authorization: Bearer $TOKEN" {base}/api/resume/user-images/',
            f'  curl -H "Authorization: Bearer $TOKEN" -F profile_image=@photo.jpg '
            f"{base}/api/resume/user-images/",
        ]
    print("\n".join(lines), flush=True)


def _proxies(settings: Settings) -> str:
    if settings.trusted_proxies:
        return "X-Forwarded-For believed from " + ", ".join(map(str, settings.trusted_proxies))
    return (
        "none trusted (IMAGECORE_TRUSTED_PROXIES is unset): behind a reverse proxy, every "
        "request counts against the proxy's one address"
    )


def _host_for_url(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
