"""Ingest: the connector protocol, and the pipeline that validates, stamps and writes records."""
