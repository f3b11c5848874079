"""One client cannot take a real server down: decodes wait for a slot without holding a thread,
and serving never queues behind them; a decode stops when its client leaves or the server stops.

Nothing here is timed: each test checks an order of events (the GET answered while the uploads
are still waiting) or an outcome that only the fix makes possible within a bound far below the
alternative's.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx

from imagecore.adapters.decode_slots import LockFileSlots
from tests import images
from tests.http.support import SECRET, token_for
from tests.servers import Server, serving, start_server, stop_server
from tests.windows import HOUR, within_rate_windows

API = "/api/resume/user-images/"
DEFAULT_IMAGE = "/media/resume/defaults/profile.png"
#: The scan limit lifted, so that the scan bomb is decoded and only the budgets stop it.
BOMBS_ALLOWED = {"IMAGECORE_MAX_SCANS": "1000000", "IMAGECORE_JWT_SECRET": SECRET}


def auth(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}


def upload(server: Server, user: str, data: bytes) -> httpx.Response:
    files = {"profile_image": ("p.jpg", data)}
    return httpx.post(server.base_url + API, headers=auth(user), files=files, timeout=120)


def serving_answers_now(server: Server) -> None:
    """An anonymous media GET, and another user's upload-then-DELETE's DELETE, both answered."""
    assert httpx.get(server.base_url + DEFAULT_IMAGE).status_code == 200
    deleted = httpx.delete(server.base_url + API + "?type=profile_image", headers=auth("bob"))
    assert deleted.status_code == 200, deleted.text


def test_uploads_waiting_for_a_slot_hold_up_nothing_else(tmp_path: Path) -> None:
    """With every decode slot held (here by the test, through the same lock files the workers
    use), ten users' uploads wait without a thread each; media and DELETE are answered
    meanwhile, and the waiting uploads then get 503 with Retry-After."""
    env = {"IMAGECORE_JWT_SECRET": SECRET, "IMAGECORE_DECODE_WAIT": "6"}
    with serving(tmp_path / "data", "--workers", "2", env=env) as server:
        assert upload(server, "bob", images.jpeg()).status_code == 200
        slots = LockFileSlots(server.data_dir / "locks", 2)
        held = [slots.try_take(), slots.try_take()]
        assert None not in held and slots.try_take() is None
        with ThreadPoolExecutor(10) as pool:
            waiting = [pool.submit(upload, server, f"user{n}", images.jpeg()) for n in range(10)]
            time.sleep(0.5)  # let them all arrive and queue
            serving_answers_now(server)
            assert not any(future.done() for future in waiting)
            answers = [future.result() for future in waiting]
        assert {answer.status_code for answer in answers} == {503}
        assert all(int(answer.headers["Retry-After"]) > 0 for answer in answers)
        assert "busy" in answers[0].json()["error"]
        for release in held:
            assert release is not None
            release()
        assert upload(server, "alice", images.jpeg()).status_code == 200


def test_a_busy_answer_uses_up_no_quota(tmp_path: Path) -> None:
    """Three uploads an hour: five tries that meet a busy server (503) count for nothing, and
    the quota is all there once the server has room."""
    env = {
        "IMAGECORE_JWT_SECRET": SECRET,
        "IMAGECORE_DECODE_WAIT": "0.2",
        "IMAGECORE_UPLOAD_RATE_PER_USER": "3/hour",
    }
    within_rate_windows(needed=120, windows=(HOUR,))
    with serving(tmp_path / "data", env=env) as server:
        slots = LockFileSlots(server.data_dir / "locks", 2)
        held = [slots.try_take(), slots.try_take()]
        busy = [upload(server, "alice", images.jpeg()).status_code for _ in range(5)]
        for release in held:
            assert release is not None
            release()
        later = [upload(server, "alice", images.jpeg()).status_code for _ in range(4)]
    assert busy == [503] * 5
    assert later == [200, 200, 200, 429]


def test_uploads_past_a_full_queue_are_answered_at_once(tmp_path: Path) -> None:
    """One worker, its one slot held: of twenty uploads, sixteen wait (the most one worker
    queues) and four are answered 503 while those sixteen still wait; freed, all sixteen are
    stored. (The order uploads take a slot in is tested on the gate itself.)"""
    env = {
        "IMAGECORE_JWT_SECRET": SECRET,
        "IMAGECORE_DECODE_WAIT": "60",
        "IMAGECORE_MAX_CONCURRENT_DECODES": "1",
    }
    with serving(tmp_path / "data", env=env) as server:
        slot = LockFileSlots(server.data_dir / "locks", 1)
        held = slot.try_take()
        assert held is not None
        with ThreadPoolExecutor(20) as pool:
            uploads = [pool.submit(upload, server, f"user{n}", images.jpeg()) for n in range(20)]
            _wait_for(lambda: sum(f.done() for f in uploads) >= 4, "the queue to overflow")
            refused = [f.result() for f in uploads if f.done()]
            assert len(refused) == 4
            assert {answer.status_code for answer in refused} == {503}
            held()
            stored = [f.result() for f in uploads if f.result() not in refused]
        assert [answer.status_code for answer in stored] == [200] * 16


def test_running_decodes_hold_up_nothing_else(tmp_path: Path) -> None:
    """Two scan bombs decoding take both slots for five seconds of CPU each; media and DELETE
    are answered before either bomb is, and the bombs are then refused by the time budget."""
    env = {**BOMBS_ALLOWED, "IMAGECORE_DECODE_SECONDS": "5", "IMAGECORE_DECODE_WAIT": "0.1"}
    with serving(tmp_path / "data", env=env) as server:
        assert upload(server, "bob", images.jpeg()).status_code == 200
        with ThreadPoolExecutor(2) as pool:
            bombs = [pool.submit(upload, server, f"mallory{n}", images.scan_bomb()) for n in (1, 2)]
            _wait_until_slots_taken(server, 2, bombs)
            serving_answers_now(server)
            assert not any(bomb.done() for bomb in bombs)
            answers = [bomb.result() for bomb in bombs]
        assert {answer.status_code for answer in answers} == {400}
        assert "5 seconds of CPU time" in answers[0].json()["error"]


def test_a_client_that_leaves_frees_its_decode_slot(tmp_path: Path) -> None:
    """A scan bomb of about a minute's CPU, on a budget of 60 s: once its client disconnects,
    the decode is killed and its slot free again within 20 s."""
    env = {
        **BOMBS_ALLOWED,
        "IMAGECORE_DECODE_SECONDS": "60",
        "IMAGECORE_MAX_CONCURRENT_DECODES": "1",
    }
    with serving(tmp_path / "data", env=env) as server:
        slots = LockFileSlots(server.data_dir / "locks", 1)
        with socket.create_connection(("127.0.0.1", server.port)) as client:
            client.sendall(_raw_upload(server, images.scan_bomb(10_000)))
            _wait_for(lambda: _slot_taken(slots), "the decode to start")
        _wait_for(lambda: not _slot_taken(slots), "the decode to stop", seconds=20)
        assert upload(server, "alice", images.jpeg()).status_code == 200


def test_stopping_the_server_stops_its_decodes(tmp_path: Path) -> None:
    """SIGINT while a 60-second decode runs: the server stops the decode and exits cleanly within
    stop_server's ten seconds (else it is killed, and its exit code says so)."""
    env = {**BOMBS_ALLOWED, "IMAGECORE_DECODE_SECONDS": "60"}
    process, server = start_server(tmp_path / "data", env=env)
    first_slot = LockFileSlots(server.data_dir / "locks", 1)
    with ThreadPoolExecutor(1) as pool:
        bomb = pool.submit(_upload_ignoring_disconnects, server)
        _wait_for(lambda: _slot_taken(first_slot), "the decode to start")
        stop_server(process)
        assert process.returncode == 0, server.log.read_text()
        bomb.result()


def test_sigterm_answers_a_running_upload_503_and_leaves_no_decode_behind(
    tmp_path: Path,
) -> None:
    """SIGTERM while a 60-second decode runs: past the three seconds' grace its upload is
    answered 503 with an {"error"} (it was uvicorn's plain-text 500), the codec is closed, and
    no decode process outlives the server (they ran on for seconds after it)."""
    env = {**BOMBS_ALLOWED, "IMAGECORE_DECODE_SECONDS": "60"}
    process, server = start_server(tmp_path / "data", env=env)
    first_slot = LockFileSlots(server.data_dir / "locks", 1)
    with ThreadPoolExecutor(1) as pool:
        bomb = pool.submit(upload, server, "mallory", images.scan_bomb())
        _wait_for(lambda: _slot_taken(first_slot), "the decode to start")
        family = _descendants(process.pid)
        assert family, "no decode process"
        process.send_signal(signal.SIGTERM)
        answer = bomb.result()
        process.wait(10)
    assert answer.status_code == 503, answer.text
    assert "server is stopping" in answer.json()["error"]
    assert process.returncode == 0, server.log.read_text()
    _wait_for(lambda: not any(map(_running, family)), "no decode process left", 10)


def test_one_user_s_bombs_do_not_hold_up_another_s_upload(tmp_path: Path) -> None:
    """One user sends two scan bombs, each running to its five seconds of CPU, a third and a
    fourth: the first takes a slot, the second waits behind it (one decode per user at a time),
    the others are answered 503 at once. Another user's upload takes the other slot and is
    stored while both bombs are still running; they then count against their sender's quota."""
    env = {
        **BOMBS_ALLOWED,
        "IMAGECORE_DECODE_SECONDS": "5",
        "IMAGECORE_DECODE_WAIT": "30",
        "IMAGECORE_UPLOAD_RATE_PER_USER": "3/hour",
    }
    within_rate_windows(needed=120, windows=(HOUR,))
    with serving(tmp_path / "data", env=env) as server, ThreadPoolExecutor(4) as pool:
        first_slot = LockFileSlots(server.data_dir / "locks", 1)
        bombs = [pool.submit(upload, server, "mallory", images.scan_bomb())]
        _wait_for(lambda: _slot_taken(first_slot), "the first bomb's decode")
        bombs.append(pool.submit(upload, server, "mallory", images.scan_bomb()))
        time.sleep(0.3)  # queued behind the first
        extra = upload(server, "mallory", images.scan_bomb())
        started = time.monotonic()
        theirs = upload(server, "bob", images.jpeg())
        waited = time.monotonic() - started
        assert not any(bomb.done() for bomb in bombs)
        answers = [bomb.result() for bomb in bombs]
        print(f"another user's upload answered in {waited:.2f} s beside the bombs")
        after = upload(server, "mallory", images.jpeg())
        over = upload(server, "mallory", images.jpeg())
    assert extra.status_code == 503
    assert extra.json()["error"].startswith("Your other uploads are still being processed")
    assert theirs.status_code == 200, theirs.text
    assert [answer.status_code for answer in answers] == [400, 400]
    assert "5 seconds of CPU time" in answers[0].json()["error"]
    assert after.status_code == 200  # the 503 was refunded: two bombs and this one make three
    assert over.status_code == 429


def _running(pid: int) -> bool:
    """Whether a process is alive: a dead one whose parent has not reaped it yet (a zombie,
    which init reaps in its own time) is not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid``, by their parents in /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _upload_ignoring_disconnects(server: Server) -> None:
    with contextlib.suppress(httpx.TransportError):
        upload(server, "mallory", images.scan_bomb())


def _raw_upload(server: Server, data: bytes) -> bytes:
    boundary = "b0und"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="profile_image"; '
            f'filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST {API} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token_for('eve')}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


def _slot_taken(slots: LockFileSlots) -> bool:
    release = slots.try_take()
    if release is None:
        return True
    release()
    return False


def _wait_until_slots_taken(
    server: Server, count: int, running: list[Future[httpx.Response]]
) -> None:
    slots = LockFileSlots(server.data_dir / "locks", count)
    _wait_for(lambda: _slot_taken(slots) or any(f.done() for f in running), "both decodes")
    assert not any(f.done() for f in running)


def _wait_for(condition: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.05)
