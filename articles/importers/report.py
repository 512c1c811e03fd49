"""What an import run did, file by file: the results every importer returns."""

from dataclasses import dataclass, field
from enum import StrEnum


class ImportFailure(Exception):
    """A file that cannot be imported, and where: nothing of it is saved."""

    def __init__(self, reason, line=None):
        super().__init__(reason)
        self.reason = reason
        self.line = line


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass
class FileResult:
    path: str
    outcome: Outcome
    article: object = None
    warnings: list = field(default_factory=list)
    # For a failure: why, and on which line (None when it is about the whole file).
    reason: str = ""
    line: int | None = None
    # Work to redo once every file is in, e.g. links to articles imported later in the run.
    # Each callable runs in its own transaction and returns (changed, warnings).
    deferred: list = field(default_factory=list)

    @property
    def error(self):
        """``"bad.txt:1: impossible date "31.02.2023""``: the one line a failure prints."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"

    def describe(self, dry_run=False):
        """``"created: 000.txt (/articles/2023/11/17/take-two/)"``."""
        verb = self.outcome.value
        if dry_run and self.outcome in (Outcome.CREATED, Outcome.UPDATED):
            verb = f"would be {verb}"
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

    def summary(self):
        """``"3 files: 1 created, 1 updated, 0 unchanged, 1 failed; 2 warnings."``"""
        files = len(self.results)
        text = (
            f"{files} file{'' if files == 1 else 's'}: "
            + ", ".join(f"{self.count(outcome)} {outcome}" for outcome in Outcome)
            + f"; {self.warning_count} warning{'' if self.warning_count == 1 else 's'}."
        )
        return f"Dry run, nothing saved. {text}" if self.dry_run else text
