"""The process settings a serving or ingesting hub applies after start-up."""

from __future__ import annotations

import gc

from hub.runtime import YOUNG_COLLECTION_EVERY, settle_heap


def test_settle_heap_freezes_start_up_objects_and_collects_young_ones_less_often() -> None:
    before = gc.get_threshold()
    start_up = [object() for _ in range(3)]  # stands for the schema, policy, caches
    try:
        settle_heap()
        assert gc.get_freeze_count() >= len(start_up)
        assert gc.get_threshold() == (YOUNG_COLLECTION_EVERY, before[1], before[2])
    finally:  # the rest of the suite runs with Python's defaults
        gc.unfreeze()
        gc.set_threshold(*before)
