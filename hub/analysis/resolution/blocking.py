"""Blocking: which operator pairs are worth scoring, without comparing everyone with everyone.

Each operator gets a few blocking keys; only operators sharing a key are compared. Keys:

* ``id``   the match key of each identifier (valid or not: the same mistyped number still counts);
* ``name`` the sorted significant name words (same name in any order, script or legal form);
* ``word`` each significant name word's first letters, within a country (catches typos and
  extra words in the other words);
* ``typo`` each rare name word and its one-letter deletions, within a country (catches a typo
  anywhere in a brand word);
* ``contact`` each phone number or e-mail address; ``address`` each address within a country.

A block bigger than ``max_block`` is split by city, and parts still too big are skipped and
counted; an oversized ``word`` block is skipped whole. A word such as "trade" or a
business-centre address would otherwise make the work quadratic.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from hub.analysis.names import STOPWORDS
from hub.analysis.resolution.records import MatchConfig, Prepared


@dataclass(slots=True)
class BlockStats:
    """What blocking did: keys per kind, blocks compared, oversized blocks skipped."""

    blocks: int = 0
    pairs: int = 0
    oversized: int = 0
    skipped_operators: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _words(p: Prepared) -> set[str]:
    return {w for w in p.name.tokens if len(w) >= 3 and w not in STOPWORDS and not w.isdigit()}


def blocking_keys(
    p: Prepared, config: MatchConfig, word_counts: Mapping[tuple[str, str], int] | None = None
) -> Iterator[tuple[str, ...]]:
    """The blocking keys of one prepared operator. ``word_counts`` ((country, word) -> how many
    operators use it) limits the typo keys to rare words; without it every word gets them."""
    for tax_id in p.ids:
        yield ("id", *tax_id.match_key)
    country = p.country or ""
    if p.name.key:
        yield ("name", country, p.name.key)
    rare = config.max_block // 3
    for word in _words(p):
        yield ("word", country, word[:config.prefix_len])
        if 5 <= len(word) <= 14 and (word_counts is None
                                     or word_counts.get((country, word), 0) <= rare):
            # A rare word (a brand, a family name) and its one-letter deletions: two words
            # one typo apart (a letter dropped, swapped or replaced) share one of these keys.
            # Common words need no such keys: the rare words of a name block it.
            yield ("typo", country, word)
            for i in range(len(word)):
                yield ("typo", country, word[:i] + word[i + 1:])
    for contact in p.contacts:
        yield ("contact", contact)
    if p.address:
        yield ("address", country, p.address)


def candidate_pairs(
    prepared: Sequence[Prepared], config: MatchConfig
) -> tuple[set[tuple[int, int]], BlockStats]:
    """Index pairs ``(i, j)``, ``i < j``, of operators that share at least one usable block."""
    word_counts: Counter[tuple[str, str]] = Counter()
    for p in prepared:
        word_counts.update((p.country or "", w) for w in _words(p))
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, p in enumerate(prepared):
        for key in set(blocking_keys(p, config, word_counts)):  # keys of two words may agree
            blocks[key].append(index)
    stats = BlockStats()
    pairs: set[tuple[int, int]] = set()
    for key, members in blocks.items():
        if len(members) < 2:
            continue
        # An oversized word block is skipped whole: split by city it would still pair every
        # "Agro ..." of a city, and the other words of a name block it more selectively.
        split = key[0] not in ("word", "typo")
        for part in _fit(members, prepared, config.max_block, stats, split):
            stats.blocks += 1
            stats.by_kind[key[0]] += 1
            pairs.update(combinations(part, 2))  # members are in index order: i < j
    stats.pairs = len(pairs)
    return pairs, stats


def _fit(
    members: list[int], prepared: Sequence[Prepared], limit: int, stats: BlockStats, split: bool
) -> Iterator[list[int]]:
    """The block itself if small enough, else (if ``split``) its parts by city that are; count
    the operators left out."""
    if len(members) <= limit:
        yield members
        return
    if not split:
        stats.oversized += 1
        stats.skipped_operators += len(members)
        return
    by_city: dict[str, list[int]] = defaultdict(list)
    for index in members:
        city = prepared[index].city
        if city is not None:
            by_city[city].append(index)
    stats.oversized += 1
    kept = 0
    for part in by_city.values():
        if 2 <= len(part) <= limit:
            kept += len(part)
            yield part
    stats.skipped_operators += len(members) - kept
