"""Alert reads under one caller's visibility: an alert with its history, the inbox, hit rates.

Every statement filters every node and edge it touches with the caller's ``$vis`` (see
hub/graph/cypher/alerts.py); nothing here filters after the fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from hub.alerts.form import HIT_OUTCOMES, AlertStatus, moment
from hub.errors import InputError, LimitError
from hub.graph.cypher import alerts as cypher
from hub.graph.reader import GraphReader
from hub.graph.store import Row
from hub.times import today_utc

MAX_PAGE = 100


def _check_first(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise LimitError(f"first must be between 1 and {MAX_PAGE}, not {first}")


class InboxStatus(StrEnum):
    """Status as a reader sees it: ACTIVE alerts past their validity read as EXPIRED."""

    ACTIVE = "active"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class GroupBy(StrEnum):
    ALERT = "alert"
    PROFILE = "profile"
    OFFICE = "office"
    PARTY = "party"


@dataclass(frozen=True, slots=True)
class InboxFilter:
    domain: str | None = None
    risk_type: str | None = None
    status: InboxStatus | None = None
    since: str | None = None
    until: str | None = None
    unread_only: bool = False

    def params(self, today: str) -> dict[str, Any]:
        stored: str | None = None
        expired: bool | None = None
        if self.status is InboxStatus.WITHDRAWN:
            stored = AlertStatus.WITHDRAWN.value
        elif self.status is not None:
            stored, expired = AlertStatus.ACTIVE.value, self.status is InboxStatus.EXPIRED
        return {"domain": self.domain, "type": self.risk_type, "status": stored,
                "expired": expired, "today": today, "unread_only": self.unread_only,
                "since": moment(self.since, "since"), "until": moment(self.until, "until")}


@dataclass(frozen=True, slots=True)
class InboxKey:
    """Where a row sits in the inbox order: unread first, then newest, then by id."""

    unread: int
    at: str
    id: str

    def as_text(self) -> str:
        return f"{self.unread}|{self.at}|{self.id}"

    @classmethod
    def parse(cls, text: str) -> InboxKey:
        parts = text.split("|", 2)
        if len(parts) != 3 or parts[0] not in {"0", "1"}:
            raise InputError("after: not an inbox cursor issued by this API")
        return cls(int(parts[0]), parts[1], parts[2])


@dataclass(frozen=True, slots=True)
class InboxItem:
    alert: Row
    unread: bool
    acked: int | None
    key: InboxKey


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[InboxItem]
    has_next: bool


@dataclass(frozen=True, slots=True)
class HitRate:
    """Controls and hits (irregularities and seizures) of one group; ``rate`` is exact."""

    key: str
    label: str | None
    controls: int
    hits: int

    @property
    def rate(self) -> Fraction:
        return Fraction(self.hits, self.controls) if self.controls else Fraction(0)


@dataclass(frozen=True, slots=True)
class HitRatePage:
    rows: list[HitRate]
    has_next: bool


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    agency: str
    version: int
    at: str | None


class AlertReads:
    """The alert reads of one caller (built from the request's :class:`GraphReader`)."""

    def __init__(self, reader: GraphReader, today: str | None = None) -> None:
        self._store = reader.store
        self._vis = reader.params
        self._today = today or today_utc()

    async def alert(self, alert_id: str) -> tuple[Row, int | None] | None:
        """The alert and the version my agency acknowledged (None if never), or None."""
        rows = await self._store.run(cypher.ALERT, {"id": alert_id, "vis": self._vis})
        if not rows:
            return None
        acked = rows[0]["acked"]
        return rows[0]["a"], int(acked) if acked is not None else None

    async def versions(self, alert_id: str, first: int = 20, after: int = 0) -> list[Row]:
        """Visible snapshots of a visible alert, oldest first, versions above ``after``."""
        _check_first(first)
        rows = await self._store.run(cypher.VERSIONS, {
            "id": alert_id, "after": after, "limit": first, "vis": self._vis})
        return [row["v"] for row in rows]

    async def acknowledgements(self, alert_id: str) -> list[Acknowledgement]:
        """Who acknowledged the alert: only for its originator (empty for anyone else)."""
        rows = await self._store.run(cypher.ACKNOWLEDGEMENTS, {"id": alert_id, "vis": self._vis})
        return [Acknowledgement(r["agency"], int(r["version"]), r["at"]) for r in rows]

    async def inbox(self, where: InboxFilter, first: int, after: InboxKey | None) -> InboxPage:
        """A keyset page of the alerts visible to me: unread first, then newest."""
        _check_first(first)
        rows = await self._store.run(cypher.INBOX, {
            "f": where.params(self._today), "vis": self._vis, "limit": first + 1,
            "after": None if after is None else
            {"unread": after.unread, "at": after.at, "id": after.id},
        })
        items = [InboxItem(alert=r["a"], unread=int(r["unread"]) == 1,
                           acked=None if r["acked"] is None else int(r["acked"]),
                           key=InboxKey(int(r["unread"]), r["at"], r["a"]["id"]))
                 for r in rows[:first]]
        return InboxPage(items=items, has_next=len(rows) > first)

    async def inbox_count(self, where: InboxFilter) -> int:
        rows = await self._store.run(cypher.INBOX_COUNT,
                                     {"f": where.params(self._today), "vis": self._vis})
        return int(rows[0]["total"]) if rows else 0

    async def hit_rates(self, group_by: GroupBy, since: str | None, until: str | None,
                        first: int = MAX_PAGE, after: str = "") -> HitRatePage:
        """Controls and hits per group, counting only controls, feedback edges and targets
        the caller may see; groups in key order, keys above ``after``."""
        _check_first(first)
        if group_by is GroupBy.ALERT:
            stmt = cypher.HIT_RATES_BY_TARGET["RiskAlert"]
        elif group_by is GroupBy.PROFILE:
            stmt = cypher.HIT_RATES_BY_TARGET["RiskProfile"]
        elif group_by is GroupBy.OFFICE:
            stmt = cypher.HIT_RATES_BY_PROPERTY["office"]
        else:
            stmt = cypher.HIT_RATES_BY_PROPERTY["owner_party"]
        rows = await self._store.run(stmt, {
            "since": moment(since, "since"), "until": moment(until, "until"),
            "hits": list(HIT_OUTCOMES), "after": after, "limit": first + 1, "vis": self._vis,
        })
        out = [HitRate(key=str(r["key"]), label=r["label"], controls=int(r["controls"]),
                       hits=int(r["hits"])) for r in rows[:first]]
        return HitRatePage(rows=out, has_next=len(rows) > first)
