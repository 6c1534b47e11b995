"""The graph package: store port, FalkorDB and Neo4j adapters, embedded server, all Cypher."""
