"""What every AuditLog and Reports promise, with the stores that append to them.

Mix :class:`AuditLogContract` into a test class whose ``stores`` fixture gives a repository and
the audit log it appends to (and a blocklist appending there too, or None);
:class:`ReportsContract` into one whose ``stores`` also give the reports.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from imagecore.audit import Action, Actor, AuditRecord
from imagecore.blocking import BlockedPicture
from imagecore.errors import VersionConflict
from imagecore.model import Slot, UserImages
from imagecore.moderation_errors import AlreadyReported
from imagecore.ports import AuditLog, Blocklist, ImageRepository, Reports
from imagecore.reports import Report, ReportReason
from imagecore.testing.repository import PROFILE

WHEN = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)


@attrs.frozen
class Stores:
    """Stores that append to one audit log, as one database's tables do."""

    repository: ImageRepository
    audit_log: AuditLog
    reports: Reports | None = None
    blocklist: Blocklist | None = None


def record(action: Action = Action.UPLOAD, user_id: str = "ann", **fields: object) -> AuditRecord:
    """A record with every field set."""
    values: dict[str, object] = {
        "at": WHEN,
        "actor": Actor.moderator("mo"),
        "action": action,
        "user_id": user_id,
        "slot": Slot.PROFILE,
        "before_key": "resume/images/profile_ann_1.jpg",
        "after_key": "resume/images/profile_ann_2.jpg",
        "before_hash": "aa" * 32,
        "after_hash": "bb" * 32,
        "detail": "impersonation: «not her»",
    }
    return AuditRecord(**{**values, **fields})  # type: ignore[arg-type]


def report(reporter: str = "bob", key: str = PROFILE.key, at: datetime = WHEN) -> Report:
    return Report(reporter, "ann", Slot.PROFILE, key, ReportReason.IMPERSONATION, "", at)


class AuditLogContract:
    @pytest.fixture
    def stores(self) -> Stores:
        raise NotImplementedError("provide stores sharing an empty audit log")

    def test_a_save_appends_its_records_whole_in_order(self, stores: Stores) -> None:
        first, second = record(), record(Action.TAKEDOWN, after_key=None, after_hash=None)
        saved = stores.repository.save("ann", UserImages(PROFILE), [first])
        stores.repository.save("ann", attrs.evolve(saved, profile_image=None), [second])
        stores.repository.save("bob", UserImages(PROFILE), [record(user_id="bob")])
        assert stores.audit_log.history("ann") == [first, second]

    def test_a_save_that_loses_its_race_appends_nothing(self, stores: Stores) -> None:
        stores.repository.save("ann", UserImages(PROFILE), [record()])
        with pytest.raises(VersionConflict):
            stores.repository.save("ann", UserImages(PROFILE), [record(Action.REPLACE)])
        assert [r.action for r in stores.audit_log.history("ann")] == [Action.UPLOAD]

    def test_records_without_slot_or_keys_come_back_as_written(self, stores: Stores) -> None:
        bare = AuditRecord(WHEN, Actor.command("takedown"), Action.DELETE, "ann")
        stores.repository.save("ann", UserImages(), [bare])
        assert stores.audit_log.history("ann") == [bare]

    def test_prune_removes_only_the_older_records(self, stores: Stores) -> None:
        old, young = record(at=WHEN - timedelta(days=400)), record(Action.REPLACE)
        saved = stores.repository.save("ann", UserImages(PROFILE), [old])
        stores.repository.save("ann", saved, [young])
        assert stores.audit_log.prune(WHEN - timedelta(days=365)) == 1
        assert stores.audit_log.history("ann") == [young]
        assert stores.audit_log.prune(WHEN - timedelta(days=365)) == 0

    def test_a_blocklist_change_appends_its_record_once(self, stores: Stores) -> None:
        if stores.blocklist is None:
            pytest.skip("these stores keep no blocklist")
        entry = BlockedPicture("cc" * 32, "dd" * 32, "abuse")
        block = record(Action.BLOCK, user_id="", slot=None)
        assert stores.blocklist.add(entry, [block])
        assert not stores.blocklist.add(entry, [block])
        assert stores.blocklist.remove(entry, [record(Action.UNBLOCK, user_id="")])
        assert not stores.blocklist.remove(entry, [record(Action.UNBLOCK, user_id="")])
        actions = [r.action for r in stores.audit_log.history("")]
        assert actions == [Action.BLOCK, Action.UNBLOCK]


class ReportsContract:
    @pytest.fixture
    def stores(self) -> Stores:
        raise NotImplementedError("provide stores with reports sharing an empty audit log")

    @pytest.fixture
    def reports(self, stores: Stores) -> Reports:
        assert stores.reports is not None
        return stores.reports

    def test_open_reports_come_oldest_first(self, stores: Stores, reports: Reports) -> None:
        later, earlier = report("bob"), report("cy", at=WHEN - timedelta(hours=1))
        reports.file(later, [record(Action.REPORT, actor=Actor.user("bob"))])
        reports.file(earlier)
        assert reports.open() == [earlier, later]
        assert [r.action for r in stores.audit_log.history("ann")] == [Action.REPORT]

    def test_one_open_report_per_reporter_and_image(self, stores: Stores, reports: Reports) -> None:
        reports.file(report(), [record(Action.REPORT)])
        with pytest.raises(AlreadyReported):
            reports.file(report(), [record(Action.REPORT)])
        reports.file(report(key="resume/images/profile_ann_new.jpg"))  # another image
        assert len(reports.open()) == 2
        assert len(stores.audit_log.history("ann")) == 1

    def test_closing_closes_the_slot_s_reports_and_allows_new_ones(
        self, stores: Stores, reports: Reports
    ) -> None:
        reports.file(report("bob"))
        reports.file(report("cy"))
        assert reports.close("ann", Slot.PROFILE, [record(Action.DISMISS)]) == 2
        assert reports.close("ann", Slot.PROFILE, [record(Action.DISMISS)]) == 0
        assert reports.open() == []
        assert [r.action for r in stores.audit_log.history("ann")] == [Action.DISMISS]
        reports.file(report("bob"))
        assert reports.open() == [report("bob")]

    def test_closing_by_key_closes_that_image_s_reports_alone(
        self, stores: Stores, reports: Reports
    ) -> None:
        newer = report("cy", key="resume/images/profile_ann_new.jpg")
        other_slot = attrs.evolve(report("bob"), slot=Slot.COVER)
        other_owner = attrs.evolve(report("bob"), owner="zoe")
        for filed in (report("bob"), newer, other_slot, other_owner):
            reports.file(filed)
        assert reports.close("ann", Slot.PROFILE, key=PROFILE.key) == 1
        assert reports.open() == [newer, other_slot, other_owner]
        assert reports.close("ann", Slot.PROFILE) == 1
        assert reports.open() == [other_slot, other_owner]

    def test_racing_reports_by_one_reporter_open_one(self, reports: Reports) -> None:
        refused: list[AlreadyReported] = []

        def file() -> None:
            try:
                reports.file(report())
            except AlreadyReported as error:
                refused.append(error)

        threads = [threading.Thread(target=file) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(reports.open()) == 1
        assert len(refused) == 7
