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


@dataclass
class ImportReport:
    results: list = field(default_factory=list)
    dry_run: bool = False

    def count(self, outcome):
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def failed(self):
        return self.count(Outcome.FAILED)

    @property
    def warning_count(self):
        return sum(len(result.warnings) for result in self.results)

    def totals(self):
        """kind → Counter over every file."""
        totals = {}
        for result in self.results:
            for kind, counter in result.kind_counts().items():
                totals.setdefault(kind, Counter()).update(counter)
        return totals

    def table(self):
        """The summary table: one row per kind of object, one column per outcome, then what was skipped."""
        totals = self.totals()
        kinds = [kind for kind in KINDS if kind in totals]
        if not kinds:
            return []
        width = max(len(kind) for kind in kinds) + 2
        lines = [" " * width + "".join(f"{column:>11}" for column in COLUMNS)]
        lines += [f"{kind:<{width}}" + "".join(f"{totals[kind][c]:>11}" for c in COLUMNS) for kind in kinds]
        skipped = Counter()
        for result in self.results:
            skipped.update(result.skipped)
        if skipped:
            lines.append("skipped: " + ", ".join(f"{n} {what}" for what, n in sorted(skipped.items())))
        return lines

    def summary(self):
        """``"3 files: 1 created, 1 updated, 0 unchanged, 1 failed; 2 warnings."``"""
        files = len(self.results)
        shown = [o for o in Outcome if o != Outcome.CONFLICT or self.count(o)]
        text = (
            f"{files} file{'' if files == 1 else 's'}: "
            + ", ".join(f"{self.count(outcome)} {outcome}" for outcome in shown)
            + f"; {self.warning_count} warning{'' if self.warning_count == 1 else 's'}."
        )
        return f"Dry run, nothing saved. {text}" if self.dry_run else text
