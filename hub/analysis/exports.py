"""Exports of a link-analysis result for analysts' tools: GraphML, i2 CSV, Cytoscape JSON.

Only what the result holds is exported: its nodes and edges were read under the caller's
visibility, and labels of people are masked unless the caller may see their names.

i2 Analyst's Notebook CSV (an entity/link table, one row per edge; a node without edges gets
a row with only the Entity1 columns). Columns, in this order:

    Entity1 Type, Entity1 ID, Entity1 Label, Link Type, Entity2 Type, Entity2 ID,
    Entity2 Label, Date

Entity1 is the edge's source, Entity2 its target, Link Type the relationship type, Date the
edge's time (a crossing) or else the date of the target or source record, as ISO 8601 text.
A cell that a spreadsheet would read as a formula (starting with = + - @ or a tab) gets a
leading apostrophe.

Cytoscape JSON: ``{"elements": {"nodes": [{"data": {...}}], "edges": [{"data": {...}}]}}`` with
``id``/``source``/``target`` as Cytoscape expects, plus kind, label, type, level, time,
visibleBecause and, for a network, its measures.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import networkx as nx

from hub.analysis.links import LinkGraph, iso_text
from hub.analysis.network import Measures

I2_COLUMNS = ("Entity1 Type", "Entity1 ID", "Entity1 Label", "Link Type", "Entity2 Type",
              "Entity2 ID", "Entity2 Label", "Date")

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    GRAPHML = "GRAPHML"
    I2_CSV = "I2_CSV"
    CYTOSCAPE_JSON = "CYTOSCAPE_JSON"


def export(graph: LinkGraph, fmt: ExportFormat,
           measures: Mapping[str, Measures] | None = None) -> str:
    """``graph`` in format ``fmt`` (measures, when given, go into GraphML and Cytoscape)."""
    if fmt is ExportFormat.GRAPHML:
        return to_graphml(graph, measures)
    if fmt is ExportFormat.I2_CSV:
        return to_i2_csv(graph)
    return to_cytoscape_json(graph, measures)


def _node_data(graph: LinkGraph, measures: Mapping[str, Measures] | None) -> dict[str, dict[
        str, Any]]:
    data: dict[str, dict[str, Any]] = {}
    for node in graph.nodes:
        values: dict[str, Any] = {"kind": node.kind, "label": node.label,
                                  "level": node.level, "visibleBecause": node.visible_because,
                                  "time": iso_text(node.time)}
        if node.more is not None:
            values["more"] = node.more
        if measures and node.id in measures:
            m = measures[node.id]
            values.update(degree=m.degree, component=m.component, community=m.community,
                          betweenness=m.betweenness, pagerank=m.pagerank)
        data[node.id] = {k: v for k, v in values.items() if v is not None}
    return data


def _clean(value: Any) -> Any:
    return _XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def to_graphml(graph: LinkGraph, measures: Mapping[str, Measures] | None = None) -> str:
    """GraphML (networkx writer, so XML escaping is the library's); directed, parallel edges
    kept, edge ids as keys. Characters XML 1.0 forbids become U+FFFD."""
    out = nx.MultiDiGraph()
    for node_id, values in _node_data(graph, measures).items():
        out.add_node(_clean(node_id), **{k: _clean(v) for k, v in values.items()})
    for edge in graph.edges:
        values = {"type": edge.type, "visibleBecause": edge.visible_because,
                  "time": iso_text(edge.time)}
        out.add_edge(_clean(edge.source), _clean(edge.target), key=_clean(edge.id),
                     **{k: _clean(v) for k, v in values.items() if v is not None})
    return "\n".join(nx.generate_graphml(out, edge_id_from_attribute=None)) + "\n"


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def to_i2_csv(graph: LinkGraph) -> str:
    """The entity/link table described in the module docstring."""
    nodes = {node.id: node for node in graph.nodes}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(I2_COLUMNS)
    linked: set[str] = set()
    for edge in graph.edges:
        source, target = nodes[edge.source], nodes[edge.target]
        linked.update((source.id, target.id))
        when = edge.time if edge.time is not None else (target.time or source.time)
        writer.writerow([_cell(v) for v in (
            source.kind, source.id, source.label, edge.type, target.kind, target.id, target.label,
            iso_text(when))])
    for node in graph.nodes:
        if node.id not in linked:
            writer.writerow([_cell(v) for v in (node.kind, node.id, node.label)] + [""] * 5)
    return buffer.getvalue()


def to_cytoscape_json(graph: LinkGraph, measures: Mapping[str, Measures] | None = None) -> str:
    """Cytoscape.js / Cytoscape desktop elements JSON."""
    nodes = [{"data": {"id": node_id, **values}}
             for node_id, values in _node_data(graph, measures).items()]
    edges = [{"data": {k: v for k, v in {
        "id": edge.id, "source": edge.source, "target": edge.target, "type": edge.type,
        "label": edge.type, "visibleBecause": edge.visible_because,
        "time": iso_text(edge.time)}.items() if v is not None}} for edge in graph.edges]
    return json.dumps({"elements": {"nodes": nodes, "edges": edges}}, ensure_ascii=False,
                      sort_keys=False)
