"""Benchmarks run from a checkout: ``python -m benchmarks.run`` (see ``docs/bench.md``)."""
