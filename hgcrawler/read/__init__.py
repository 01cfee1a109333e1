"""Reading pages, in pure functions: article fields, bylines, plausibility, the page template,
text, URL keys, reasons for rejects and differences between revisions."""
