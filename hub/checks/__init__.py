"""Checks that turn documents, authorisations and border messages into risk signals.

LPCO validation (rules in :mod:`hub.checks.lpco_rules`, shared with the risk scorer; checks
in :mod:`hub.checks.lpco`, stored by :mod:`hub.checks.lpco_runs`), AEO status history and
priority passage (:mod:`hub.checks.aeo`, :mod:`hub.checks.aeo_changes`), SEED exit/entry matching
(:mod:`hub.checks.seed_matching`, over the graph :mod:`hub.checks.seed_runs`); every problem is
a :class:`~hub.checks.signals.Signal`.
"""

from hub.checks.lpco import lpco_report, lpco_signals
from hub.checks.lpco_rules import LpcoRules
from hub.checks.seed_matching import MatchRules, SeedMatcher, match_messages
from hub.checks.signals import Severity, Signal, SignalKind

__all__ = ["LpcoRules", "MatchRules", "SeedMatcher", "Severity", "Signal", "SignalKind",
           "lpco_report", "lpco_signals", "match_messages"]
