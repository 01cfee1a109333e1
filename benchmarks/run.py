"""``python -m benchmarks.run [--articles 5000 20000] [--pages 1000] [--out F] [--quick]``.

The benchmark itself lives in :mod:`hgcrawler.bench`, so that the installed
``hgcrawler bench`` command runs the same code outside a checkout.
"""

from __future__ import annotations

import sys

from hgcrawler.bench import main

if __name__ == "__main__":
    sys.exit(main())
