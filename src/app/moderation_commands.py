"""The moderators' subcommands of ``imagecore``: takedown, audit and blocklist; they open the
database the server uses (never a new one), act as "command", and say who ran them."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC
from pathlib import Path

from imagecore import Slot
from imagecore.app.settings import Settings
from imagecore.app.wiring import open_wiring
from imagecore.audit import Actor, AuditRecord
from imagecore.errors import RequestError
from imagecore.moderation import hash_list, parse_hash_list, parse_hashes


def takedown(settings: Settings, args: argparse.Namespace) -> int:
    wiring = open_wiring(settings, existing=True)
    try:
        slot = Slot.parse(args.slot)
        image = wiring.moderation.take_down(
            args.user, slot, args.reason, Actor.command(f"takedown by {_operator()}")
        )
    except RequestError as refused:
        print(f"imagecore takedown: {refused}", file=sys.stderr)
        return 1
    finally:
        wiring.close()
    blocked = "its picture blocked" if image.fingerprint else "no fingerprint to block"
    print(f"took down {image.key} of user {args.user!r} ({blocked})")
    return 0


def audit(settings: Settings, args: argparse.Namespace) -> int:
    wiring = open_wiring(settings, existing=True)
    try:
        records = wiring.moderation.history(args.user)
    finally:
        wiring.close()
    for record in records:
        print(_audit_line(record))
    print(f"{len(records)} records for user {args.user!r}", file=sys.stderr)
    return 0


def blocklist(settings: Settings, args: argparse.Namespace) -> int:
    wiring = open_wiring(settings, existing=True)
    actor = Actor.command(f"blocklist by {_operator()}")
    try:
        blocked = wiring.slots.blocklist
        assert blocked is not None  # the wiring always keeps one
        if args.action == "export":
            sys.stdout.write(hash_list(blocked.entries()))
            return 0
        if args.action == "import":
            names = args.values or ["-"]
            added = 0
            for name in names:
                text = sys.stdin.read() if name == "-" else Path(name).read_text()
                entries = parse_hash_list(text, f"imported from {name}")
                added += wiring.moderation.block(entries, actor, f"imported from {name}")
            print(f"{added} entries added to the blocklist")
            return 0
        hashes = parse_hashes("\n".join(args.values))
        print(f"{wiring.moderation.unblock(hashes, actor)} entries removed from the blocklist")
        return 0
    except (RequestError, OSError) as refused:
        print(f"imagecore blocklist: {refused}", file=sys.stderr)
        return 1
    finally:
        wiring.close()


def _audit_line(record: AuditRecord) -> str:
    slot = record.slot.value if record.slot else "-"
    change = f"{record.before_key or '-'} -> {record.after_key or '-'}"
    hashes = f"{_short(record.before_hash)} -> {_short(record.after_hash)}"
    detail = f"  {record.detail}" if record.detail else ""
    at = record.at.astimezone(UTC).isoformat(timespec="seconds")
    return (
        f"{at}  {record.action.value:<9} {slot:<13} by {record.actor}  {change}  [{hashes}]{detail}"
    )


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "-"


def _operator() -> str:
    """Who runs the command, as the system names them."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "an operator"
