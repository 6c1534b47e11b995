"""CEFTA Risk Information Hub: a shared risk graph with per-agency access control."""

__version__ = "0.1.0"
