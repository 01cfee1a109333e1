"""The speed and memory benchmark, run from a source checkout (``docs/performance.md``).

``python -m benchmarks.run`` or ``hgcrawler bench``. Not installed with hgcrawler:
it needs the test extra (trafilatura) and the checkout's replica crawls.
"""
