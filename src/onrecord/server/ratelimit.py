"""Failed logins counted per client address, across every web process.

The lockout in ``accounts`` protects one account; someone trying a few passwords on each of
many accounts stays under it. So every failed password, code or invite from an address is
a row (``AddressFailure``) in the shared database, which every web process and machine
sees, and an address with ``ADDRESS_FAILURES`` failures within the last ``ADDRESS_WINDOW``
(a sliding window) is refused until enough of them have left the window; the web answers
429 with that wait as ``Retry-After``.

Successes are never counted: an office behind one NAT address logging fifty people in is
not slowed by them. A success does not wipe the address's failures either, or one valid
account would let its holder guess at every other. Rows older than the window count for
nothing and are deleted whenever a failure is written (``prune``), so the table holds about
one window of failures, however long the server runs.
"""

from __future__ import annotations

import datetime as dt
import math

from onrecord.server.models import AddressFailure
from onrecord.vault.custody import utc_now

ADDRESS_FAILURES = 20
ADDRESS_WINDOW = dt.timedelta(minutes=15)


def retry_after(address: str, now: dt.datetime | None = None) -> int:
    """Whole seconds until ``address`` may try again; 0 when it may now."""
    moment = now or utc_now()
    newest = list(
        AddressFailure.objects.filter(address=address, at__gt=moment - ADDRESS_WINDOW)
        .order_by("-at")
        .values_list("at", flat=True)[:ADDRESS_FAILURES]
    )
    if len(newest) < ADDRESS_FAILURES:
        return 0
    # Once the oldest of the newest ``ADDRESS_FAILURES`` leaves the window, fewer remain.
    wait = (newest[-1] + ADDRESS_WINDOW - moment).total_seconds()
    return max(1, math.ceil(wait))


def record_failure(address: str, step: str, now: dt.datetime | None = None) -> None:
    """Count one failed ``step`` (password, code or invite) from ``address``."""
    moment = now or utc_now()
    AddressFailure.objects.create(address=address, at=moment, step=step)
    prune(moment)


def prune(now: dt.datetime | None = None) -> int:
    """Delete the failures that left the window; returns how many."""
    cutoff = (now or utc_now()) - ADDRESS_WINDOW
    deleted, _by_model = AddressFailure.objects.filter(at__lte=cutoff).delete()
    return deleted


__all__ = ["ADDRESS_FAILURES", "ADDRESS_WINDOW", "prune", "record_failure", "retry_after"]
