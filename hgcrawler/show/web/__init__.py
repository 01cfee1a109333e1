"""``hgcrawler serve``: the archive in a web browser, read-only.

``app`` (the Flask application and its safety: headers, methods, escaping),
``routes`` (pages and parameters), ``views`` (what each page shows, from the
reader), ``diffs`` (word-level differences as data), ``templates/`` and
``static/`` (CSS, the charts' script and the vendored uPlot).
"""

from hgcrawler.show.web.app import create_app

__all__ = ["create_app"]
