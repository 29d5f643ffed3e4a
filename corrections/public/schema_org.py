"""schema.org JSON-LD for corrected articles: NewsArticle with its `correction` list of
CorrectionComment, the shape schema.org's examples give, and the publisher's correctionsPolicy."""
from __future__ import annotations

from flask_babel import gettext as _

from ..models import PublicCorrection, PublicStatus, Site
from .record import ArticleRecord


def iso(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def public_text(entry: PublicCorrection) -> str:
    """The note as the public reads it, with the withdrawal notice when there is one."""
    if entry.status is PublicStatus.WITHDRAWN:
        return _("%(note)s (Withdrawn on %(date)s because: %(reason)s)", note=entry.note,
                 date=entry.withdrawn_at.strftime("%Y-%m-%d"), reason=entry.withdrawal_reason)
    return entry.note


def publisher(site: Site) -> dict:
    block = {"@type": "NewsMediaOrganization", "name": site.name}
    if site.corrections_policy_url:
        block["correctionsPolicy"] = site.corrections_policy_url
    return block


def correction_comment(entry: PublicCorrection, entry_url: str) -> dict:
    block = {"@type": "CorrectionComment", "url": entry_url, "text": public_text(entry),
             "datePublished": iso(entry.published_at)}
    if entry.changed_at != entry.published_at:
        block["dateModified"] = iso(entry.changed_at)
    return block


def news_article(record: ArticleRecord, site: Site, entry_url) -> dict:
    """One corrected article; `entry_url(entry)` is where the public record shows an entry."""
    block = {"@type": "NewsArticle", "url": record.article.url,
             "mainEntityOfPage": record.article.url}
    if record.article.title:
        block["headline"] = record.article.title
    block["publisher"] = publisher(site)
    block["correction"] = [correction_comment(entry, entry_url(entry)) for entry in record.entries]
    return block


def document(records: list[ArticleRecord], site: Site, entry_url) -> dict:
    """The block a page embeds: one NewsArticle, or a @graph of them."""
    blocks = [news_article(record, site, entry_url) for record in records]
    if len(blocks) == 1:
        return {"@context": "https://schema.org", **blocks[0]}
    return {"@context": "https://schema.org", "@graph": blocks}
