"""Finding and fetching pages: links, addresses, pace, retries, the browser, view counters, WARC."""
