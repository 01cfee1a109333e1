"""A site's page template, learned from its pages: the text that is not the article.  Pure.

Every article page of a portal carries the same chrome around its article: menus,
share bars, "related news" headings, comment forms, sidebars, footers.  Their
texts repeat from page to page; an article's own text does not.  So the blocks
whose (folded) text appears on most of a handful of a site's article pages are the
site's template, whatever words the portal uses: :func:`hgcrawler.read.extraction.extract_article`
skips such blocks inside an article and ends the article at the first one after
its text (``docs/extraction.md``).

The template is data: :meth:`PageTemplate.to_doc` / :meth:`PageTemplate.from_doc`
keep it with the site in the archive, as the counter templates are kept.

>>> learner = TemplateLearner(sample=3)
>>> for text in ("tin a", "tin b", "tin c"):
...     learner.add({text, "co the ban quan tam", "chia se"})
>>> sorted(learner.template().texts)
['chia se', 'co the ban quan tam']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MIN_PAGES", "REPEAT_SHARE", "PageTemplate", "TemplateLearner", "learn_template"]

#: Fewer pages than this say nothing about what repeats.
MIN_PAGES = 3
#: A text on at least this share of the sampled pages is the template's.
REPEAT_SHARE = 0.6
#: Longer blocks are never template (chrome is short; a repeated long text is rare and
#: better kept than lost).
MAX_TEXT_CHARS = 300
#: At most this many texts are kept (the most repeated first).
MAX_TEXTS = 1500
#: Article pages a crawl learns its template from.
DEFAULT_SAMPLE = 20


@dataclass(frozen=True)
class PageTemplate:
    """The folded texts of the blocks that repeat across a site's article pages."""

    texts: frozenset[str]
    pages: int  # how many pages it was learned from

    def __contains__(self, folded: object) -> bool:
        return folded in self.texts

    def __len__(self) -> int:
        return len(self.texts)

    def to_doc(self) -> dict[str, Any]:
        return {"texts": sorted(self.texts), "pages": self.pages}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> PageTemplate:
        texts = doc.get("texts") or []
        if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
            raise ValueError("a page template's texts must be a list of strings")
        return cls(frozenset(texts), int(doc.get("pages") or 0))


def learn_template(
    pages: Iterable[Iterable[str]], *, share: float = REPEAT_SHARE, min_pages: int = MIN_PAGES
) -> PageTemplate | None:
    """The template of ``pages`` (each the set of its blocks' folded texts), or None with
    fewer than ``min_pages`` pages."""
    counts: Counter[str] = Counter()
    total = 0
    for texts in pages:
        total += 1
        counts.update({text for text in texts if 0 < len(text) <= MAX_TEXT_CHARS})
    if total < min_pages:
        return None
    needed = max(min_pages, share * total)
    repeated = [text for text, count in counts.most_common() if count >= needed]
    return PageTemplate(frozenset(repeated[:MAX_TEXTS]), total)


class TemplateLearner:
    """Collects the first ``sample`` article pages of a crawl and learns from them."""

    def __init__(
        self,
        sample: int = DEFAULT_SAMPLE,
        *,
        share: float = REPEAT_SHARE,
        min_pages: int = MIN_PAGES,
    ) -> None:
        self.sample = max(sample, min_pages)
        self.share = share
        self.min_pages = min_pages
        self._pages: list[frozenset[str]] = []

    @property
    def seen(self) -> int:
        return len(self._pages)

    @property
    def ready(self) -> bool:
        """True once the sample is complete: the learned template can be trusted."""
        return len(self._pages) >= self.sample

    def wants(self) -> bool:
        return len(self._pages) < self.sample

    def add(self, texts: Iterable[str]) -> None:
        if self.wants():
            self._pages.append(frozenset(texts))

    def template(self) -> PageTemplate | None:
        """What the pages so far say (None before ``min_pages`` pages)."""
        return learn_template(self._pages, share=self.share, min_pages=self.min_pages)
