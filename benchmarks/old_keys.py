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

from pymongo import DeleteOne

from hgcrawler.read.urls import canonical_url


def old_key(doc: dict[str, Any]) -> str:
    """The key a release before schema 4 gave the article: the URL first archived."""
    first = (doc.get("old_urls") or [None])[0] or doc["url"]
    return canonical_url(str(first))


def _replace(db: Any, collection: str, docs: list[dict[str, Any]], old_ids: list[Any]) -> None:
    for start in range(0, len(docs), 1000):
        db[collection].insert_many(docs[start : start + 1000])
    for start in range(0, len(old_ids), 1000):
        chunk = old_ids[start : start + 1000]
        db[collection].bulk_write([DeleteOne({"_id": i}) for i in chunk], ordered=False)


def age_to_url_keys(db: Any, *, every: int = 1, scheme: str | None = None) -> dict[str, str]:
    """Every ``every``-th article gets its URL as key (``scheme`` forces ``http``/``https``
    on that URL); returns old id → the id it had (the id of today, for comparing)."""
    renamed: dict[str, str] = {}
    articles, old_articles = [], []
    for index, doc in enumerate(db.articles.find({}).sort("_id", 1)):
        if index % every:
            continue
        key = old_key(doc)
        if scheme is not None:
            key = scheme + key[key.index("://") :]
        new_id = f"{doc['site']}:{key}"
        renamed[str(doc["_id"])] = new_id
        doc.pop("places", None)
        articles.append({**doc, "_id": new_id, "key": key})
        old_articles.append(doc["_id"])
    _replace(db, "articles", articles, old_articles)
    buckets, old_buckets = [], []
    revisions, old_revisions = [], []
    for bucket in db.observations.find({}):
        renamed_to = renamed.get(str(bucket["article_id"]))
        if renamed_to is not None:
            new_id = renamed_to
            month = str(bucket["_id"]).rpartition("|")[2]
            obs = [{k: v for k, v in e.items() if k != "url"} for e in bucket.get("obs") or []]
            buckets.append({**bucket, "_id": f"{new_id}|{month}", "article_id": new_id, "obs": obs})
            old_buckets.append(bucket["_id"])
    _replace(db, "observations", buckets, old_buckets)
    for revision in db.revisions.find({}):
        renamed_to = renamed.get(str(revision["article_id"]))
        if renamed_to is not None:
            new_id = renamed_to
            revision_id = f"{new_id}:{revision['content_hash']}"
            revisions.append({**revision, "_id": revision_id, "article_id": new_id})
            old_revisions.append(revision["_id"])
    _replace(db, "revisions", revisions, old_revisions)
    moves, old_moves = [], []
    for move in db.moves.find({}):
        old = str(move["article_id"])
        if old in renamed:
            move_id = str(move["_id"]).replace(old, renamed[old], 1)
            moves.append({**move, "_id": move_id, "article_id": renamed[old]})
            old_moves.append(move["_id"])
    _replace(db, "moves", moves, old_moves)
    for name in ("article_id", "kept_as", "other_article"):
        for reject in db.rejects.find({name: {"$in": sorted(renamed)}}):
            db.rejects.update_one({"_id": reject["_id"]}, {"$set": {name: renamed[reject[name]]}})
    db.sites.update_many({}, {"$unset": {"hosts": ""}})
    db.meta.update_one({"_id": "schema"}, {"$set": {"version": 3}}, upsert=True)
    return {new: old for old, new in renamed.items()}
