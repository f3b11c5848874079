"""Each user's images, one row per user of the project's user model."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UserImagesRecord(models.Model):
    """A user's profile and cover image, each a JSON document
    (:mod:`imagecore.documents`) or null, and the version compared on every write."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,  # the files go at the next imagecore_gc
        primary_key=True,
        related_name="imagecore_images",
    )
    profile_image = models.JSONField(null=True)
    cover_image = models.JSONField(null=True)
    version = models.PositiveBigIntegerField()

    class Meta:
        db_table = "imagecore_user_images"
        verbose_name = "user's images"
        verbose_name_plural = "users' images"


class AuditEntry(models.Model):
    """One record of the audit log (:class:`imagecore.audit.AuditRecord`): written with its
    change, in the same transaction, never changed after."""

    at = models.DateTimeField(db_index=True)
    actor_role = models.TextField()
    actor_name = models.TextField()
    action = models.TextField()
    user_id = models.TextField()
    slot = models.TextField(null=True)
    before_key = models.TextField(null=True)
    after_key = models.TextField(null=True)
    before_hash = models.TextField(null=True)
    after_hash = models.TextField(null=True)
    detail = models.TextField()

    class Meta:
        db_table = "imagecore_audit_log"
        indexes = (models.Index(fields=["user_id", "id"], name="imagecore_audit_log_user"),)
        verbose_name = "audit record"
