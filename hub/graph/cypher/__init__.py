"""Every Cypher statement of the hub, one module per concern; importing registers them."""

from hub.graph.cypher import meta, writes  # noqa: F401
