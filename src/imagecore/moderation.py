"""Moderation: users report images, moderators take them down or dismiss the reports, and the
blocklist keeps what was taken down from coming back.

Who is a moderator is the host's to say (a token's scope, a staff flag): these use cases trust
the ``actor`` they are given, and the HTTP bindings let only moderators reach theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from imagecore.audit import Action, Actor, AuditRecord, record_on
from imagecore.blocking import BlockedPicture
from imagecore.errors import SlotEmpty
from imagecore.model import Slot, StoredImage
from imagecore.moderation_errors import ImageReplaced, InvalidModeration, NoOpenReports, OwnImage
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

    def report(
        self,
        reporter: str,
        owner: str,
        slot: Slot,
        reason: str,
        note: str = "",
        key: str | None = None,
    ) -> Report:
        """``reporter``'s report on ``owner``'s image in ``slot`` (the one at ``key``, where
        given: :class:`ImageReplaced` if it is not there now): ``reason`` one of
        :class:`ReportReason`'s values, ``note`` optional. One open report per reporter and
        image, and at most ``report_limit`` a reporter; a report on an empty slot counts too,
        so that nobody can ask freely who keeps an image."""
        why = _reason(reason)
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise InvalidModeration(f"the note is longer than {MAX_NOTE} characters")
        if reporter == owner:
            raise OwnImage(slot)
        take_back = (
            self.throttle.check("report", [(reporter, self.report_limit)])
            if self.throttle is not None
            else None
        )
        image = self.slots.current(owner).get(slot)
        if image is None:
            raise SlotEmpty(slot, "report")
        if key is not None and key != image.key:
            if take_back is not None:
                take_back()
            raise ImageReplaced(slot, key)
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
        # The reports on the image taken down: one filed on a new upload since stays open.
        self.reports.close(owner, slot, key=image.key)
        return image

    def dismiss(
        self, owner: str, slot: Slot, actor: Actor, note: str = "", key: str | None = None
    ) -> int:
        """Close the open reports on ``owner``'s image in ``slot`` (those on the image at
        ``key`` alone, where given: the one the moderator saw), the image kept; how many."""
        image = self.slots.current(owner).get(slot)
        record = self._record(actor, Action.DISMISS, owner, slot, image, note.strip())
        if key is not None:
            record = attrs.evolve(record, before_key=key, after_key=key)
        closed = self.reports.close(owner, slot, [record], key=key)
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

    def unblock(self, hashes: Iterable[str], actor: Actor) -> int:
        """Remove from the blocklist every entry holding one of ``hashes`` (an exact hash, a
        PDQ hash or a crop's: any of a takedown's unblocks it); how many entries went."""
        blocklist = self._blocklist()
        removed = 0
        for digest in dict.fromkeys(hashes):
            entry = BlockedPicture(exact=digest, pdq=digest, reason="unblocked")
            record = AuditRecord(self.slots.clock(), actor, Action.UNBLOCK, before_hash=digest)
            removed += blocklist.remove(entry, [record])
        return removed

    def _blocklist(self) -> Blocklist:
        if self.slots.blocklist is None:
            raise InvalidModeration("this service keeps no blocklist")
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
        at = self.slots.clock()
        return record_on(
            image, at=at, actor=actor, action=action, user_id=owner, slot=slot, detail=detail
        )


def parse_hashes(text: str) -> list[str]:
    """The hashes of a list, one a line as ThreatExchange writes them (a line may carry more
    after a comma, such as the quality, which is ignored; blank lines and lines starting with
    ``#`` are skipped), in lower case. A line that is no 64 hex digits raises
    :class:`InvalidModeration` naming it."""
    hashes = []
    for number, line in enumerate(text.splitlines(), 1):
        digits = line.split(",", 1)[0].strip().lower()
        if not digits or digits.startswith("#"):
            continue
        if len(digits) != PDQ_DIGITS or any(c not in "0123456789abcdef" for c in digits):
            raise InvalidModeration(f"line {number} is not a PDQ hash of {PDQ_DIGITS} hex digits")
        hashes.append(digits)
    return hashes


def parse_hash_list(text: str, reason: str = "imported") -> list[BlockedPicture]:
    """The entries of a list of PDQ hashes (see :func:`parse_hashes`), each blocked by its
    hash alone, for ``reason``."""
    return [BlockedPicture(pdq=digest, reason=reason) for digest in parse_hashes(text)]


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
