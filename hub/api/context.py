"""The per-request context: who is calling, their reader, and what personal data they saw."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hub.graph.reader import GraphReader
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.principal import Principal
from hub.visibility import Visibility


@dataclass(slots=True)
class RequestContext:
    """Built once per GraphQL request by the app; never shared between requests or callers.

    ``personal_reads`` collects (record id, owner agency) of every record whose personal fields
    were returned unmasked, so the audit trail can record them when the operation ends.
    ``reauthenticate`` (websockets only) checks the connection's credentials again: long-lived
    operations call it before each delivery; it raises AuthenticationError once they expired.
    """

    principal: Principal
    visibility: Visibility
    reader: GraphReader
    purpose: str | None = None
    policy: PolicyEngine | None = None
    audit: AuditTrail | None = None
    services: dict[str, Any] = field(default_factory=dict)
    personal_reads: dict[str, str] = field(default_factory=dict)
    reauthenticate: Callable[[], Awaitable[Principal]] | None = None
