"""The deterministic synthetic CEFTA dataset: ``generate`` streams it, ``seed`` loads it.

    generate(scale, seed) -> DemoStream   chunks of records; .truth is the GroundTruth
    seed(store, scale, seed, progress)    writes through GraphWriter -> SeedReport
    SCALES                                the size table (small, medium, large)
"""

from hub.demo.generator import DEFAULT_SEED, DemoStream, generate
from hub.demo.scales import REFERENCE_DATE, SCALES, Scale
from hub.demo.seeding import SeedProgress, SeedReport, prepare_and_seed, seed
from hub.demo.truth import GroundTruth

__all__ = [
    "DEFAULT_SEED",
    "REFERENCE_DATE",
    "SCALES",
    "DemoStream",
    "GroundTruth",
    "Scale",
    "SeedProgress",
    "SeedReport",
    "generate",
    "prepare_and_seed",
    "seed",
]
