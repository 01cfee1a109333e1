"""Benchmarks run from a checkout: ``python -m benchmarks.run`` (README: "Performance")."""
