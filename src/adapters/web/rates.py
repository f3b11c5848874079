"""Rate limits on uploads, deletes and descriptions, per user and per client address, and the
address a request comes from behind trusted proxies: checked before the body is read, by every
binding alike."""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus

import attrs

from imagecore import ImageCoreError
from imagecore.adapters.web.errors import status_of
from imagecore.errors import Busy
from imagecore.throttle import Limit, Throttle

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
log = logging.getLogger("imagecore.http")

#: The actions rate rules may limit, as GET .../limits/ lists them.
RATED_ACTIONS = ("upload", "delete", "describe")


@attrs.frozen
class RateRules:
    """Which limit applies to which action, and which proxies may name the client's address.

    Each user has their own limit (``per_user``). The address limit (``per_address``) is an
    allowance *per user seen from that address* in its window, up to ``users_per_address`` users:
    an address from which three users have acted in this window may act
    ``3 x per_address.count`` times, one with ``users_per_address`` users or more
    ``users_per_address x per_address.count`` times. So people sharing an address (an office NAT,
    or every client behind a reverse proxy that is not in the trusted list) do not lock each other
    out: each user brings their own share, and with ``per_address`` at or above ``per_user`` no
    one user, nor any number up to ``users_per_address``, can use up the others'. A flood of new
    accounts from one address is still bounded, by ``users_per_address x per_address.count``.
    ``users_per_address=1`` is a plain limit shared by everyone on the address.

    Every count is a key in the shared RateCounter, so every worker agrees: one key per (address,
    user) and window marks the user as seen (its first hit also counts the user in a per-address
    key, read on later requests by a hit taken straight back), and the address's own count is the
    Throttle's usual key. A request refused (or refunded) takes back what it counted of its user
    at the address, so a user first seen on a refused attempt is not counted as seen, and no
    attempt that failed uses up grace. A race between two requests can at worst count a
    reader's probe as one more user, only up to the cap.

    Whatever others on the address did, each user's first ``grace`` actions from it in a window
    pass the address's limit (and are not counted in it): a new user behind an address that a
    crowd of accounts used up can still set a picture, and is held to their own limit only. An
    abuser with many accounts gets ``grace`` actions more per account, within each account's own
    limit, and must spend an account per ``grace`` actions once the address is used up.
    ``grace=0`` holds everyone on the address to its limit.
    """

    throttle: Throttle
    per_user: Mapping[str, Limit | None] = attrs.field(factory=dict)
    per_address: Mapping[str, Limit | None] = attrs.field(factory=dict)
    trusted_proxies: Sequence[Network] = ()
    users_per_address: int = attrs.field(default=10, validator=attrs.validators.gt(0))
    grace: int = attrs.field(default=3, validator=attrs.validators.ge(0))

    def check(
        self, action: str, user: str, address: str, now: float | None = None
    ) -> Callable[[], None]:
        """Count one ``action`` by ``user`` from ``address``; raises RateLimited when over.

        Returns the call that takes the counts back (see :meth:`Throttle.check`)."""
        now = time.time() if now is None else now
        address = address_group(address)
        limit, forget = self.address_limit(action, user, address, now)
        try:
            refund = self.throttle.check(
                action,
                [(f"user:{user}", self.per_user.get(action)), (f"address:{address}", limit)],
                now,
            )
        except Exception:
            forget()  # refused, or the counter failed: this attempt used no grace
            raise

        def take_back() -> None:
            refund()
            forget()

        return take_back

    def address_limit(
        self, action: str, user: str, address: str, now: float
    ) -> tuple[Limit | None, Callable[[], None]]:
        """The address's limit for this request: its per-user allowance times the users seen
        from it in the window (this one included), at most ``users_per_address`` of them; none
        for the user's first ``grace`` actions from it. And the call that takes back what this
        request counted of the user at the address, should it be refused or refunded: a
        refused attempt uses no grace."""
        limit = self.per_address.get(action)
        if limit is None or (self.users_per_address == 1 and not self.grace):
            return limit, _nothing
        counter = self.throttle.counter
        window = int(now // limit.seconds)
        ends = (window + 1) * limit.seconds
        prefix = f"{action}:{limit.seconds}"
        users_key = f"{prefix}:users-at:{address}"
        own_key = f"{prefix}:user-at:{address}|{user}"
        own = counter.hit(own_key, window, ends)
        counted = [own_key]
        if self.users_per_address == 1:
            users = 1
        elif own == 1:
            users = counter.hit(users_key, window, ends)  # a new user: counted, and kept
            counted.append(users_key)
        else:
            # A read: the hit is taken straight back, and not counted as a user.
            users = max(1, counter.hit(users_key, window, ends) - 1)
            with contextlib.suppress(Exception):
                counter.release(users_key, window)

        def forget() -> None:
            for key in counted:
                with contextlib.suppress(Exception):
                    counter.release(key, window)

        if own <= self.grace:
            return None, forget
        return Limit(limit.count * min(users, self.users_per_address), limit.seconds), forget


def _nothing() -> None:
    pass


def client_address(
    peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]
) -> str:
    """The address of the client: ``peer``, unless the peer is a trusted proxy.

    Behind trusted proxies, the nearest address in the X-Forwarded-For header values
    (``forwarded_for``) that is not itself a trusted proxy. Without trusted proxies the header is
    ignored: anyone can write it.
    """
    peer = peer or "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = [part.strip() for value in forwarded_for for part in value.split(",")]
    for address in reversed(forwarded):
        if not _is_trusted(address, trusted):
            return address
    return peer


@functools.lru_cache(maxsize=4096)  # asked once per connection: a storm repeats its address
def address_group(address: str) -> str:
    """What per-address limits count by: an IPv4 address itself, an IPv6 address by its /64.

    One subscriber is handed a whole /64 (or more), and may use any address in it: counted one
    by one, a single client would have 2**64 allowances."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return address


def counted_address(peer: str | None, forwarded_for: Iterable[str], rules: RateRules | None) -> str:
    """The address group a request is counted under (see :func:`address_group`)."""
    trusted = () if rules is None else rules.trusted_proxies
    return address_group(client_address(peer, forwarded_for, trusted))


def refunded(error: BaseException) -> bool:
    """Whether a request refused with ``error`` gets its rate counts back: one answered 503 (no
    room, a backend down, a server stopping) was refused for want of room, not for what it
    asked, and a client that retries as told uses up no quota. Except a decode the busy machine
    starved: it ran."""
    if isinstance(error, Busy) and error.short_of == "cpu":
        return False
    return isinstance(error, ImageCoreError) and status_of(error) == HTTPStatus.SERVICE_UNAVAILABLE


class _Once:
    """A flag that is set once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = False

    def first(self) -> bool:
        """True the first time it is asked, False ever after."""
        with self._lock:
            first, self.done = not self.done, True
            return first


_UNTRUSTED_PROXY_WARNING = _Once()


def warn_if_proxied_unknowingly(peer: str | None, trusted: Sequence[Network]) -> None:
    """Log once per process when a request comes from a loopback or private peer while no proxy
    is trusted: that peer may be a reverse proxy, and then every client counts as one address."""
    if trusted or _UNTRUSTED_PROXY_WARNING.done:
        return
    try:
        ip = ipaddress.ip_address(peer or "unknown")
    except ValueError:
        return
    if (ip.is_loopback or ip.is_private) and _UNTRUSTED_PROXY_WARNING.first():
        log.warning(
            "A request came from %s, a loopback or private address, and "
            "IMAGECORE_TRUSTED_PROXIES is unset: if a reverse proxy is in front, every request "
            "counts against that one address in the per-address rate limits. Name the proxy in "
            "IMAGECORE_TRUSTED_PROXIES.",
            peer,
        )


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
