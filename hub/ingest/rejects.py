"""Rejected records put aside for inspection: ``<data_dir>/rejected/<run-id>/``.

Each rejected record's raw text goes to its own numbered file (``00001.xml``, ``00002.csv``...)
and one line per rejection to ``reasons.jsonl``: where it came from, why, and which file holds
it. The folder is created on the first rejection only, so a clean run leaves nothing behind.
"""

from __future__ import annotations

import json
from pathlib import Path

from hub.ingest.connector import Rejected


class RejectFolder:
    """Writes the rejections of one run; never overwrites (run ids are unique)."""

    def __init__(self, data_dir: Path, run_id: str) -> None:
        self.path = data_dir / "rejected" / run_id
        self._count = 0

    @property
    def used(self) -> bool:
        return self._count > 0

    def put(self, rejected: Rejected, suffix: str) -> None:
        """Store ``rejected`` (its fragment, when it has one) and its reason."""
        if self._count == 0:
            self.path.mkdir(parents=True, exist_ok=False)
        self._count += 1
        name = None
        if rejected.fragment is not None:
            name = f"{self._count:05d}{suffix}"
            (self.path / name).write_text(rejected.fragment, encoding="utf-8")
        line = {
            "n": self._count, "origin": rejected.origin, "position": rejected.position,
            "source_ref": rejected.source_ref, "reason": rejected.reason, "fragment": name,
        }
        with (self.path / "reasons.jsonl").open("a", encoding="utf-8") as reasons:
            reasons.write(json.dumps(line, ensure_ascii=False) + "\n")
