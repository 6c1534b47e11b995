"""Entity resolution of economic operators: the same company in Cyrillic and Latin, with and
without its legal form, under several tax ids — proposed as explainable SAME_AS links, never merged.

Pure-Python core (records, blocking, scoring, matcher, evaluation) over :class:`OperatorView`
values; :mod:`hub.analysis.resolution.service` reads operators from and writes links to the graph.
"""

from hub.analysis.resolution.blocking import BlockStats, candidate_pairs
from hub.analysis.resolution.evaluation import evaluate
from hub.analysis.resolution.matcher import MatchRun, find_matches
from hub.analysis.resolution.records import (
    MatchConfig,
    MatchProposal,
    OperatorView,
    contact_key,
    place_key,
    prepare,
)
from hub.analysis.resolution.scoring import score_pair

__all__ = [
    "BlockStats",
    "MatchConfig",
    "MatchProposal",
    "MatchRun",
    "OperatorView",
    "candidate_pairs",
    "contact_key",
    "evaluate",
    "find_matches",
    "place_key",
    "prepare",
    "score_pair",
]
