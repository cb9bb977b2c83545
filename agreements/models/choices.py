"""Choices shared by several models (the JSON contract spells the values)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of ``value`` among ``choices``, or the value itself when it is none of them,
    as ``get_FOO_display`` gives it but without rebuilding the field's choices on each call
    (a page of 25 portfolio rows made 650 such calls)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


class Owner(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    SHARED = "shared", _("Shared")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class ReviewCadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
