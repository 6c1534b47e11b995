"""Maintaining common risk profiles: create, update and retire, versioned and audited.

Only principals the policy lets write ``RiskProfile`` (RMWG members of a customs
administration) may save; only the owner agency may change or retire its own profiles. Every
save bumps ``version`` with a compare-and-set on the stored version, so two editors cannot
overwrite each other silently; every save is written to the audit trail first.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.analysis.risk.profiles import WEIGHT_RANGE, parse_criteria
from hub.errors import ForbiddenError, InputError, NotFoundError
from hub.graph.cypher import risk as cypher
from hub.graph.reader import GraphReader
from hub.graph.writer import GraphWriter, node_row
from hub.model import Distribution, NodeRecord, Provenance, Sharing, stable_id
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.principal import Principal

SOURCE = "risk-profiles"
DEFAULT_DISTRIBUTION = Distribution.CEFTA_CUSTOMS
"""Common profiles are for every CEFTA customs administration unless the RMWG says otherwise."""

_NAME = re.compile(r"^\S.{1,118}\S$")
MAX_DESCRIPTION = 2_000


@dataclass(frozen=True, slots=True)
class ProfileDraft:
    """What a client sends to save a profile. ``id`` None creates one."""

    name: str
    criteria: str | Mapping[str, Any]
    weight: float
    valid_from: str | None = None
    valid_until: str | None = None
    description: str | None = None
    id: str | None = None
    expected_version: int | None = None
    distribution: str | None = None
    share_with: Sequence[str] = ()


def _day(value: str | None, what: str) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InputError(f"{what}: {value!r} is not a date written as YYYY-MM-DD") from None


def checked_props(draft: ProfileDraft) -> dict[str, Any]:
    """The profile's domain properties, validated. Raises InputError naming the field."""
    name = " ".join(draft.name.split())
    if not _NAME.match(name):
        raise InputError(f"name {draft.name!r} must be 3 to 120 characters")
    criteria = parse_criteria(draft.criteria)
    low, high = WEIGHT_RANGE
    if not low <= draft.weight <= high:
        raise InputError(f"weight {draft.weight} must be between {low:g} and {high:g} points")
    valid_from = _day(draft.valid_from, "validFrom")
    valid_until = _day(draft.valid_until, "validUntil")
    if valid_from and valid_until and valid_until < valid_from:
        raise InputError(f"validUntil {valid_until} is before validFrom {valid_from}")
    description = " ".join((draft.description or "").split()) or None
    if description and len(description) > MAX_DESCRIPTION:
        raise InputError(f"description: at most {MAX_DESCRIPTION} characters")
    return {"name": name, "criteria": criteria.to_json(), "weight": float(draft.weight),
            "valid_from": valid_from, "valid_until": valid_until, "description": description}


@dataclass(frozen=True, slots=True)
class ProfileService:
    """Profile writes for one caller: its reader (visibility), the policy and the audit trail."""

    reader: GraphReader
    policy: PolicyEngine
    audit: AuditTrail
    principal: Principal
    purpose: str | None = None

    def _may_write(self) -> None:
        if not self.policy.may_write(self.principal, "RiskProfile"):
            raise ForbiddenError(f"{self.principal.agency} with your roles may not maintain "
                                 "common risk profiles (RMWG members of a customs "
                                 "administration may)")

    async def _clash(self, profile_id: str, name: str, creating: bool) -> None:
        """Refuse a second profile of the agency with this name (or, creating, this id)."""
        rows = await self.reader.store.run(cypher.PROFILE_CLASH, {
            "agency": self.principal.agency, "id": profile_id, "name": name})
        for row in rows:
            if creating or row["id"] != profile_id:
                raise InputError(f"your agency already has a profile named {row['name']!r} "
                                 f"({row['id']}); pass its id to change it")

    async def save(self, draft: ProfileDraft) -> str:
        """Create or update a profile; returns its id.

        Raises ForbiddenError (policy, or not the owner), NotFoundError (an id the caller
        cannot see), InputError (invalid fields, a name clash, or a stale expected_version).
        """
        self._may_write()
        props = checked_props(draft)
        if draft.id is None:
            return await self._create(draft, props)
        return await self._update(draft.id, props, draft.expected_version, "save_risk_profile")

    async def retire(self, profile_id: str, expected_version: int | None = None) -> str:
        """Set a profile's status to retired (it stops scoring); its history stays."""
        self._may_write()
        return await self._update(profile_id, None, expected_version, "retire_risk_profile")

    async def _create(self, draft: ProfileDraft, props: dict[str, Any]) -> str:
        principal = self.principal
        profile_id = stable_id("RiskProfile", principal.agency, props["name"])
        level = Distribution(draft.distribution) if draft.distribution else DEFAULT_DISTRIBUTION
        share_with = tuple(dict.fromkeys(draft.share_with))
        if not self.policy.may_share(principal, None, level, share_with):
            raise ForbiddenError(f"the sharing policy does not let {principal.agency} "
                                 f"distribute profiles at {level.value}")
        await self._clash(profile_id, props["name"], creating=True)
        now = int(time.time() * 1000)
        record = NodeRecord("RiskProfile", profile_id,
                            {**props, "status": "active", "version": 1, "changed_at": now},
                            Sharing(principal.agency, principal.party, level, share_with),
                            Provenance(SOURCE, f"{principal.agency}:{props['name']}", now))
        await self.audit.record(principal, "save_risk_profile", [(profile_id, principal.agency)],
                                self.purpose)
        await GraphWriter(self.reader.store).write([record])
        return profile_id

    async def _update(self, profile_id: str, props: dict[str, Any] | None,
                      expected: int | None, operation: str) -> str:
        principal = self.principal
        node = await self.reader.node(profile_id)
        if node is None or node.get("kind") != "RiskProfile":
            raise NotFoundError(f"no risk profile {profile_id} is visible to you")
        if node.get("owner_agency") != principal.agency:
            raise ForbiddenError(f"only the owner agency {node.get('owner_agency')} may change "
                                 f"profile {profile_id}")
        current = int(node.get("version") or 1)
        if expected is not None and expected != current:
            raise InputError(f"profile {profile_id} is at version {current}, not {expected}: "
                             "someone changed it; reload it and apply your change again")
        if props is None:  # retire: keep the content, change the status
            props = {k: node.get(k) for k in ("name", "criteria", "weight", "valid_from",
                                              "valid_until", "description")}
            status = "retired"
        else:
            if props["name"] != node.get("name"):
                await self._clash(profile_id, props["name"], creating=False)
            status = "active"
        now = int(time.time() * 1000)
        record = NodeRecord(
            "RiskProfile", profile_id,
            {**props, "status": status, "version": current + 1, "changed_at": now},
            Sharing(principal.agency, principal.party, Distribution(node["distribution"]),
                    tuple(node.get("share_with") or ())),
            Provenance(SOURCE, f"{principal.agency}:{props['name']}", now))
        row = node_row(record)  # the writer's own validation and revision hash
        await self.audit.record(principal, operation, [(profile_id, principal.agency)],
                                self.purpose)
        # Properties absent from a new version (a cleared validUntil) must be removed, not kept.
        cleared = {k: None for k in ("valid_from", "valid_until", "description")
                   if k not in row["props"]}
        done = await self.reader.store.run(cypher.UPDATE_PROFILE, {
            "id": profile_id, "agency": principal.agency, "party": principal.party,
            "expected": current, "props": {**row["props"], **cleared}})
        if not done:
            raise InputError(f"profile {profile_id} changed while you saved it; reload it and "
                             "apply your change again")
        return profile_id
