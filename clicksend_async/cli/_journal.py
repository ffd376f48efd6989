"""Which journal a campaign uses: the file that makes it resumable without texting anyone twice.

``--journal PATH``, or by default ``RECIPIENTS.csv.journal.db`` next to the CSV. With
``--emulator`` and no ``--journal`` the journal is temporary: the in-process emulator forgets
everything when the command ends, so there would be nothing to resume against.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import attrs

from .._exceptions import ConfigurationError
from ..bulk import Journal
from ..bulk._journal import JOURNAL_SIDE_FILES

__all__ = ["JOURNAL_SUFFIX", "JournalChoice", "choose_journal", "default_journal_path"]

JOURNAL_SUFFIX = ".journal.db"


@attrs.define
class JournalChoice:
    """Which journal a campaign uses and whether this run created it."""

    journal: Journal
    path: Path | None
    created: bool

    def close(self, *, discard: bool) -> bool:
        """Close it; with ``discard``, delete a file this run created. Return True if deleted."""
        self.journal.close()
        if not (discard and self.created and self.path is not None):
            return False
        # The database and every file kept beside it (JOURNAL_SIDE_FILES): nothing is left.
        for suffix in ("", *JOURNAL_SIDE_FILES):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()
        return True


def default_journal_path(csv_path: Path) -> Path:
    """Return the journal a campaign on ``csv_path`` uses by default: next to the CSV."""
    return csv_path.with_name(csv_path.name + JOURNAL_SUFFIX)


def _holds_campaign(journal: Journal) -> bool:
    return journal.row_count() > 0 or journal.get_meta("campaign") is not None


def choose_journal(
    csv_path: Path,
    path: Path | None,
    *,
    resume: bool,
    dry_run: bool,
    emulator: bool,
) -> JournalChoice:
    """Open the campaign journal, refusing to start over a campaign that is not resumed."""
    if path is None and (emulator or (dry_run and not resume)):
        return JournalChoice(Journal(None), None, created=True)
    if path is None:
        path = default_journal_path(csv_path)
    if dry_run and not resume:
        return JournalChoice(Journal(None), None, created=True)
    existed = path.exists()
    if resume and not existed:
        raise ConfigurationError(f"--resume: there is no journal at {path}, so nothing to resume")
    if not path.parent.is_dir():
        raise ConfigurationError(f"cannot write the journal {path}: no such directory")
    try:
        journal = Journal(path)
    except ConfigurationError as exc:
        raise ConfigurationError(f"{exc}; choose another place with --journal PATH") from exc
    if existed and not resume and _holds_campaign(journal):
        journal.close()
        raise ConfigurationError(
            f"the journal {path} already holds a campaign: pass --journal {path} --resume to "
            "continue it, or choose a new --journal path to start another campaign"
        )
    return JournalChoice(journal, path, created=not existed)
