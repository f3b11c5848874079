"""How a sentence writes a value it did not choose: a client's own text, and a count of bytes.

Every wording module quotes through here, so that no answer or log line carries more of a
client's text than :func:`echo` lets through.
"""

from __future__ import annotations


def echo(text: str, most: int = 40, *, quoted: bool = True) -> str:
    """What a client sent, as a sentence may repeat it: its first ``most`` characters (an
    ellipsis saying more were cut), every character that is not printable escaped, so that an
    answer or a log line never carries a megabyte of the client's text or its control codes."""
    cut = text[:most]
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in cut)
    shown += "…" if len(text) > most else ""
    return f"'{shown}'" if quoted else shown


def byte_size(n: int) -> str:
    """``8 MB (8,388,608 bytes)`` for a whole number of megabytes, else ``1,500 bytes``."""
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB ({n:,} bytes)"
    return f"{n:,} bytes"
