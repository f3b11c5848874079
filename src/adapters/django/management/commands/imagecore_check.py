from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from imagecore.adapters.django.management.commands._housekeeping import housekeeping


class Command(BaseCommand):
    help = "Compare the images table with the stored files; change nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        report = housekeeping().audit()
        for key in report.missing:
            self.stdout.write(f"missing file: {key}")
        for file in report.orphans:
            self.stdout.write(f"unreferenced file: {file.key} ({file.size} bytes)")
        summary = (
            f"{len(report.missing)} references without a file, "
            f"{len(report.orphans)} files without a reference"
        )
        if not report.consistent:
            raise CommandError(summary)
        self.stdout.write(summary)
