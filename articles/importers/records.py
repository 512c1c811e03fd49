"""What a parser hands the writer: an article as the file states it, before any lookup."""

import datetime
from dataclasses import dataclass, field


@dataclass
class Credit:
    """One author's credit, with every spelling and the affiliation as printed."""

    printed_name: str  # the byline
    signature_name: str = ""  # the same person as signed under the text, if signed
    affiliation: str = ""  # as printed, e.g. "the Department for Korea and Mongolia at the Institute …"
    degree: str = ""
    position: str = ""
    units: list = field(default_factory=list)  # affiliations.Unit, innermost first
    author: object = None  # the Author, when the format has already identified them (a WordPress login)

    @property
    def canonical_name(self):
        # The signature spells the name out in full; bylines are often abbreviated or misspelt.
        return self.signature_name or self.printed_name


@dataclass
class ArticleRecord:
    source_ref: str  # stable across re-imports: how the writer finds the article again
    title: str
    body: str  # HTML
    publish_at: datetime.datetime
    language: str
    credits: list = field(default_factory=list)
    exclusive_to: str = ""  # the publication an "exclusively for …" credit names; "" when none
    related_titles: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    source_hash: str = ""  # of the source as read: the same hash means there is nothing to import
    # More Article fields the source states and the importer owns: {"standfirst": …, "status": …}.
    fields: dict = field(default_factory=dict)
    slug: str = ""  # wanted for a new article (made unique); an existing article keeps its own
    tags: list | None = None  # taggit Tags; None when the format has none (the article's are left alone)
    # Fields the format sets after save_article (a lead image), hashed with the rest to notice editors' changes.
    state_fields: list = field(default_factory=list)
    format: str = ""  # the ledger's format name; "" keeps the article out of the ledger
