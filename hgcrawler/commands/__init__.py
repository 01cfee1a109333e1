"""Sub-commands of the ``hgcrawler`` CLI, one module each."""
