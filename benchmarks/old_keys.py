"""An archive as releases before schema 4 wrote it: URL keys were whole canonical URLs
(for tests/test_rekey.py and the migration benchmark, benchmarks/migrate_bench.py).

:func:`age_to_url_keys` rewrites an archive of today (articles keyed by the site's ids,
as ``benchmarks.archive.build_archive`` writes them) into one whose articles are keyed
by the canonical URL they were first archived at (``haugiang:https://haugiang.dcs.vn/
tin-tuc/...``), every document that names an article following, marked schema 3 and
without what schema 4 added (``places``, ``sites.hosts``, an entry's ``url``).  It is
written here, from ``docs/archive.md`` of schema 3, not with the migration's code.
"""

from __future__ import annotations

from typing import Any

from hgcrawler.urls import canonical_url


def old_key(doc: dict[str, Any]) -> str:
    """The key a release before schema 4 gave the article: the URL first archived."""
    first = (doc.get("old_urls") or [None])[0] or doc["url"]
    return canonical_url(str(first))


def age_to_url_keys(db: Any, *, every: int = 1, scheme: str | None = None) -> dict[str, str]:
    """Every ``every``-th article gets its URL as key (``scheme`` forces ``http``/``https``
    on that URL); returns old id → the id it had (the id of today, for comparing)."""
    renamed: dict[str, str] = {}
    for index, doc in enumerate(db.articles.find({}).sort("_id", 1)):
        if index % every:
            continue
        key = old_key(doc)
        if scheme is not None:
            key = scheme + key[key.index("://") :]
        new_id = f"{doc['site']}:{key}"
        renamed[str(doc["_id"])] = new_id
        db.articles.insert_one({**doc, "_id": new_id, "key": key})
        db.articles.delete_one({"_id": doc["_id"]})
        for bucket in db.observations.find({"article_id": doc["_id"]}):
            month = str(bucket["_id"]).rpartition("|")[2]
            db.observations.insert_one({**bucket, "_id": f"{new_id}|{month}", "article_id": new_id})
            db.observations.delete_one({"_id": bucket["_id"]})
        for revision in db.revisions.find({"article_id": doc["_id"]}):
            revision_id = f"{new_id}:{revision['content_hash']}"
            db.revisions.insert_one({**revision, "_id": revision_id, "article_id": new_id})
            db.revisions.delete_one({"_id": revision["_id"]})
        for move in db.moves.find({"article_id": doc["_id"]}):
            move_id = str(move["_id"]).replace(str(doc["_id"]), new_id, 1)
            db.moves.delete_one({"_id": move["_id"]})
            db.moves.insert_one({**move, "_id": move_id, "article_id": new_id})
    for name in ("article_id", "kept_as", "other_article"):
        for reject in db.rejects.find({name: {"$in": sorted(renamed)}}):
            db.rejects.update_one({"_id": reject["_id"]}, {"$set": {name: renamed[reject[name]]}})
    db.articles.update_many({}, {"$unset": {"places": ""}})
    db.observations.update_many({}, {"$unset": {"obs.$[].url": ""}})
    db.sites.update_many({}, {"$unset": {"hosts": ""}})
    db.meta.update_one({"_id": "schema"}, {"$set": {"version": 3}}, upsert=True)
    return {new: old for old, new in renamed.items()}
