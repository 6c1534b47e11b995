"""Analysis over the risk graph: link analysis, entity resolution, risk scoring."""
