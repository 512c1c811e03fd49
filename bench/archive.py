"""
A deterministic archive for the benchmark (and for demos): sections, a region
tree, an institution tree, authors with name variants and affiliations, tags,
and N articles with bodies of about 7 KB, bylines, regions, tags and related links.

Everything is drawn from one seeded ``random.Random`` and dated from a fixed
day, so one seed gives one archive on any day, on SQLite and on PostgreSQL.
Rows are written with ``bulk_create``, which skips ``save()``: what ``save()``
would do is done here instead (sanitized bodies, unique ASCII slugs, consistent
publication dates, name variants with their keys). Nor are signals sent:
whatever signals keep current (the search index) is rebuilt afterwards, as
``bench/run.py`` does.

Reference rows (sections, regions, institutions, tags) that already exist are
reused by their natural key, so an archive can be generated beside existing
content; authors and articles are always new.
"""

import datetime as dt
import itertools
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, reset_queries, transaction
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from articles.models import Article, ArticleAuthor, Region, RelatedLink, Section
from articles.sanitize import sanitize_html
from authors.models import Affiliation, Author, AuthorLink, AuthorName, Institution
from authors.names import matching_key, normalize_name, transliterate

from . import words

# The archive's "today": published articles go back ARCHIVE_YEARS from here.
BASE_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ARCHIVE_YEARS = 10
# Scheduled articles must stay in the future whenever the benchmark runs.
SCHEDULED_FROM = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
# Search terms for the benchmark: one in nearly every article, one in about one in a thousand.
COMMON_WORD = "security"
RARE_WORD = "palimpsest"
RARE_EVERY = 1000

DEFAULT_ARTICLES = 10_000
DEFAULT_AUTHORS = 500
DEFAULT_TAGS = 300
BATCH_SIZE = 1000
BODY_SIZE = 7000
# Words drawn in advance for English text (other languages get a tenth), by archive size.
STREAM_WORDS_PER_ARTICLE = 100
STREAM_LENGTH = (100_000, 1_000_000)


class ArchiveNotEmpty(Exception):
    pass


@dataclass
class ArchiveReport:
    articles: int = 0
    authors: int = 0
    name_variants: int = 0
    affiliations: int = 0
    institutions: int = 0
    sections: int = 0
    regions: int = 0
    tags: int = 0
    bylines: int = 0
    related_links: int = 0
    statuses: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rate(self):
        """Articles per second, everything included (reference data, authors, statistics)."""
        return self.articles / self.seconds if self.seconds else 0.0

    def summary(self):
        statuses = ", ".join(f"{count:,} {status}" for status, count in sorted(self.statuses.items()))
        return (
            f"Generated {self.articles:,} articles ({statuses}), {self.authors:,} authors "
            f"({self.name_variants:,} name variants, {self.affiliations:,} affiliations), "
            f"{self.institutions:,} institutions, {self.sections} sections, {self.regions} regions, "
            f"{self.tags} tags, {self.bylines:,} bylines, {self.related_links:,} related links "
            f"in {self.seconds:.1f} s: {self.rate:,.0f} articles/s."
        )


def generate_archive(
    articles=DEFAULT_ARTICLES, *, seed=1, authors=DEFAULT_AUTHORS, tags=DEFAULT_TAGS, force=False, progress=None
):
    """Write the archive for ``seed`` in one transaction; return an :class:`ArchiveReport`.

    Refuses (:class:`ArchiveNotEmpty`) when the database already has articles,
    unless ``force``. ``progress(done, total)`` is called after each batch.
    """
    if not force and Article.objects.exists():
        raise ArchiveNotEmpty(
            f"The database already has articles ({Article.objects.count():,}); --force adds the archive beside them."
        )
    started = time.perf_counter()
    generator = _Generator(seed)
    with transaction.atomic():
        report = generator.write(articles, authors=authors, tags=tags, progress=progress)
    # Planner statistics for the freshly loaded tables, as autovacuum would gather them eventually.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    report.seconds = time.perf_counter() - started
    return report


def article_slug(title, taken, max_length=200):
    """What ``Article.save()`` would pick (see ``authors.models.unique_slug``), unique among ``taken``."""
    base = (slugify(title) or slugify(matching_key(title)) or "item")[:max_length]
    return _unique(base, taken, max_length)


def _unique(base, taken, max_length):
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
    taken.add(slug)
    return slug


def _zipf(count, exponent=1.0):
    return list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(count)))


def _status(index):
    """Five in a hundred are not public: scheduled, drafts, in review, unpublished (in that order of index)."""
    return {13: "scheduled", 29: "draft", 47: "review", 71: "draft", 88: "unpublished"}.get(index % 100, "published")


class _Text:
    """Sentences, paragraphs and bodies in English, Russian or French, from Zipf-weighted word lists.

    Words are drawn once into a long stream per language and sentences are slices
    of it at random offsets: the same word frequencies as drawing each word, at a
    fraction of the cost (the generator's speed is the benchmark's import rate).
    """

    def __init__(self, rng, articles):
        self.rng = rng
        length = max(STREAM_LENGTH[0], min(STREAM_LENGTH[1], articles * STREAM_WORDS_PER_ARTICLE))
        self.places = [name for subs in words.REGIONS.values() for countries in subs.values() for name, _ in countries]
        common = _zipf(len(words.ENGLISH))
        # The rare tail: each word about fifty times rarer than the rarest common one.
        step = (common[-1] - common[-2]) / 50
        rare = [common[-1] + step * (n + 1) for n in range(len(words.ENGLISH_RARE))]
        self.streams = {
            "en": rng.choices(words.ENGLISH + words.ENGLISH_RARE, cum_weights=common + rare, k=length),
            "ru": rng.choices(words.RUSSIAN, cum_weights=_zipf(len(words.RUSSIAN)), k=length // 10),
            "fr": rng.choices(words.FRENCH, cum_weights=_zipf(len(words.FRENCH)), k=length // 10),
        }

    def sentence(self, language, low=8, high=22):
        rng = self.rng
        stream = self.streams[language]
        count = rng.randint(low, high)
        start = rng.randrange(len(stream) - count)
        chosen = stream[start : start + count]
        if language == "en" and rng.random() < 0.35:
            chosen[rng.randrange(count)] = rng.choice(self.places)
        if count > 10 and rng.random() < 0.4:
            chosen[count // 2] += ","
        text = " ".join(chosen)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, language):
        rng = self.rng
        sentences = [self.sentence(language) for _ in range(rng.randint(3, 7))]
        if rng.random() < 0.2:
            n = rng.randrange(len(sentences))
            sentences[n] = f"<em>{sentences[n]}</em>"
        if rng.random() < 0.1:
            sentences.append(f'See the <a href="https://example.org/reports/{rng.randrange(10_000)}">full report</a>.')
        if language == "en" and rng.random() < 0.05:
            sentences.append(f"As the Russian saying goes, «{rng.choice(words.RUSSIAN_QUOTES)}».")
        return "<p>" + " ".join(sentences) + "</p>"

    def body(self, language, rare=False):
        rng = self.rng
        target = max(3500, min(11_000, int(rng.gauss(BODY_SIZE, 1200))))
        parts, size = [], 0
        while size < target:
            n = len(parts)
            if n and n % 4 == 0:
                part = f"<h2>{self.sentence(language, 3, 6)[:-1]}</h2>"
            elif n == 2 and rng.random() < 0.4:
                part = f"<blockquote><p>{self.sentence(language)}</p></blockquote>"
            elif n == 6 and rng.random() < 0.3:
                items = "".join(f"<li>{self.sentence(language, 4, 9)}</li>" for _ in range(rng.randint(3, 5)))
                part = f"<ul>{items}</ul>"
            else:
                part = self.paragraph(language)
            parts.append(part)
            size += len(part)
        if rare:
            parts.append(f"<p>The archive reads like a {RARE_WORD}, each layer written over the last.</p>")
        return sanitize_html("\n".join(parts))

    def title(self, language):
        rng = self.rng
        if language == "ru":
            return f"{rng.choice(words.RUSSIAN_SUBJECTS)}: {rng.choice(words.RUSSIAN_PREDICATES)}"
        if language == "fr":
            return f"{rng.choice(words.FRENCH_SUBJECTS)} : {rng.choice(words.FRENCH_PREDICATES)}"
        region = rng.choice(list(words.REGIONS))
        subregion = rng.choice(list(words.REGIONS[region]))
        topic = rng.choice(words.TOPICS)
        title = rng.choice(words.ENGLISH_TITLES).format(
            country=rng.choice(self.places),
            country2=rng.choice(self.places),
            adj=rng.choice(words.TITLE_ADJECTIVES),
            noun=rng.choice(words.TITLE_NOUNS),
            topic=topic,
            Topic=topic[0].upper() + topic[1:],
            event=rng.choice(words.EVENTS),
            power=rng.choice(words.POWERS[:4]),
            power2=rng.choice(words.POWERS[4:]),
            region=region,
            subregion=subregion,
        )
        return title[0].upper() + title[1:]


@dataclass
class _Person:
    name: str
    first: str
    last: str
    cyrillic: str = ""
    variants: list = field(default_factory=list)  # (name, kind), besides the canonical name
    is_house: bool = False


# Another common romanisation: х → h, й → i, ю → iu, я → ia, ц → tc, щ → sch, ё → yo.
_ALTERNATE = str.maketrans({"х": "h", "й": "i", "ю": "iu", "я": "ia", "ц": "tc", "щ": "sch", "ё": "yo"})


def _latin(cyrillic, table=None):
    text = cyrillic.lower().translate(table) if table else cyrillic
    return " ".join(word.capitalize() for word in transliterate(text).split())


def _feminine(surname):
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


class _Generator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def write(self, article_count, *, authors, tags, progress):
        report = ArchiveReport()
        self.text = _Text(self.rng, article_count)
        self.sections = self._sections(report)
        self.regions = self._regions(report)
        self.institutions = self._institutions(report)
        self.tag_ids = self._tags(tags, report)
        self.people = self._authors(authors, report)
        self._articles(article_count, report, progress)
        return report

    # Reference data, reused when it exists.

    def _sections(self, report):
        existing = {s.name: s.pk for s in Section.objects.all()}
        slugs = set(Section.objects.values_list("slug", flat=True))
        new = [
            Section(name=name, slug=_unique(slugify(name), slugs, 100), order=order)
            for order, (name, _) in enumerate(words.SECTIONS)
            if name not in existing
        ]
        for section in Section.objects.bulk_create(new):
            existing[section.name] = section.pk
        report.sections = len(words.SECTIONS)
        # (pk, share) in the order of words.SECTIONS, for weighted choices.
        return [existing[name] for name, _ in words.SECTIONS], list(
            itertools.accumulate(share for _, share in words.SECTIONS)
        )

    def _regions(self, report):
        """{region name: (pk, [(subregion pk, [country pk …]) …])}."""
        by_key = {(r.parent_id, r.name): r.pk for r in Region.objects.all()}
        by_iso = dict(Region.objects.exclude(iso_code="").values_list("iso_code", "pk"))
        slugs = set(Region.objects.values_list("slug", flat=True))

        def ensure(specs):
            missing = [spec for spec in specs if spec[0] not in by_key and spec[2] not in by_iso]
            created = Region.objects.bulk_create(
                Region(name=name, slug=_unique(slugify(name), slugs, 100), parent_id=parent, kind=kind, iso_code=iso)
                for (parent, name), kind, iso in missing
            )
            for spec, region in zip(missing, created, strict=True):
                by_key[spec[0]] = region.pk
            return [by_iso.get(iso) or by_key[key] for key, _, iso in specs]

        tops = ensure([((None, name), "region", "") for name in words.REGIONS])
        tree = {}
        for top, (name, subregions) in zip(tops, words.REGIONS.items(), strict=True):
            subs = ensure([((top, sub), "subregion", "") for sub in subregions])
            tree[name] = (top, [])
            for sub, countries in zip(subs, subregions.values(), strict=True):
                pks = ensure([((sub, country), "country", iso) for country, iso in countries])
                tree[name][1].append((sub, pks))
        report.regions = len(tops) + sum(len(subs) + sum(len(c) for _, c in subs) for _, subs in tree.values())
        return tree

    def _institutions(self, report):
        """[(pk, printed full name, weight)] for choosing affiliations."""
        by_key = {(i.parent_id, i.name): i.pk for i in Institution.objects.all()}
        slugs = set(Institution.objects.values_list("slug", flat=True))

        def ensure(specs):
            missing = [spec for spec in specs if (spec[0], spec[1]) not in by_key]
            created = Institution.objects.bulk_create(
                Institution(
                    name=name,
                    parent_id=parent,
                    kind=kind,
                    country=country,
                    slug=_unique(slugify(name)[:120], slugs, 120),
                )
                for parent, name, kind, country in missing
            )
            for spec, institution in zip(missing, created, strict=True):
                by_key[spec[0], spec[1]] = institution.pk
            return [by_key[parent, name] for parent, name, _, _ in specs]

        choices = []
        academies = ensure([(None, name, "academy", country) for name, country in words.ACADEMIES])
        others = ensure([(None, name, kind, country) for name, kind, country in words.OTHER_INSTITUTIONS])
        choices += [(pk, name, 1) for pk, (name, _, _) in zip(others, words.OTHER_INSTITUTIONS, strict=True)]
        for academy, ((academy_name, country), institutes) in zip(academies, words.ACADEMIES.items(), strict=True):
            institute_pks = ensure([(academy, name, "institute", country) for name in institutes])
            for institute, (institute_name, departments) in zip(institute_pks, institutes.items(), strict=True):
                choices.append((institute, f"{institute_name}, {academy_name}", 2))
                department_pks = ensure([(institute, name, "department", country) for name in departments])
                for department, name in zip(department_pks, departments, strict=True):
                    choices.append((department, f"{name}, {institute_name}, {academy_name}", 3))
        report.institutions = len(academies) + len(choices)
        return choices

    def _tags(self, count, report):
        """Tag pks, most used first: real topics and places, then combinations, then Cyrillic ones."""
        names = list(dict.fromkeys(words.TOPICS + [name for name, _ in self._countries()]))
        combinations = [f"{adj} {noun}" for adj in words.TOPIC_ADJECTIVES for noun in words.TOPIC_NOUNS]
        combinations = [name for name in combinations if name not in names]
        self.rng.shuffle(names)
        self.rng.shuffle(combinations)
        reserved = len(words.RUSSIAN_TAGS)
        names = names[: count - reserved] + combinations[: max(0, count - reserved - len(names))]
        names += words.RUSSIAN_TAGS[: count - len(names)]
        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "pk"))
        slugs = set(Tag.objects.values_list("slug", flat=True))
        new = [Tag(name=name, slug=_unique(Tag().slugify(name), slugs, 100)) for name in names if name not in existing]
        for tag in Tag.objects.bulk_create(new):
            existing[tag.name] = tag.pk
        report.tags = len(names)
        return [existing[name] for name in names]

    def _countries(self):
        return [c for subs in words.REGIONS.values() for countries in subs.values() for c in countries]

    # Authors: always new.

    def _people(self, count):
        rng = self.rng
        russian_count = round((count - 1) * 0.7)
        firsts = [(name, False) for name in words.RUSSIAN_MALE] + [(name, True) for name in words.RUSSIAN_FEMALE]
        combos = rng.sample(list(itertools.product(firsts, words.RUSSIAN_SURNAMES)), russian_count)
        others = rng.sample(list(itertools.product(words.OTHER_FIRST, words.OTHER_SURNAMES)), count - 1 - russian_count)
        people = [_Person(name="Editorial Board", first="", last="Editorial Board", is_house=True)]
        for (first, female), surname in combos:
            cyrillic = f"{first} {_feminine(surname) if female else surname}"
            name = _latin(cyrillic)
            first_latin, last_latin = name.split(" ", 1)
            person = _Person(name=name, first=first_latin, last=last_latin, cyrillic=cyrillic)
            person.variants.append((cyrillic, AuthorName.Kind.TRANSLITERATION))
            alternate = _latin(cyrillic, _ALTERNATE)
            if normalize_name(alternate) != normalize_name(name):
                person.variants.append((alternate, AuthorName.Kind.BYLINE))
            people.append(person)
        for first, last in others:
            person = _Person(name=f"{first} {last}", first=first, last=last)
            if rng.random() < 0.3:
                person.variants.append((f"{last} {first}", AuthorName.Kind.BYLINE))
            people.append(person)
        for person in people[1:]:
            if rng.random() < 0.4:
                person.variants.append((f"{person.first[0]}. {person.last}", AuthorName.Kind.SIGNATURE))
        return people

    def _authors(self, count, report):
        rng = self.rng
        people = self._people(count)
        slugs = set(Author.objects.values_list("slug", flat=True))
        institutions, weights = self.institutions, list(itertools.accumulate(w for _, _, w in self.institutions))
        rows, plans = [], []
        for person in people:
            position = "" if person.is_house else rng.choice(words.POSITIONS)
            primary = None if person.is_house else rng.choices(institutions, cum_weights=weights)[0]
            previous = rng.choices(institutions, cum_weights=weights)[0] if rng.random() < 0.3 else None
            start = dt.date(BASE_DATE.year - rng.randint(1, 20), rng.randint(1, 12), 1)
            years_before = rng.randint(3, 10)
            rows.append(
                Author(
                    name=person.name,
                    slug=_unique(slugify(person.name)[:120], slugs, 120),
                    sort_name=f"{person.last}, {person.first}" if person.first else person.name,
                    degree="" if person.is_house else rng.choice(words.DEGREES),
                    position=position,
                    bio=f"{person.name} is {position.lower()} at {primary[1]}." if primary else "",
                    is_house_byline=person.is_house,
                )
            )
            plans.append((person, position, primary, previous, start, years_before, rng.random() < 0.25))
        Author.objects.bulk_create(rows)
        names, affiliations, links = [], [], []
        self.credits = []  # per author: (pk, printed affiliation, institution pk, cyrillic name, other variants)
        for author, (person, position, primary, previous, start, years_before, linked) in zip(rows, plans, strict=True):
            for name, kind in [(person.name, AuthorName.Kind.BYLINE), *person.variants]:
                names.append(
                    AuthorName(
                        author=author, name=name, normalized=normalize_name(name), key=matching_key(name), kind=kind
                    )
                )
            if primary:
                affiliations.append(
                    Affiliation(author=author, institution_id=primary[0], position=position, start_date=start)
                )
            if primary and previous:
                affiliations.append(
                    Affiliation(
                        author=author,
                        institution_id=previous[0],
                        position=rng.choice(words.POSITIONS),
                        start_date=start.replace(year=start.year - years_before),
                        end_date=start - dt.timedelta(days=1),
                    )
                )
            if linked:
                links.append(
                    AuthorLink(
                        author=author, label="Institute profile", url=f"https://example.org/people/{author.slug}"
                    )
                )
            alternates = [name for name, kind in person.variants if kind != AuthorName.Kind.TRANSLITERATION]
            self.credits.append(
                (author.pk, primary[1] if primary else "", primary[0] if primary else None, person.cyrillic, alternates)
            )
        AuthorName.objects.bulk_create(names)
        Affiliation.objects.bulk_create(affiliations)
        AuthorLink.objects.bulk_create(links)
        report.authors, report.name_variants, report.affiliations = len(rows), len(names), len(affiliations)
        return people

    # Articles.

    def _articles(self, count, report, progress):
        rng, text = self.rng, self.text
        content_type = ContentType.objects.get_for_model(Article)
        taken = set(Article.objects.values_list("slug", flat=True))
        section_pks, section_weights = self.sections
        region_names = list(words.REGIONS)
        region_weights = list(itertools.accumulate(words.REGION_SHARE[name] for name in region_names))
        tag_weights = _zipf(len(self.tag_ids), 0.9)
        author_weights = _zipf(len(self.credits) - 1, 0.7)  # the house byline signs editorials only
        types = [t for t in Article.Type.values if t != Article.Type.EDITORIAL]
        span = dt.timedelta(days=365 * ARCHIVE_YEARS)
        pks = []
        statuses = {}
        for start in range(0, count, BATCH_SIZE):
            batch = []
            for index in range(start, min(count, start + BATCH_SIZE)):
                language = rng.choices(["en", "ru", "fr"], cum_weights=[92, 98, 100])[0]
                title = text.title(language)
                editorial = rng.random() < 0.02
                kind = _status(index)
                statuses[kind] = statuses.get(kind, 0) + 1
                published = BASE_DATE - span * (count - index) / count + span / count * rng.random()
                publish_at = {
                    "published": published,
                    "unpublished": published,
                    "scheduled": SCHEDULED_FROM + dt.timedelta(hours=index),
                }.get(kind)
                exclusive = rng.random() < 0.3
                article = Article(
                    title=title,
                    slug=article_slug(title, taken),
                    standfirst=" ".join(text.sentence(language) for _ in range(rng.randint(1, 2))),
                    body=text.body(language, rare=index % RARE_EVERY == RARE_EVERY // 2),
                    article_type=Article.Type.EDITORIAL if editorial else rng.choice(types),
                    section_id=rng.choices(section_pks, cum_weights=section_weights)[0],
                    language=language,
                    status="published" if kind == "scheduled" else kind,
                    publish_at=publish_at,
                    first_published_at=publish_at,
                    is_featured=kind == "published" and rng.random() < 0.03,
                    is_exclusive=exclusive,
                    exclusive_to=settings.PUBLICATION_NAME if exclusive else "",
                    # A new article's first version and text revision, as save() numbers them.
                    version=1,
                    text_revision=1,
                )
                if editorial:
                    bylines = [0]
                else:
                    how_many = rng.choices([1, 2, 3], cum_weights=[60, 90, 100])[0]
                    bylines = self._distinct(rng, range(1, len(self.credits)), author_weights, how_many)
                regions = self._article_regions(region_names, region_weights)
                tags = self._distinct(rng, self.tag_ids, tag_weights, rng.randint(1, 6))
                window = range(max(0, index - 2000), index)
                related = rng.sample(window, min(len(window), rng.choice([0, 0, 1, 2, 3, 4, 5])))
                batch.append((article, bylines, regions, tags, related))
            self._write(batch, pks, content_type, report)
            # With DEBUG on, Django keeps every query (bodies included): memory would grow with the archive.
            reset_queries()
            if progress:
                progress(len(pks), count)
        report.articles = len(pks)
        report.statuses = statuses

    def _distinct(self, rng, population, cum_weights, count):
        chosen = []
        while len(chosen) < min(count, len(population)):
            item = rng.choices(population, cum_weights=cum_weights)[0]
            if item not in chosen:
                chosen.append(item)
        return chosen

    def _article_regions(self, names, weights):
        rng = self.rng
        chosen = set()
        for _ in range(rng.choices([1, 2, 3], cum_weights=[50, 85, 100])[0]):
            top, subregions = self.regions[rng.choices(names, cum_weights=weights)[0]]
            sub, countries = rng.choice(subregions)
            roll = rng.random()
            chosen.add(rng.choice(countries) if roll < 0.85 else sub if roll < 0.95 else top)
        return sorted(chosen)

    def _write(self, batch, pks, content_type, report):
        created = Article.objects.bulk_create([row[0] for row in batch])
        bylines, regions, tagged, related = [], [], [], []
        through = Article.regions.through
        for article, (_, authors, region_pks, tag_pks, related_indexes) in zip(created, batch, strict=True):
            assert article.pk is not None, "bulk_create must return primary keys (PostgreSQL, SQLite 3.35+)"
            pks.append(article.pk)
            for order, author in enumerate(authors):
                pk, affiliation, institution, cyrillic, alternates = self.credits[author]
                if article.language == "ru" and cyrillic:
                    printed = cyrillic
                elif alternates and self.rng.random() < 0.08:
                    printed = self.rng.choice(alternates)
                else:
                    printed = ""
                linked = institution if self.rng.random() < 0.9 else None
                bylines.append(
                    ArticleAuthor(
                        article=article,
                        author_id=pk,
                        order=order,
                        printed_name=printed,
                        affiliation=affiliation,
                        institution_id=linked,
                    )
                )
            regions += [through(article_id=article.pk, region_id=region) for region in region_pks]
            tagged += [TaggedItem(content_type=content_type, object_id=article.pk, tag_id=tag) for tag in tag_pks]
            related += [
                RelatedLink(from_article=article, to_article_id=pks[target], order=order)
                for order, target in enumerate(related_indexes)
            ]
        ArticleAuthor.objects.bulk_create(bylines)
        through.objects.bulk_create(regions)
        TaggedItem.objects.bulk_create(tagged)
        RelatedLink.objects.bulk_create(related)
        report.bylines += len(bylines)
        report.related_links += len(related)
