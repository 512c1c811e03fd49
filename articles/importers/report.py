"""What an import run did, file by file: the results every importer returns."""

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class ImportFailure(Exception):
    """A file that cannot be imported, and where: nothing of it is saved."""

    def __init__(self, reason, line=None, column=None):
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    # Changed at the source and by an editor since the last import: left as the editor made it.
    CONFLICT = "conflict"
    FAILED = "failed"


# What a file can hold besides articles, in the order the summary table lists them.
KINDS = ["articles", "pages", "sections", "tags", "authors", "images", "redirects"]
# The table's columns: outcomes, and "missing" for images not found in --media-dir.
COLUMNS = ["created", "updated", "unchanged", "conflict", "missing"]


@dataclass
class FileResult:
    path: str
    outcome: Outcome
    article: object = None
    warnings: list = field(default_factory=list)
    # For a failure: why, and where (None when it is about the whole file).
    reason: str = ""
    line: int | None = None
    column: int | None = None
    # Work to redo once every file is in, e.g. links to articles imported later in the run.
    # Each callable runs in its own transaction and returns (changed, warnings).
    deferred: list = field(default_factory=list)
    # For files holding many objects (WXR): kind → Counter of COLUMNS, and what was skipped.
    counts: dict = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    # One line per object worth naming on its own (conflicts), printed whatever the verbosity.
    notes: list = field(default_factory=list)

    @property
    def error(self):
        """``"bad.txt:1: impossible date "31.02.2023""``: the one line a failure prints."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.reason}"

    def count(self, kind, column, n=1):
        self.counts.setdefault(kind, Counter())[column] += n

    def kind_counts(self):
        """kind → Counter; a single-article file counts as one article."""
        if self.counts:
            return self.counts
        if self.outcome != Outcome.FAILED and self.article is not None:
            return {"articles": Counter({self.outcome.value: 1})}
        return {}

    def describe(self, dry_run=False):
        """``"created: 000.txt (/articles/2023/11/17/take-two/)"``."""
        verb = self.outcome.value
        if dry_run and self.outcome in (Outcome.CREATED, Outcome.UPDATED):
            verb = f"would be {verb}"
        if self.counts:
            parts = [
                f"{kind} " + ", ".join(f"{n} {column}" for column, n in self.counts[kind].items() if n)
                for kind in KINDS
                if sum(self.counts.get(kind, Counter()).values())
            ]
            return f"{verb}: {self.path} ({'; '.join(parts)})"
        url = f" ({self.article.get_absolute_url()})" if self.article is not None and not dry_run else ""
        return f"{verb}: {self.path}{url}"


class ImportReport:
    """What a run did: counters, and the results themselves only when asked to keep them.

    ``add`` counts each file's result as it comes. A long run hands results on to
    the command as they come (``on_result``) instead of keeping them: memory stays
    the same for ten files and for a million.
    """

    def __init__(self, dry_run=False, keep_results=True):
        self.dry_run = dry_run
        self.keep_results = keep_results
        self.results = []
        self.outcomes = Counter()
        self.warning_count = 0
        self.kinds = {}
        self.skipped = Counter()
        # Whether any file counted objects of several kinds (WXR, JSON): the command then prints the table.
        self.itemized = False

    def add(self, result):
        self.outcomes[result.outcome] += 1
        self.warning_count += len(result.warnings)
        for kind, counter in result.kind_counts().items():
            self.kinds.setdefault(kind, Counter()).update(counter)
        self.skipped.update(result.skipped)
        self.itemized = self.itemized or bool(result.counts)
        if self.keep_results:
            self.results.append(result)

    @property
    def files(self):
        return sum(self.outcomes.values())

    def count(self, outcome):
        return self.outcomes[outcome]

    @property
    def failed(self):
        return self.count(Outcome.FAILED)

    def totals(self):
        """kind → Counter over every file."""
        return self.kinds

    def table(self):
        """The summary table: one row per kind of object, one column per outcome, then what was skipped."""
        totals = self.totals()
        kinds = [kind for kind in KINDS if kind in totals]
        if not kinds:
            return []
        width = max(len(kind) for kind in kinds) + 2
        lines = [" " * width + "".join(f"{column:>11}" for column in COLUMNS)]
        lines += [f"{kind:<{width}}" + "".join(f"{totals[kind][c]:>11}" for c in COLUMNS) for kind in kinds]
        if self.skipped:
            lines.append("skipped: " + ", ".join(f"{n} {what}" for what, n in sorted(self.skipped.items())))
        return lines

    def summary(self):
        """``"3 files: 1 created, 1 updated, 0 unchanged, 1 failed; 2 warnings."``"""
        files = self.files
        shown = [o for o in Outcome if o != Outcome.CONFLICT or self.count(o)]
        text = (
            f"{files} file{'' if files == 1 else 's'}: "
            + ", ".join(f"{self.count(outcome)} {outcome}" for outcome in shown)
            + f"; {self.warning_count} warning{'' if self.warning_count == 1 else 's'}."
        )
        return f"Dry run, nothing saved. {text}" if self.dry_run else text
