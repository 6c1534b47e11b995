"""What one caller may see, as plain values: the parameters of the access filter.

The policy package computes a :class:`Visibility` from a principal; the graph package turns it
into the ``$vis`` parameter of every read. Nothing here decides policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Audience:
    """The audiences a caller belongs to, for one kind of access (records, or personal data).

    ``agency`` sees its own records; ``parties`` see PARTY-level records of those parties;
    ``levels`` are the wide distribution levels the caller is in; ``tokens`` match share lists
    (``agency:RS-CUS``, ``party:RS``, ``case:<id>``).
    """

    agency: str
    parties: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()

    @classmethod
    def nobody(cls) -> Audience:
        """An audience that matches no record (an agency code no record can have)."""
        return cls(agency="<nobody>")


@dataclass(frozen=True, slots=True)
class Visibility:
    """Record access plus personal-data access, and the record kinds the caller may read."""

    records: Audience
    personal: Audience
    kinds: tuple[str, ...]

    def as_params(self) -> dict[str, Any]:
        """The ``$vis`` map every filtered statement takes."""
        return {
            "agency": self.records.agency,
            "parties": list(self.records.parties),
            "levels": list(self.records.levels),
            "audiences": list(self.records.tokens),
            "kinds": list(self.kinds),
            "pd_agency": self.personal.agency,
            "pd_parties": list(self.personal.parties),
            "pd_levels": list(self.personal.levels),
            "pd_audiences": list(self.personal.tokens),
        }
