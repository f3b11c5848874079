from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imagecore.adapters.django.management.commands._housekeeping import housekeeping, progress
from imagecore.errors import SweepRefused
from imagecore.housekeeping import SWEEP_MIN_AGE


class Command(BaseCommand):
    help = (
        "Remove stored image files no user's images reference (left by crashes or failed "
        "clean-ups), once they are older than --min-age seconds."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--min-age", type=float, default=SWEEP_MIN_AGE)
        parser.add_argument("--dry-run", action="store_true", help="say, remove nothing")
        parser.add_argument(
            "--allow-empty-database",
            action="store_true",
            help="sweep even when no image is referenced at all",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = housekeeping().sweep(
                min_age=options["min_age"],
                dry_run=options["dry_run"],
                allow_empty_repository=options["allow_empty_database"],
                progress=progress("sweeping"),
            )
        except SweepRefused as refused:
            raise CommandError(f"{refused} (add --allow-empty-database if it is)") from None
        verb = "would remove" if report.dry_run else "removed"
        self.stdout.write(
            f"{report.seen} files seen, {report.kept} kept, {report.removed} {verb} "
            f"({report.bytes_freed} bytes)"
        )
