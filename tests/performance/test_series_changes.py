"""The database records every write to a series' figures (performance.series_changes)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models

from agreements.models import Agreement, AgreementSeries, Deadline, Kpi
from performance.models import KpiActual, LeadRecord, MonthlyActual, SeriesChange
from performance.series_changes import (
    FIGURE_TABLES,
    NOT_FIGURES,
    install_triggers,
    series_changes_compact,
    series_revisions,
)
from performance.services.lead_tally import lead_tally_refresh
from tests.factories import (
    AgreementFactory,
    KpiActualFactory,
    LeadRecordFactory,
    MonthlyActualFactory,
)

pytestmark = pytest.mark.django_db


def _keyed_by(model: type[models.Model]) -> str | None:
    """How a model's rows name their series: a foreign key to the series, or to an agreement."""
    targets = {
        field.related_model
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
    }
    if AgreementSeries in targets:
        return "series"
    if Agreement in targets:
        return "agreement"
    return None


def test_every_table_of_a_series_or_an_agreement_is_watched_or_named_as_no_figure():
    """A model added later fails here until its table is watched or named as read by no figure."""
    keyed = {
        model._meta.db_table: key
        for model in apps.get_models()
        if (key := _keyed_by(model)) is not None
    }

    assert set(keyed) == set(FIGURE_TABLES) | NOT_FIGURES
    assert not set(FIGURE_TABLES) & NOT_FIGURES
    assert {table: keyed[table] for table in FIGURE_TABLES} == FIGURE_TABLES


@pytest.fixture
def two(signed: Agreement) -> tuple[Agreement, Agreement]:
    """The signed agreement and another series' draft."""
    return signed, AgreementFactory.create()


WRITES: dict[str, Callable[[Agreement], object]] = {
    "monthly actual added": lambda a: MonthlyActualFactory.create(series=a.series),
    "monthly actuals updated in bulk": lambda a: MonthlyActual.objects.filter(
        series=a.series
    ).update(leads=1),
    "monthly actual deleted": lambda a: MonthlyActual.objects.filter(series=a.series).delete(),
    "KPI value added": lambda a: KpiActualFactory.create(series=a.series),
    "KPI value changed": lambda a: KpiActual.objects.filter(series=a.series).update(
        value=Decimal("3")
    ),
    "leads added in bulk": lambda a: LeadRecord.objects.bulk_create(
        [LeadRecordFactory.build(series=a.series, agreement=a, lead_id=f"B{n}") for n in range(3)]
    ),
    "lead deleted": lambda a: LeadRecord.objects.filter(series=a.series).delete(),
    "deadline done": lambda a: Deadline.objects.filter(agreement=a).update(done=True),
    "KPI target changed": lambda a: Kpi.objects.filter(agreement=a).update(target=Decimal("1")),
    "agreement superseded": lambda a: Agreement.objects.filter(pk=a.pk).update(
        superseded_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_each_write_changes_its_series_revision_only(two, write):
    agreement, other = two
    MonthlyActualFactory.create(series=agreement.series, month=dt.date(2027, 1, 1))
    KpiActualFactory.create(series=agreement.series, kpi_name="Revenue")
    LeadRecordFactory.create(series=agreement.series, agreement=agreement)
    assert agreement.kpis.exists()
    assert agreement.deadlines.exists()
    before = series_revisions([agreement.series_id, other.series_id])

    WRITES[write](agreement)

    after = series_revisions([agreement.series_id, other.series_id])
    assert after[agreement.series_id] != before[agreement.series_id]
    assert after[other.series_id] == before[other.series_id]


def test_a_change_committed_late_below_the_newest_id_still_changes_the_revision(signed):
    """PostgreSQL hands out ids at write time: a transaction committing last may hold a lower
    id than the newest seen. The count tells it."""
    MonthlyActualFactory.create(series=signed.series)
    newest, count = series_revisions([signed.series_id])[signed.series_id]
    SeriesChange.objects.filter(series_id=signed.series_id, id=newest).delete()
    SeriesChange.objects.create(series_id=signed.series_id, id=newest + 1000)
    SeriesChange.objects.create(series_id=signed.series_id, id=newest)
    seen = series_revisions([signed.series_id])[signed.series_id]
    SeriesChange.objects.create(series_id=signed.series_id, id=newest + 1)

    assert series_revisions([signed.series_id])[signed.series_id] not in {seen, (newest, count)}


def test_compacting_leaves_one_change_a_series_under_a_revision_never_seen(two):
    agreement, other = two
    for month in (1, 2, 3):
        MonthlyActualFactory.create(series=agreement.series, month=dt.date(2027, month, 1))
    seen = series_revisions([agreement.series_id, other.series_id])

    assert series_changes_compact() >= 1

    after = series_revisions([agreement.series_id, other.series_id])
    assert after[agreement.series_id][1] == 1
    assert after[agreement.series_id][0] > seen[agreement.series_id][0]
    assert after[other.series_id][1] == 1
    assert SeriesChange.objects.filter(series_id=agreement.series_id).count() == 1


def test_a_bulk_write_of_leads_leaves_one_change_in_the_log(signed):
    """An import ends with the tally's recount, which compacts the series' log: on SQLite the
    triggers record a change a row, and the log must not grow with the leads."""
    before = series_revisions([signed.series_id])[signed.series_id]
    LeadRecord.objects.bulk_create(
        [LeadRecordFactory.build(series=signed.series, agreement=signed) for _n in range(50)]
    )

    lead_tally_refresh(series_id=signed.series_id)

    assert SeriesChange.objects.filter(series_id=signed.series_id).count() == 1
    assert series_revisions([signed.series_id])[signed.series_id] != before


def test_check_sla_compacts_the_change_log(signed):
    """check_sla runs from cron: it keeps the log at one change a series."""
    for month in (1, 2, 3):
        MonthlyActualFactory.create(series=signed.series, month=dt.date(2026, month, 1))
    assert SeriesChange.objects.filter(series_id=signed.series_id).count() > 1

    call_command("check_sla", stdout=io.StringIO(), stderr=io.StringIO())

    assert SeriesChange.objects.filter(series_id=signed.series_id).count() == 1


def test_a_series_never_written_since_the_triggers_has_revision_zero():
    assert series_revisions([987_654]) == {987_654: (0, 0)}


def test_installing_again_keeps_one_trigger_a_write(signed):
    """migrate re-installs the triggers each time (post_migrate): never twice over."""
    install_triggers(connection)
    install_triggers(connection)
    before = SeriesChange.objects.filter(series_id=signed.series_id).count()

    MonthlyActualFactory.create(series=signed.series)

    assert SeriesChange.objects.filter(series_id=signed.series_id).count() == before + 1
