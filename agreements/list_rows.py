"""The rows of the agreement lists, kept in the page cache under what they show.

A list's page renders a row per agreement: its link, title, version, teams, period, dates and
standing, with their translations and date formats. The same rows in the same language read
the kept markup (``page_cache.kept_markup``); a row whose shown content changed, a standing
that moved with the date, say, makes a new one. What a row shows is read from the agreement
here, so a key never holds more than the page would.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from agreements import page_cache
from agreements.models import Agreement
from agreements.templatetags.signoff_tags import standing_badge, standing_label

AGREEMENT_ROWS = (
    "agreements/_agreement_rows.html",
    "agreements/_status_badge.html",
    "agreements/_period.html",
)
SIGNED_ROWS = ("agreements/_signed_rows.html", "agreements/_status_badge.html")
# All that the signed rows read of an agreement (``_shown``, the signing day and the
# template): a page of 20 rows otherwise spends more time making the agreements' 40 other
# fields than the page itself. A field left out here is fetched row by row.
SIGNED_ROW_FIELDS = (
    "title",
    "version",
    "status",
    "start_date",
    "end_date",
    "signed_at",
    "superseded_at",
    "marketing_team__name",
    "sales_team__name",
)


def _shown(agreement: Agreement) -> tuple[object, ...]:
    """What both lists show of an agreement (its link is a function of its primary key)."""
    return (
        agreement.pk,
        agreement.title,
        agreement.version,
        agreement.marketing_team.name,
        agreement.sales_team.name,
        agreement.start_date,
        agreement.end_date,
        standing_label(agreement),
        standing_badge(agreement),
    )


def agreement_rows(page: Iterable[Agreement]) -> SafeString:
    """The agreement list's rows."""
    agreements = list(page)
    return page_cache.kept_markup(
        "agreement-rows",
        templates=AGREEMENT_ROWS,
        content=repr([_shown(agreement) for agreement in agreements]),
        make=lambda: render_to_string(AGREEMENT_ROWS[0], {"agreements": agreements}),
    )


def signed_rows(page: Iterable[Agreement]) -> SafeString:
    """The signed list's rows, with the day each was signed in the active time zone."""
    agreements = list(page)
    shown = [
        (*_shown(agreement), agreement.signed_at and timezone.localdate(agreement.signed_at))
        for agreement in agreements
    ]
    return page_cache.kept_markup(
        "signed-rows",
        templates=SIGNED_ROWS,
        content=repr(shown),
        make=lambda: render_to_string(SIGNED_ROWS[0], {"agreements": agreements}),
    )
