"""Open deadlines that are overdue or due soon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from agreements.models import Deadline
from agreements.models.choices import Owner, choice_label

DEADLINE_HORIZON_DAYS = 14


@dataclass(frozen=True)
class DeadlineDue:
    title: str
    due: dt.date
    owner: str
    days_left: int

    @property
    def owner_label(self) -> str:
        return choice_label(Owner, self.owner)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


def deadlines_due(
    deadlines: Iterable[Deadline], *, today: dt.date, horizon: int = DEADLINE_HORIZON_DAYS
) -> list[DeadlineDue]:
    """Open deadlines that are overdue or due within ``horizon`` days, soonest first."""
    limit = today + dt.timedelta(days=horizon)
    return sorted(
        (
            DeadlineDue(
                title=d.title,
                due=d.due,
                owner=d.owner,
                days_left=(d.due - today).days,
            )
            for d in deadlines
            if not d.done and d.due <= limit
        ),
        key=lambda d: (d.due, d.title),
    )
