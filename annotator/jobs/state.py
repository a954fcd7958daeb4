"""One shape for the state of any background job, so every progress panel reads the same.

A job row (``SuggestionJob``: training, predictions, webhooks; ``AgreementRun``: a stored
agreement recompute) is requested (``queued``), claimed by one worker (``running``), then
``done`` or ``failed`` with its error, and counts ``done`` steps of ``total`` on the way (an
agreement run counts percent, so its total is 100; a job whose total is not known yet has
None). ``job_state`` reads that shape from either row; the panel
(``templates/jobs/_progress.html``) and the JSON of ``annotator suggest jobs`` show it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

ACTIVE = ("queued", "running")


class JobRow(Protocol):
    """The columns every job table has (``SuggestionJob``, ``AgreementRun``)."""

    id: int
    state: str
    done: int
    total: int | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class JobState:
    """What a progress panel shows: state, steps done of total, percent, stage, error."""

    id: int
    state: str
    done: int
    total: int | None
    percent: int | None  # None while the total is unknown (an indeterminate bar)
    stage: str
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None

    @property
    def active(self) -> bool:
        """Queued or running: the panel keeps polling."""
        return self.state in ACTIVE

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (the CLI's job lines, the lead's page rows)."""
        return asdict(self)


def job_state(row: JobRow) -> JobState:
    """The common state of a job row; ``stage`` is the row's own word for its step, if any."""
    return JobState(
        id=row.id,
        state=row.state,
        done=row.done or 0,
        total=row.total,
        percent=_percent(row.done or 0, row.total),
        stage=getattr(row, "stage", "") or "",
        error=row.error,
        created_at=row.created_at.isoformat(),
        started_at=_iso(row.started_at),
        finished_at=_iso(row.finished_at),
    )


def _percent(done: int, total: int | None) -> int | None:
    return min(round(100 * done / total), 100) if total else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
