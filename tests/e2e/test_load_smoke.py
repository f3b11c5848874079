"""A few seconds of `make load`: the same mix, the same server, no timing asserted."""

from __future__ import annotations

from bench.load import run


def test_a_short_mixed_load_has_no_errors_and_ends_consistent() -> None:
    """GETs, uploads and deletes from many users at once: zero errors, and `imagecore check`
    finds every reference stored and every file referenced."""
    report = run(seconds=3, workers=2, users=40, concurrency=8)
    assert report["errors"] == 0, report["error_samples"]
    assert all(op["count"] > 0 for op in report["operations"].values()), report["operations"]
    assert report["check_exit_status"] == 0, report["check"]
    assert report["check"] == "0 references without a file, 0 files without a reference"
