"""The demo dataset as a stream of record chunks: reference data, population, intelligence,
then consignments, all drawn from one ``random.Random`` seeded by (scale, seed).

Conventions (the whole demo keeps them):
- Ids are ``model.stable_id`` of natural keys (tax number, plate, MRN, certificate number...),
  so the same seed always yields the same ids and re-seeding changes nothing.
- No wall clock: the demo's "today" is ``scales.REFERENCE_DATE`` (2026-01-01); consignments
  fall in the 365 days before it, and statuses (expired, active...) are as of that date.
- Instants (``declared_at``, ``issued_at``, ``controlled_at``, ``opened_at``, ``raised_at``,
  ``CROSSED.at``) are ISO 8601 UTC text ``YYYY-MM-DDTHH:MM:SSZ``, as the connectors and the
  alerts service store them, so they sort as text; calendar days (``birth_date``,
  ``valid_from``, ``valid_until``, ``since``, ``status_changed_at``) are ``YYYY-MM-DD``; only
  provenance ``ingested_at`` is epoch milliseconds (the model's rule).
- Provenance ``source`` is ``demo``; ``source_ref`` is the record's natural reference.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from hub.demo.actors import PopulationBuilder
from hub.demo.fleets import FleetBuilder
from hub.demo.intelligence import IntelligenceBuilder
from hub.demo.scales import REFERENCE_DATE, Scale, get_scale
from hub.demo.traffic import TrafficGenerator
from hub.demo.truth import GroundTruth
from hub.demo.world import reference_records
from hub.model import Record

DEFAULT_SEED = 2025


class DemoStream(Iterator[list[Record]]):
    """Chunks of records to write in order (a chunk's edges only need nodes of that chunk or
    earlier ones). ``truth`` fills as the stream advances and is complete once it is exhausted.
    """

    def __init__(self, scale: Scale, seed: int) -> None:
        self.scale = scale
        self.seed = seed
        self.truth = GroundTruth(scale.name, seed, REFERENCE_DATE.isoformat())
        self.stage = "reference"
        self.exhausted = False
        self._chunks = self._generate()

    def __iter__(self) -> DemoStream:
        return self

    def __next__(self) -> list[Record]:
        try:
            return next(self._chunks)
        except StopIteration:
            self.exhausted = True
            raise

    def _generate(self) -> Iterator[list[Record]]:
        # A string seed is hashed with SHA-512 by random.Random: stable across runs and
        # independent of PYTHONHASHSEED.
        rng = random.Random(f"cefta-demo/{self.scale.name}/{self.seed}")  # noqa: S311
        yield reference_records()
        self.stage = "operators"
        population = PopulationBuilder(rng, self.scale, self.truth)
        yield from population.build()
        self.stage = "fleets"
        yield from FleetBuilder(rng, self.scale, population.pop).build()
        population.close_rings()
        self.stage = "intelligence"
        intelligence = IntelligenceBuilder(rng, self.scale, population.pop, self.truth)
        yield from intelligence.build()
        self.stage = "consignments"
        yield from TrafficGenerator(rng, self.scale, population.pop, intelligence.intel,
                                    self.truth).stream()
        self.stage = "done"


def generate(scale: str | Scale = "small", seed: int = DEFAULT_SEED) -> DemoStream:
    """The dataset of ``scale`` (a name from ``scales.SCALES`` or a Scale) for ``seed``.

    Same arguments, same records in the same order. Raises InputError for an unknown scale.
    """
    return DemoStream(get_scale(scale) if isinstance(scale, str) else scale, seed)
