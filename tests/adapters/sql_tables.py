"""What the shared SQL schema holds, for the SQLite and PostgreSQL tests alike."""

from __future__ import annotations

#: The tables and columns of the shared schema, the same in SQLite and PostgreSQL.
TABLES = {
    "imagecore_audit_log": [
        "id",
        "at",
        "actor_role",
        "actor_name",
        "action",
        "user_id",
        "slot",
        "before_key",
        "after_key",
        "before_hash",
        "after_hash",
        "detail",
    ],
    "imagecore_blocklist": [
        "id",
        "exact",
        "pdq",
        "crops",
        "reason",
        "created_at",
        "removed_at",
        "change_number",
    ],
    "imagecore_blocklist_changes": ["id", "change_number"],
    "imagecore_rate_counts": ["key", "window_number", "count", "expires"],
    "imagecore_reports": [
        "id",
        "reporter",
        "owner",
        "slot",
        "image_key",
        "reason",
        "note",
        "created_at",
        "closed_at",
    ],
    "imagecore_schema": ["version"],
    "imagecore_user_images": ["user_id", "version", "profile_image", "cover_image", "updated_at"],
}
