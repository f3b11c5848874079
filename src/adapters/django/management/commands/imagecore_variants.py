from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imagecore.adapters.django.management.commands._housekeeping import housekeeping, progress


class Command(BaseCommand):
    help = (
        "Remake every stored image's variants, still and placeholder with today's codec and "
        "boxes; images that have them already are left alone, and a second run resumes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = housekeeping().rebuild_variants(progress=progress("rebuilding"))
        for user, why in report.failed:
            self.stderr.write(f"user {user}: {why}")
        summary = (
            f"{report.users} users, {report.images} images: {report.rebuilt} rebuilt, "
            f"{report.current} current, {len(report.failed)} users failed"
        )
        if report.failed:
            raise CommandError(summary)
        self.stdout.write(summary)
