"""`imagecore serve` protects itself without a reverse proxy: header size and count capped
(431), connections that stay silent or stall closed (408), connections capped per address (503),
and the server serving others all along."""

from __future__ import annotations

import collections
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests import images
from tests.servers import Server, serving

QUICK = {
    "IMAGECORE_HEADER_TIMEOUT": "1",
    "IMAGECORE_BODY_TIMEOUT": "1",
    "IMAGECORE_BODY_TOTAL_TIMEOUT": "3",
    "IMAGECORE_MAX_CONNECTIONS_PER_ADDRESS": "8",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("guarded") / "data", env=QUICK) as running:
        yield running


def connect(server: Server) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", server.port))
    client.settimeout(15)  # a bound on a broken test only: every answer here comes in seconds
    return client


def answer(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    return received


def health_answer(client: socket.socket) -> bytes:
    """One whole answer of /health, however many reads it comes in."""
    received = b""
    while not received.endswith(b'{"status":"ok"}'):
        chunk = client.recv(65536)
        assert chunk, received
        received += chunk
    return received


def still_serving(server: Server) -> None:
    assert httpx.get(server.base_url + "/health").json() == {"status": "ok"}


def test_headers_over_the_size_limit_are_refused(server: Server) -> None:
    with connect(server) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n")
        reply = answer(client)
    assert reply.startswith(b"HTTP/1.1 431 ")
    assert b'{"error": "The request\'s headers are too large: the limit is 32,768 bytes."}' in reply
    still_serving(server)


def test_a_header_that_never_ends_is_refused(server: Server) -> None:
    """One header value sent without end (no line break ever): the parser would only report it
    once it ends, so the bytes are counted as they come."""
    sent = 0
    with connect(server) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while sent < 256 * 2**20:
                client.sendall(b"a" * 65536)
                sent += 65536
        reply = answer(client)
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:100]
    assert sent < 16 * 2**20
    still_serving(server)


def test_too_many_headers_are_refused(server: Server) -> None:
    headers = b"".join(b"X-%d: 1\r\n" % n for n in range(150))
    with connect(server) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        reply = answer(client)
    assert reply.startswith(b"HTTP/1.1 431 ")
    assert b"too many headers: the limit is 100" in reply
    still_serving(server)


def test_a_client_sending_endless_headers_is_cut_off_early(server: Server) -> None:
    """Small headers without end: the server answers 431 and closes after about 32 KB, however
    much more the client meant to send (here up to 48 MB)."""
    sent = 0
    with connect(server) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            while sent < 48 * 2**20:
                client.sendall(b"X-A: b\r\n" * 1024)
                sent += 8 * 1024
        reply = b""
        with contextlib.suppress(ConnectionResetError):
            reply = client.recv(65536)
    assert sent < 4 * 2**20
    assert reply.startswith(b"HTTP/1.1 431 ") or reply == b"", reply[:100]
    still_serving(server)


@pytest.mark.parametrize(
    "first_bytes",
    [b"", b"GET /health HTTP/1.1\r\nHost: x\r\n"],
    ids=["silent", "half a header"],
)
def test_a_connection_that_does_not_finish_its_headers_is_closed(
    server: Server, first_bytes: bytes
) -> None:
    with connect(server) as client:
        client.sendall(first_bytes)
        reply = answer(client)
    assert reply.startswith(b"HTTP/1.1 408 ")
    assert b"did not arrive within 1 seconds" in reply
    still_serving(server)


def test_a_stalled_body_is_closed(server: Server) -> None:
    with connect(server) as client:
        client.sendall(
            b"POST /api/resume/user-images/ HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + server.token.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n--b\r\n"
        )
        reply = answer(client)
    assert reply.startswith(b"HTTP/1.1 408 ")
    assert b"stalled for more than 1 seconds" in reply
    still_serving(server)


def trickle(client: socket.socket, byte: bytes, every: float = 0.2) -> bytes:
    """Send ``byte`` every ``every`` seconds until the server answers (or 20 s have passed:
    then the test fails on the empty answer)."""
    client.settimeout(every)
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for _ in range(int(20 / every)):
            client.sendall(byte)
            try:
                return client.recv(65536)
            except TimeoutError:
                continue
    return b""


def test_a_body_trickled_to_a_get_is_timed_too(server: Server) -> None:
    """A body's total time counts whatever the method: a GET whose declared body trickles in,
    never pausing long enough for the pause timer (nor for uvicorn's keep-alive timer, which
    each byte resets), is closed at the 3-second total."""
    with connect(server) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        first = health_answer(client)  # /health answers without reading the body
        assert first.startswith(b"HTTP/1.1 200 ")
        assert trickle(client, b"-") == b""  # closed, with nothing more to say
        client.settimeout(1)
        with contextlib.suppress(ConnectionResetError):
            assert client.recv(1) == b""


def test_blank_lines_do_not_keep_a_connection_open(server: Server) -> None:
    """After a first request, a blank line every half second: the next request's headers are
    timed from its first byte, so the connection is closed with 408 after the header timeout."""
    with connect(server) as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        first = health_answer(client)  # however many reads it comes in
        assert first.startswith(b"HTTP/1.1 200 ")
        reply = b""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(40):  # 20 s at most: far past the 1-second header timeout
                client.sendall(b"\r\n")
                client.settimeout(0.5)
                try:
                    reply = client.recv(65536)
                except TimeoutError:
                    continue
                break
    assert reply.startswith(b"HTTP/1.1 408 "), reply[:100]


def test_a_steadily_trickled_body_is_closed_at_its_total_time(server: Server) -> None:
    """A byte every 0.2 s never pauses long enough for the 1-second pause timer; the 3-second
    total closes it, and says so."""
    auth = b"Authorization: Bearer " + server.token.encode() + b"\r\n"
    with connect(server) as client:
        client.sendall(
            b"POST /api/resume/user-images/ HTTP/1.1\r\nHost: x\r\n"
            + auth
            + b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n"
        )
        reply = trickle(client, b"-")
    assert reply.startswith(b"HTTP/1.1 408 "), reply[:100]
    assert b"took more than 3 seconds in all" in reply


def test_a_head_and_a_large_body_in_one_write_pass(server: Server) -> None:
    """Only the head is held to the header limit: an upload whose first read carries its
    headers and 300 KB of picture is stored."""
    picture = images.encode(Image.effect_noise((320, 320), 80).convert("RGB"), "PNG")
    assert len(picture) > 250_000
    body = (
        b'--b\r\nContent-Disposition: form-data; name="profile_image"; filename="p.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + picture + b"\r\n--b--\r\n"
    )
    head = (
        b"POST /api/resume/user-images/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: Bearer " + server.token.encode() + b"\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    with connect(server) as client:
        client.sendall(head + body)
        reply = answer(client)
    assert reply.startswith(b"HTTP/1.1 200 "), reply[:200]


def test_a_head_sent_a_byte_at_a_time_is_served(server: Server) -> None:
    """The end of the head is found across reads: a head trickled byte by byte (well inside the
    header timeout) is served."""
    head = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with connect(server) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in head:
            client.sendall(bytes([byte]))
        reply = answer(client)
    assert reply.startswith(b"HTTP/1.1 200 ")


def test_requests_pipelined_without_end_close_the_connection(server: Server) -> None:
    """Thousands of GETs in one write, never reading the answers: the connection is closed
    once more than 16 wait, rather than queuing them all in the server's memory."""
    with connect(server) as client:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            client.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" * 20_000)
        replies = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := client.recv(65536):
                replies += chunk
    assert replies.count(b"HTTP/1.1 ") <= 17
    still_serving(server)


def test_one_address_cannot_hold_every_connection(server: Server) -> None:
    """Eight silent connections from one address are all it may hold: the ninth is answered 503
    at once, the tenth, in the same second, closed. They are closed after the header timeout,
    and the address is served again."""
    held = [connect(server) for _ in range(8)]
    try:
        with connect(server) as ninth:
            reply = answer(ninth)
        assert reply.startswith(b"HTTP/1.1 503 ")
        assert b"Too many connections" in reply
        # Told once: for a second, the address's further connections are only closed, so that
        # a storm of reconnections costs a close each.
        with connect(server) as tenth, contextlib.suppress(ConnectionResetError):
            assert answer(tenth) == b""
    finally:
        for client in held:
            assert answer(client).startswith(b"HTTP/1.1 408 ")
            client.close()
    still_serving(server)


def test_a_connection_answered_before_its_body_ends_soon_after(server: Server) -> None:
    """A POST without a token, its body trickling: answered 401 at once, and closed within the
    two seconds the rest of a body may still come (it was held to the body's total time, 300 s
    by default, at a few bytes a second)."""
    with connect(server) as client:
        client.sendall(b"POST /api/resume/user-images/ HTTP/1.1\r\nHost: x\r\n")
        client.sendall(b"Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
        reply = b""
        while b"\r\n\r\n" not in reply:
            reply += client.recv(65536)
        answered = time.monotonic()
        assert reply.startswith(b"HTTP/1.1 401 ")
        trickle(client, b"-")
        lived = time.monotonic() - answered
    print(f"closed {lived:.2f} s after its answer")
    assert lived < 2.6  # the drain time and a margin, well short of the 3-second total


def test_a_body_finished_after_its_answer_leaves_the_connection_on_keep_alive(
    server: Server,
) -> None:
    """Answered 401 before its body came, the client sends the rest at once: the connection
    serves its next request, and is then closed by the keep-alive timeout (5 s), as any idle
    connection is (it stayed open for good: no timer was left)."""
    with connect(server) as client:
        client.sendall(
            b"POST /api/resume/user-images/ HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" + b"-" * 10
        )
        reply = b""
        while not reply.endswith(b"}"):
            reply += client.recv(65536)
        assert reply.startswith(b"HTTP/1.1 401 ")
        client.sendall(b"-" * 990 + b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert health_answer(client).startswith(b"HTTP/1.1 200 ")
        idle = time.monotonic()
        client.settimeout(15)
        assert client.recv(1) == b""
        assert time.monotonic() - idle < 10


def test_a_pipelined_request_s_body_is_not_cut_short_by_the_answer_before_it(
    server: Server,
) -> None:
    """A GET, then a PATCH whose body trickles in for 2.4 seconds: answering the GET does not
    start the two-second drain on the PATCH, which is answered once its body is whole."""
    body = b'{"profile_image_alt": "' + b"a" * 30 + b'"}'
    auth = b"Authorization: Bearer " + server.token.encode() + b"\r\n"
    with connect(server) as client:
        client.sendall(
            b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
            b"PATCH /api/resume/user-images/ HTTP/1.1\r\nHost: x\r\n"
            + auth
            + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        assert health_answer(client).startswith(b"HTTP/1.1 200 ")
        for byte in body[:4]:
            # Within the 1-second pause limit, past the 2-second drain, short of the 3-second
            # total.
            time.sleep(0.6)
            client.sendall(bytes([byte]))
        client.sendall(body[4:])
        reply = answer_until_json(client)
    # Answered (200, or 404 while the server's user has no image to describe yet), not closed
    # mid-body.
    assert reply.startswith((b"HTTP/1.1 200 ", b"HTTP/1.1 404 ")), reply[:100]


def answer_until_json(client: socket.socket) -> bytes:
    reply = b""
    while not reply.endswith(b"}"):
        chunk = client.recv(65536)
        assert chunk, reply
        reply += chunk
    return reply


def test_websocket_upgrades_are_plain_requests(server: Server) -> None:
    """An upgrade request is answered as HTTP, and the connection it came on is counted out
    when it closes: twenty in a row from one address (whose cap here is eight) leave it served."""
    for _ in range(20):
        with connect(server) as client:
            client.sendall(
                b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            )
            assert health_answer(client).startswith(b"HTTP/1.1 200 ")
    still_serving(server)


class Holder(threading.Thread):
    """One address's silent connections, each opened again as soon as the server closes it."""

    def __init__(self, server: Server, source: str, count: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.server, self.source, self.count, self.stop = server, source, count, stop

    def run(self) -> None:
        held: list[socket.socket] = []
        while not self.stop.is_set():
            for client in list(held):
                client.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    if client.recv(65536) == b"":  # answered and closed: opened again
                        held.remove(client)
                        client.close()
            with contextlib.suppress(OSError):
                while len(held) < self.count:
                    held.append(
                        socket.create_connection(
                            ("127.0.0.1", self.server.port), source_address=(self.source, 0)
                        )
                    )
            time.sleep(0.05)
        for client in held:
            client.close()


def test_a_new_visitor_is_served_while_many_addresses_hold_every_connection(
    tmp_path: Path,
) -> None:
    """The review's pattern, scaled down: six addresses each holding their eight connections,
    silent, reopened whenever closed, 48 against a cap of 40. A visitor from a seventh address
    takes the place of one of theirs, and every one of its media GETs is answered."""
    env = {**QUICK, "IMAGECORE_MAX_CONNECTIONS": "40"}
    with serving(tmp_path / "data", env=env) as crowded:
        stop = threading.Event()
        holders = [Holder(crowded, f"127.0.0.{n}", 8, stop) for n in range(2, 8)]
        for holder in holders:
            holder.start()
        time.sleep(1.5)  # every holder at its eight, the server at its cap, timeouts going on
        statuses = []
        try:
            for _ in range(60):
                with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.99")) as c:
                    statuses.append(
                        c.get(crowded.base_url + "/media/resume/defaults/profile.png").status_code
                    )
                time.sleep(0.02)
        finally:
            stop.set()
            for holder in holders:
                holder.join(10)
    print(f"media GETs by a new visitor: {collections.Counter(statuses)}")
    assert statuses == [200] * 60


def test_the_defaults_are_documented(tmp_path: Path) -> None:
    """Each limit's default is the README's."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for row in (
        "| `IMAGECORE_MAX_HEADER_BYTES` | `32768` |",
        "| `IMAGECORE_MAX_HEADERS` | `100` |",
        "| `IMAGECORE_HEADER_TIMEOUT` | `10` |",
        "| `IMAGECORE_BODY_TIMEOUT` | `30` |",
        "| `IMAGECORE_BODY_TOTAL_TIMEOUT` | `300` |",
        "| `IMAGECORE_MAX_CONNECTIONS` | `1000` |",
        "| `IMAGECORE_MAX_CONNECTIONS_PER_ADDRESS` | `64` |",
    ):
        assert row in readme
