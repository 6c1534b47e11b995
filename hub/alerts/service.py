"""Changing alerts and recording feedback: authorised, versioned, audited, then announced.

Rules (DESIGN.md "Sharing"):
- Writing needs ``policy.may_write`` for every kind written; widening or narrowing sharing needs
  ``policy.may_share``. A caller without the write grant is refused before any graph access.
- Only the originator agency changes its alert. Another agency gets ``not_found`` when it cannot
  see the alert (the same answer as for an id that does not exist) and ``forbidden`` when it
  can see it but does not own it: what it can see, it already knows exists.
- Every change writes the alert and an immutable version snapshot in one compare-and-set
  statement (a concurrent change makes it fail with ``bad_input``, never lose an update), is
  audited BEFORE it is written (an audit failure stops the write), and is announced on the
  bus after it is written.
- A withdrawal is final: the alert keeps its content, becomes ``withdrawn`` and is narrowed
  to its originator, so recipients stop seeing (and being sent) it.
- Retries are safe: raising with a reference (or idempotency key) already used for the same
  content returns the existing alert; an update that changes nothing writes nothing.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hub.alerts.bus import AlertBus
from hub.alerts.form import (
    AlertForm,
    AlertStatus,
    Change,
    ControlReport,
    Distributing,
    alert_id,
    alert_reference,
    control_id,
    instant_text,
    now_ms,
)
from hub.alerts.reads import AlertReads
from hub.errors import ForbiddenError, InputError, NotFoundError
from hub.graph.cypher import alerts as cypher
from hub.graph.reader import MAX_IDS, GraphReader
from hub.graph.store import GraphStore, Row
from hub.graph.writer import GraphWriter, node_row
from hub.model import (
    Distribution,
    EdgeRecord,
    NodeRecord,
    Provenance,
    Record,
    Sharing,
)
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.principal import Principal

SOURCE = "hub-api"
_CONCERNED_KINDS = {"operators": ("Operator",), "vehicles": ("Vehicle",),
                    "documents": ("Lpco", "Consignment")}
_LOCKS = 64
_OPERATIONS = {Change.RAISED: "alert.raise", Change.UPDATED: "alert.update",
               Change.WITHDRAWN: "alert.withdraw", Change.RESHARED: "alert.reshare"}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: the principal, the reader under its visibility, the stated purpose."""

    principal: Principal
    reader: GraphReader
    purpose: str | None = None


def _sharing(row: Row) -> Sharing:
    return Sharing(row["owner_agency"], row["owner_party"], Distribution(row["distribution"]),
                   tuple(row.get("share_with") or ()))


def _not_found(record_id: str) -> NotFoundError:
    return NotFoundError(f"no alert {record_id} is visible to you")


class AlertService:
    """The write side of alerts and feedback, for any caller (one instance per app)."""

    def __init__(self, store: GraphStore, policy: PolicyEngine, audit: AuditTrail,
                 bus: AlertBus | None = None, clock: Callable[[], int] = now_ms) -> None:
        self._store = store
        self._policy = policy
        self._audit = audit
        self._bus = bus
        self._clock = clock
        # Serialises changes to one alert within this process (the compare-and-set guards
        # across processes); striped so the set of locks stays bounded.
        self._locks = tuple(asyncio.Lock() for _ in range(_LOCKS))

    def _lock(self, record_id: str) -> asyncio.Lock:
        return self._locks[zlib.crc32(record_id.encode()) % _LOCKS]

    def _require_write(self, principal: Principal, *kinds: str) -> None:
        for kind in kinds:
            if not self._policy.may_write(principal, kind):
                raise ForbiddenError(f"your agency type and roles may not write {kind} records")

    def _require_share(self, principal: Principal, current: Sharing | None,
                       to: Distributing) -> None:
        if not self._policy.may_share(principal, current, to.level, to.share_with):
            raise ForbiddenError(
                f"the sharing policy does not let {principal.agency} distribute alerts at "
                f"{to.level.value}" + (" with a share list" if to.share_with else ""))

    # ---- alerts ------------------------------------------------------------------------------

    async def raise_alert(self, actor: Actor, form: AlertForm, to: Distributing,
                          reference: str | None = None,
                          idempotency_key: str | None = None) -> Row:
        """Raise a new alert owned by the caller's agency; returns it as the caller sees it.

        Raises ForbiddenError (no write or share grant), InputError (bad form, or the reference
        is already used for different content).
        """
        principal = actor.principal
        self._require_write(principal, "RiskAlert", "CONCERNS")
        form, to = form.checked(), to.checked()
        self._require_share(principal, None, to)
        ref = alert_reference(principal.agency, reference, idempotency_key)
        record_id = alert_id(principal.agency, ref)
        async with self._lock(record_id):
            found = await AlertReads(actor.reader).alert(record_id)
            if found is not None:
                current = found[0]
                if AlertForm.from_row(current) == form and _sharing(current) == Sharing(
                        principal.agency, principal.party, to.level, to.share_with):
                    return current
                raise InputError(f"reference {ref!r} is already used by alert {record_id}; "
                                 "change that alert with updateAlert or use a new reference")
            now = self._clock()
            props = {**form.as_props(), "reference": ref, "issuing_agency": principal.agency,
                     "status": AlertStatus.ACTIVE.value, "raised_at": instant_text(now)}
            sharing = Sharing(principal.agency, principal.party, to.level, to.share_with)
            return await self._commit(actor, record_id, version=0, props=props,
                                      sharing=sharing, form=form, change=Change.RAISED, now=now)

    async def update_alert(self, actor: Actor, record_id: str, changes: dict[str, Any],
                           expected_version: int | None = None) -> Row:
        """Change the content of an alert the caller's agency owns.

        ``changes`` maps AlertForm field names to new values (absent: unchanged).
        """
        unknown = set(changes) - set(AlertForm.__slots__)
        if unknown:
            raise InputError(f"unknown alert fields {sorted(unknown)}")
        return await self._change(actor, record_id, expected_version, change=Change.UPDATED,
                                  apply=lambda row: (replace(AlertForm.from_row(row), **changes),
                                               None, {}))

    async def withdraw_alert(self, actor: Actor, record_id: str, reason: str,
                             expected_version: int | None = None) -> Row:
        """Withdraw an alert: final; recipients stop seeing it, the originator keeps it."""
        text = " ".join(reason.split())
        if not 1 <= len(text) <= 1000:
            raise InputError("reason: say in 1-1000 characters why the alert is withdrawn")

        def withdrawn(row: Row) -> tuple[AlertForm, Distributing, dict[str, Any]]:
            return (AlertForm.from_row(row), Distributing(Distribution.ORIGINATOR),
                    {"status": AlertStatus.WITHDRAWN.value, "withdrawal_reason": text,
                     "withdrawn_at": instant_text(self._clock())})

        return await self._change(actor, record_id, expected_version, change=Change.WITHDRAWN,
                                  apply=withdrawn, check_share=False)

    async def reshare_alert(self, actor: Actor, record_id: str, to: Distributing,
                            expected_version: int | None = None) -> Row:
        """Give an alert the caller's agency owns a new distribution level and share list."""
        to = to.checked()
        return await self._change(actor, record_id, expected_version, change=Change.RESHARED,
                                  apply=lambda row: (AlertForm.from_row(row), to, {}))

    async def _change(
        self, actor: Actor, record_id: str, expected_version: int | None, *, change: Change,
        apply: Callable[[Row], tuple[AlertForm, Distributing | None, dict[str, Any]]],
        check_share: bool = True,
    ) -> Row:
        principal = actor.principal
        self._require_write(principal, "RiskAlert", "CONCERNS")
        async with self._lock(record_id):
            found = await AlertReads(actor.reader).alert(record_id)
            if found is None:
                raise _not_found(record_id)
            current = found[0]
            sharing = _sharing(current)
            if sharing.owner_agency != principal.agency:
                raise ForbiddenError(f"only the originator {sharing.owner_agency} may change "
                                     f"alert {record_id}")
            if current.get("status") == AlertStatus.WITHDRAWN.value:
                if change is Change.WITHDRAWN:
                    return current  # a retried withdrawal
                raise InputError(f"alert {record_id} is withdrawn and can no longer change")
            version = int(current.get("version") or 0)
            if expected_version is not None and expected_version != version:
                raise InputError(f"alert {record_id} is at version {version}, not "
                                 f"{expected_version}: re-read it and apply your change again")
            form, to, extra = apply(current)
            form = form.checked()
            new_sharing = sharing if to is None else Sharing(
                sharing.owner_agency, sharing.owner_party, to.level, to.share_with)
            if to is not None and check_share:
                self._require_share(principal, sharing, to)
            if (form == AlertForm.from_row(current) and new_sharing == sharing and not extra):
                return current  # nothing changes: no version, no audit, no event
            props = {key: current.get(key) for key in
                     ("reference", "issuing_agency", "status", "raised_at")}
            props.update(form.as_props())
            props.update(extra)
            return await self._commit(actor, record_id, version=version, props=props,
                                      sharing=new_sharing, form=form, change=change,
                                      now=self._clock())

    async def _commit(self, actor: Actor, record_id: str, *, version: int,
                      props: dict[str, Any], sharing: Sharing, form: AlertForm, change: Change,
                      now: int) -> Row:
        principal = actor.principal
        new_version = version + 1
        props = {**props, "version": new_version, "changed_at": instant_text(now),
                 "last_change": change.value}
        provenance = Provenance(SOURCE, str(props.get("reference") or record_id), now)
        row = node_row(NodeRecord("RiskAlert", record_id, props, sharing, provenance))
        concerned = await self._concerned(actor.reader, form)
        await self._audit.record(principal, _OPERATIONS[change],
                                 [(record_id, sharing.owner_agency)],
                                 actor.purpose)
        snapshot = {**row["props"], "alert_id": record_id}
        written = await self._store.run(cypher.WRITE_ALERT, {
            "id": record_id, "expected": version, "ingested_at": now, "props": row["props"],
            "version_id": f"alertversion:{record_id}:{new_version}", "snapshot": snapshot,
        })
        if not written:
            raise InputError(f"alert {record_id} changed while you were changing it: re-read "
                             "it and apply your change again")
        # The edges carry the alert's sharing: rewritten on every change, so a reshare or a
        # withdrawal moves them with the alert.
        edges = [EdgeRecord("CONCERNS", record_id, target, sharing, provenance)
                 for target in concerned]
        if edges:
            await GraphWriter(self._store).write(edges)
        await self._store.run(cypher.PRUNE_CONCERNS,
                              {"id": record_id, "keep": [e.id for e in edges]})
        if self._bus is not None:
            self._bus.publish(record_id, new_version)
        found = await AlertReads(actor.reader).alert(record_id)
        if found is None:  # the owner always sees its own alert; absent means it was deleted
            raise _not_found(record_id)
        return found[0]

    async def _concerned(self, reader: GraphReader, form: AlertForm) -> list[str]:
        """Ids among the operator, vehicle and document indicators that the caller may see
        and that are of the right kind: they become CONCERNS edges."""
        wanted: dict[str, tuple[str, ...]] = {}
        for field, kinds in _CONCERNED_KINDS.items():
            for value in getattr(form.indicators, field):
                if ":" in value:
                    wanted[value] = kinds
        ids = list(wanted)
        found: dict[str, Row] = {}
        for start in range(0, len(ids), MAX_IDS):
            found.update(await reader.nodes(ids[start:start + MAX_IDS]))
        return [i for i, kinds in wanted.items() if i in found and found[i]["kind"] in kinds]

    # ---- acknowledgements and feedback ------------------------------------------------------

    async def acknowledge(self, actor: Actor, record_id: str) -> tuple[Row, int]:
        """Record that the caller's agency read the alert at its current version (idempotent).

        Any agency that can see the alert may acknowledge it; returns the alert and the
        version acknowledged. Raises NotFoundError when the alert is not visible.
        """
        reads = AlertReads(actor.reader)
        found = await reads.alert(record_id)
        if found is None:
            raise _not_found(record_id)
        current, acked = found
        version = int(current.get("version") or 0)
        if acked is not None and acked >= version:
            return current, acked
        principal = actor.principal
        await self._audit.record(principal, "alert.acknowledge",
                                 [(record_id, current["owner_agency"])], actor.purpose)
        rows = await self._store.run(cypher.ACKNOWLEDGE, {
            "id": record_id, "ack_id": f"alertack:{record_id}:{principal.agency}",
            "at": instant_text(self._clock()), "vis": actor.reader.params})
        if not rows:
            raise _not_found(record_id)
        return current, int(rows[0]["version"])

    async def record_control(self, actor: Actor, report: ControlReport,
                             to: Distributing | None = None) -> Row:
        """Record a control result OF a consignment as FEEDBACK_ON an alert or a profile.

        The result is owned by the caller's agency and shared (LISTED by default) with the
        agency that owns the alert or profile, plus ``to.share_with``. The consignment and the
        alert or profile must be visible to the caller (NotFoundError otherwise).
        """
        principal = actor.principal
        self._require_write(principal, "ControlResult", "OF", "FEEDBACK_ON")
        report = report.checked()
        target_id = report.alert_id or report.profile_id or ""
        label = "RiskAlert" if report.alert_id else "RiskProfile"
        found = await actor.reader.nodes([report.consignment_id, target_id])
        consignment, target = found.get(report.consignment_id), found.get(target_id)
        if consignment is None or consignment["kind"] != "Consignment":
            raise NotFoundError(f"no consignment {report.consignment_id} is visible to you")
        if target is None or target["kind"] != label:
            raise NotFoundError(f"no {'alert' if report.alert_id else 'profile'} {target_id} "
                                "is visible to you")
        to = (to or Distributing(Distribution.LISTED)).checked()
        owner_token = "agency:" + str(target["owner_agency"])
        share_with = tuple(dict.fromkeys((owner_token, *to.share_with)))
        if owner_token == "agency:" + principal.agency:
            share_with = to.share_with
        to = Distributing(to.level, share_with)
        self._require_share(principal, None, to)
        sharing = Sharing(principal.agency, principal.party, to.level, to.share_with)
        record_id = control_id(principal.agency, report)
        now = self._clock()
        provenance = Provenance(SOURCE, report.reference or record_id, now)
        node = NodeRecord("ControlResult", record_id, report.as_props(), sharing, provenance)
        records: Sequence[Record] = (
            node,
            EdgeRecord("OF", record_id, report.consignment_id, sharing, provenance),
            EdgeRecord("FEEDBACK_ON", record_id, target_id, sharing, provenance),
        )
        existing = await actor.reader.node(record_id)
        if existing is None or existing.get("rev") != node_row(node)["rev"]:
            await self._audit.record(principal, "control.record", [(record_id, principal.agency)],
                                     actor.purpose)
            await GraphWriter(self._store).write(records)
        written = await actor.reader.node(record_id)
        if written is None:
            raise NotFoundError(f"control result {record_id} could not be read back")
        return written

