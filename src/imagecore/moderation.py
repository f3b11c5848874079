"""Moderation: users report images, moderators take them down or dismiss the reports, and the
blocklist keeps what was taken down from coming back.

Who is a moderator is the host's to say (a token's scope, a staff flag): these use cases trust
the ``actor`` they are given, and the HTTP bindings let only moderators reach theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from imagecore.audit import Action, Actor, AuditRecord
from imagecore.blocking import BlockedPicture
from imagecore.errors import InvalidModeration, NoOpenReports, OwnImage, SlotEmpty
from imagecore.model import Slot, StoredImage
from imagecore.ports import AuditLog, Blocklist, Reports
from imagecore.reports import MAX_NOTE, Report, ReportedImage, ReportReason, queue
from imagecore.service import ImageSlots
from imagecore.throttle import Limit, Throttle

#: How many reports a user may file an hour: enough for an honest user, not for a flood.
REPORTS_PER_HOUR = Limit(20, 3600)
#: How long a takedown's reason may be, in characters.
MAX_REASON = 500
#: The widest a PDQ hash is written: 64 hex digits.
PDQ_DIGITS = 64


@attrs.frozen
class Moderation:
    """Reports, takedowns, the blocklist and the audit log, over one service's ports."""

    slots: ImageSlots
    reports: Reports
    audit_log: AuditLog
    #: Counts each reporter's reports against ``report_limit``; None counts nothing.
    throttle: Throttle | None = None
    report_limit: Limit | None = REPORTS_PER_HOUR

    def report(self, reporter: str, owner: str, slot: Slot, reason: str, note: str = "") -> Report:
        """``reporter``'s report on ``owner``'s image in ``slot``: ``reason`` one of
        :class:`ReportReason`'s values, ``note`` optional. One open report per reporter and
        image, and at most ``report_limit`` a reporter."""
        why = _reason(reason)
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise InvalidModeration(f"the note is longer than {MAX_NOTE} characters")
        if reporter == owner:
            raise OwnImage(slot)
        image = self.slots.current(owner).get(slot)
        if image is None:
            raise SlotEmpty(slot, "report")
        take_back = (
            self.throttle.check("report", [(reporter, self.report_limit)])
            if self.throttle is not None
            else None
        )
        report = Report(reporter, owner, slot, image.key, why, note, self.slots.clock())
        record = self._record(Actor.user(reporter), Action.REPORT, owner, slot, image, why.value)
        try:
            self.reports.file(report, [attrs.evolve(record, detail=_detail(why, note))])
        except BaseException:
            if take_back is not None:
                take_back()
            raise
        return report

    def queue(self) -> list[ReportedImage]:
        """The images with open reports, the one reported first first."""
        return queue(self.reports.open())

    def take_down(
        self, owner: str, slot: Slot, reason: str, actor: Actor, key: str | None = None
    ) -> StoredImage:
        """Remove ``owner``'s image in ``slot`` for ``reason``, block its picture, and close
        the reports on it; the image taken down. With ``key``, only if the slot still holds
        the image the moderator saw (:class:`ImageReplaced` if not)."""
        reason = _reason_text(reason)
        image = self.slots.take_down(owner, slot, reason, actor, key)
        self.reports.close(owner, slot)
        return image

    def dismiss(self, owner: str, slot: Slot, actor: Actor, note: str = "") -> int:
        """Close the open reports on ``owner``'s image in ``slot``, the image kept; how many."""
        image = self.slots.current(owner).get(slot)
        record = self._record(actor, Action.DISMISS, owner, slot, image, note.strip())
        closed = self.reports.close(owner, slot, [record])
        if not closed:
            raise NoOpenReports(slot)
        return closed

    def history(self, user_id: str) -> list[AuditRecord]:
        """Every recorded change to ``user_id``'s images, and the reports on them, oldest
        first."""
        return self.audit_log.history(user_id)

    def block(self, entries: Sequence[BlockedPicture], actor: Actor, why: str) -> int:
        """Add ``entries`` (an imported list, say) to the blocklist, recorded as one change
        ``why``; how many were new."""
        record = AuditRecord(
            self.slots.clock(), actor, Action.BLOCK, detail=f"{len(entries)} entries: {why}"
        )
        return self._blocklist().add_all(entries, [record])

    def unblock(self, entries: Iterable[BlockedPicture], actor: Actor) -> int:
        """Remove ``entries`` from the blocklist; how many were there."""
        blocklist = self._blocklist()
        return sum(
            blocklist.remove(entry, [self._list_record(actor, Action.UNBLOCK, entry)])
            for entry in entries
        )

    def _blocklist(self) -> Blocklist:
        if self.slots.blocklist is None:
            raise ValueError("this service keeps no blocklist")
        return self.slots.blocklist

    def _list_record(self, actor: Actor, action: Action, entry: BlockedPicture) -> AuditRecord:
        return AuditRecord(
            self.slots.clock(),
            actor,
            action,
            before_hash=entry.exact,
            after_hash=entry.pdq,
            detail=entry.reason,
        )

    def _record(
        self,
        actor: Actor,
        action: Action,
        owner: str,
        slot: Slot,
        image: StoredImage | None,
        detail: str,
    ) -> AuditRecord:
        key = image.key if image else None
        exact = image.fingerprint.exact if image and image.fingerprint else None
        return AuditRecord(
            self.slots.clock(),
            actor,
            action,
            owner,
            slot,
            before_key=key,
            after_key=key,
            before_hash=exact,
            after_hash=exact,
            detail=detail,
        )


def parse_hash_list(text: str, reason: str = "imported") -> list[BlockedPicture]:
    """The entries of a list of PDQ hashes, one a line as ThreatExchange writes them (a line
    may carry more after a comma, such as the quality, which is ignored; blank lines and lines
    starting with ``#`` are skipped). A line that is no PDQ hash raises
    :class:`InvalidModeration` naming it."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        digits = line.split(",", 1)[0].strip().lower()
        if not digits or digits.startswith("#"):
            continue
        if len(digits) != PDQ_DIGITS or any(c not in "0123456789abcdef" for c in digits):
            raise InvalidModeration(f"line {number} is not a PDQ hash of {PDQ_DIGITS} hex digits")
        entries.append(BlockedPicture(pdq=digits, reason=reason))
    return entries


def hash_list(entries: Iterable[BlockedPicture]) -> str:
    """The PDQ hashes of ``entries``, one a line, their crops' included: the list another
    service imports. Entries blocked by their exact hash alone have none to give."""
    hashes = dict.fromkeys(h for entry in entries for h in entry.perceptual)
    return "".join(f"{h}\n" for h in hashes)


def _reason(value: str) -> ReportReason:
    try:
        return ReportReason(value)
    except ValueError:
        listed = ", ".join(reason.value for reason in ReportReason)
        raise InvalidModeration(f"the reason must be one of {listed}") from None


def _reason_text(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidModeration("a takedown needs a reason")
    if len(reason) > MAX_REASON:
        raise InvalidModeration(f"the reason is longer than {MAX_REASON} characters")
    return reason


def _detail(reason: ReportReason, note: str) -> str:
    return f"{reason.value}: {note}" if note else reason.value
