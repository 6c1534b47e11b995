"""Benchmarks of the hub (run with ``make bench`` or ``python -m bench``)."""
