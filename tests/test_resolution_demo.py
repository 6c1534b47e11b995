"""The matcher judged through the graph on the small demo dataset, against its ground truth."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from hub.analysis.resolution.scorecard import Scorecard, judge_on_graph
from hub.cli import app
from hub.demo import seed
from hub.demo.truth import GroundTruth
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.migrations import migrate

GRAPH = "test_resolution_demo"


def test_the_matcher_finds_the_demos_same_companies_through_the_graph(
    falkor_server: EmbeddedFalkor, tmp_path: Path,
) -> None:
    def graph() -> FalkorStore:  # one client per event loop
        return FalkorStore.over_socket(str(falkor_server.socket_path), GRAPH, timeout_ms=60_000)

    async def seeded_and_judged() -> tuple[Path, Scorecard]:
        store = graph()
        try:
            await migrate(store)
            report = await seed(store, "small", 2025, truth_dir=tmp_path)
            assert report.truth_path is not None
            return report.truth_path, await judge_on_graph(
                store, GroundTruth.read(report.truth_path))
        finally:
            await store.close()

    async def drop() -> None:
        store = graph()
        await store.clear()
        await store.close()

    try:
        truth_path, card = asyncio.run(seeded_and_judged())
        assert (card.operators, card.labelled) == (320, 20)
        assert card.precision >= 0.95
        assert card.recall >= 0.95
        easy_found, easy = card.found_by_difficulty["easy"]
        assert easy_found == easy > 0  # a shared tax id is never missed
        assert set(card.found_by_difficulty) == {"easy", "medium", "hard"}
        assert card.hard_negatives[1] > 0
        assert card.hard_negatives[0] == 0  # no look-alike company is taken for the same
        env = {"HUB_DATA_DIR": str(falkor_server.data_dir), "HUB_GRAPH_NAME": GRAPH,
               "HUB_GRAPH_URI": "embedded:", "COLUMNS": "120"}
        result = CliRunner().invoke(app, ["resolve", "evaluate", "--truth", str(truth_path)],
                                    env=env)
        assert result.exit_code == 0, result.output
        assert f"precision                            │    {card.precision:.3f}" in result.output
        assert f"recall                               │    {card.recall:.3f}" in result.output
        # another graph (empty) is refused with a message naming the demo to seed
        elsewhere = CliRunner().invoke(app, ["resolve", "evaluate", "--truth", str(truth_path)],
                                       env={**env, "HUB_GRAPH_NAME": GRAPH + "_empty"})
        assert elsewhere.exit_code == 2
        assert "hub seed --scale small --seed 2025" in elsewhere.output
        no_agency = CliRunner().invoke(app, ["resolve"], env=env)
        assert no_agency.exit_code == 2
        assert "--agency" in no_agency.output
    finally:
        asyncio.run(drop())
