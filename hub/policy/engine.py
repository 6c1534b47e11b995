"""The policy seam: what the rest of the hub asks the data-sharing policy, and its answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from hub.model import Distribution, Sharing
from hub.principal import Principal
from hub.visibility import Visibility


@dataclass(frozen=True, slots=True)
class Grants:
    """Everything the policy grants one (agency, roles): compiled once, then cached.

    ``visibility`` has no case tokens yet (they come from the graph per request);
    ``personal_listed`` says whether those tokens also unmask personal data.
    """

    agency: str
    party: str
    agency_type: str
    roles: tuple[str, ...]
    communities: tuple[str, ...]
    visibility: Visibility
    personal_listed: bool
    writes: frozenset[str]
    distribute: frozenset[str]
    audit: bool

    @property
    def is_nobody(self) -> bool:
        return not self.roles


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """Counts for ``hub policy check``: rows per file and action, and fail-closed warnings."""

    directory: str
    rows_by_file: tuple[tuple[str, int], ...]
    grants_by_action: tuple[tuple[str, int], ...]
    agencies_with_audiences: int
    agencies_total: int
    warnings: tuple[str, ...]


class PolicyEngine(Protocol):
    """The data-sharing agreement as the hub applies it (implemented by ``CasbinPolicy``)."""

    def visibility(self, principal: Principal, extra_tokens: Sequence[str] = ()) -> Visibility:
        """The access-filter parameters for ``principal``.

        Called by the app once per request. ``extra_tokens`` are the ``case:<id>`` tokens of
        the cases the principal's agency is a member of (looked up in the graph by the caller).
        A principal the policy does not know gets a Visibility that matches nothing.
        Raises InputError for an extra token that is not a ``case:`` token.
        """
        ...

    def may_write(self, principal: Principal, kind: str) -> bool:
        """Whether ``principal`` may create or change records of ``kind`` (a label or type).

        Called by mutations and the ingest pipeline before writing; False for unknown kinds.
        """
        ...

    def may_share(
        self,
        principal: Principal,
        record_sharing: Sharing | None,
        new_distribution: Distribution,
        new_share_with: Sequence[str],
    ) -> bool:
        """Whether ``principal`` may give a record this distribution and share list.

        ``record_sharing`` is the record's current sharing (None for a new record, owned by the
        principal's agency). Only the owner agency may change sharing, and only to levels the
        policy lets its agency type and role distribute to. Raises InputError for a malformed
        or unknown share-list token.
        """
        ...

    def may_audit(self, principal: Principal) -> bool:
        """Whether ``principal`` may query who accessed its own agency's records."""
        ...

    def grants(self, principal: Principal) -> Grants:
        """The compiled grants of ``principal`` (cached per agency and roles)."""
        ...

    def describe(self, agency: str, role: str) -> Grants:
        """What ``agency`` acting with ``role`` is granted; for ``hub policy check``.

        Raises InputError for an agency the reference data does not know, or an unknown role.
        """
        ...

    def summary(self) -> PolicySummary:
        """Counts and warnings of the loaded policy; for ``hub policy check``."""
        ...

    def reload(self) -> None:
        """Read the policy files again and switch to them atomically.

        Raises PolicyError (naming file and line) and keeps the current policy when invalid.
        """
        ...
