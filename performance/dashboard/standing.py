"""How a commitment stands (met, on track, at risk, missed, no data) and how bad each is."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Standing(models.TextChoices):
    MET = "met", _("Met")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    MISSED = "missed", _("Missed")
    NO_DATA = "no_data", _("No data")


# How bad each standing is, for "worst of" and for sorting; no data sorts between.
SEVERITY = {
    Standing.MET: 0,
    Standing.ON_TRACK: 1,
    Standing.NO_DATA: 2,
    Standing.AT_RISK: 3,
    Standing.MISSED: 4,
}
# Bootstrap colour of each standing's badge; the badge always carries its text label too.
TONE = {
    Standing.MET: "success",
    Standing.ON_TRACK: "success",
    Standing.NO_DATA: "secondary",
    Standing.AT_RISK: "warning",
    Standing.MISSED: "danger",
}


def worst_standing(standings: Iterable[Standing]) -> Standing:
    """The worst standing among those with data; no data when none has any."""
    known = [s for s in standings if s != Standing.NO_DATA]
    if not known:
        return Standing.NO_DATA
    return max(known, key=lambda s: SEVERITY[s])
