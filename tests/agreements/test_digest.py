"""The content digest: stable for the same content, changed by any section value."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from agreements.exchange import (
    agreement_digest,
    agreement_export,
    canonical_json,
    content_digest,
    content_of,
)
from agreements.models import (
    Agreement,
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import agreement_copy, agreement_import

# A document with a value in every field and one row in every list. Its digest is pinned:
# the same on SQLite and PostgreSQL, today and after any refactoring, or every signature
# ever given would stop verifying.
FIXED_DOCUMENT: dict[str, Any] = {
    "schema": "slaportal.agreement/1",
    "title": "Pinned SLA – Ünïcode “quotes”",
    "marketing_team": "Growth Marketing",
    "sales_team": "Mid-Market Sales",
    "period": {"start": "2026-01-01", "end": "2026-06-30"},
    "funnel": {
        "currency": "EUR",
        "revenue_goal": "1234567.89",
        "marketing_share_pct": "33.33",
        "average_deal_size": "7500.5",
        "lead_to_mql_pct": "12.5",
        "mql_to_sql_pct": "35",
        "sql_to_won_pct": "22.25",
        "months": 6,
    },
    "kpis": [
        {
            "name": "MQLs delivered",
            "owner": "marketing",
            "target": "120.5",
            "unit": "MQLs",
            "direction": "at_least",
            "cadence": "monthly",
        }
    ],
    "responsibilities": [
        {
            "owner": "sales",
            "activity": "Follow up MQLs",
            "description": "Call every MQL.",
            "commitment": "Within 4 business hours.",
        }
    ],
    "criteria": {
        "mql_score_threshold": 55,
        "rules": [{"stage": "MQL", "category": "fit", "rule": "Target industry", "points": -5}],
    },
    "service_levels": {
        "calendar": {
            "timezone": "Europe/Berlin",
            "workdays": [5, 1, 2, 3, 4],
            "day_start": "08:30",
            "day_end": "17:45",
            "holidays": ["2026-05-01", "2026-01-01"],
        },
        "lead_types": [
            {
                "lead_type": "Demo request",
                "first_response_hours": "1.5",
                "min_attempts": 6,
                "attempt_window_days": 10,
                "escalation": "Rep, then manager",
            }
        ],
    },
    "rejection_reasons": [{"code": "no-budget", "label": "No budget", "next_step": "nurture"}],
    "deadlines": [
        {"title": "Go-live", "due": "2026-01-15", "owner": "shared", "done": True},
    ],
    "review": {
        "report_cadence": "biweekly",
        "meeting_cadence": "quarterly",
        "next_review": "2026-03-31",
    },
}
FIXED_DIGEST = "16b90e23fdb30864c4fbb0adb0c30cb33f58c2fd581005f2a12a2fa3b83781c4"
# The same content in schema /2 (each KPI with its measure, here entered by hand).
FIXED_DIGEST_2 = "7a06949e518936934c511311e4b1e35549d640464acf381b848312af522b7b85"


@pytest.fixture
def imported(marketing_team: Any, sales_team: Any, marketing_member: Any) -> Agreement:
    return agreement_import(document=FIXED_DOCUMENT, actor=marketing_member)


def _digest(agreement: Agreement) -> str:
    return agreement_digest(agreement_load_sections(agreement.pk))


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    """Keys sorted at every level, no spaces, non-ASCII text kept as UTF-8."""
    text = canonical_json({"b": [1, {"d": "é", "c": None}], "a": "x"})
    assert text == '{"a":"x","b":[1,{"c":null,"d":"é"}]}'
    assert content_digest({"a": "x"}) == hashlib.sha256(b'{"a":"x"}').hexdigest()


def test_the_digest_of_fixed_content_is_pinned(imported: Agreement) -> None:
    """The same content has the same digest on every database and in every release."""
    assert _digest(imported) == FIXED_DIGEST_2


def test_the_digest_of_fixed_content_in_schema_1_is_pinned(imported: Agreement) -> None:
    """An agreement of schema 1 (made before KPIs had a measure) keeps its /1 digest."""
    Agreement.objects.filter(pk=imported.pk).update(content_schema=1)
    assert _digest(imported) == FIXED_DIGEST


def test_digest_is_sha256_of_the_canonical_content(imported: Agreement) -> None:
    """The digest is the SHA-256 of the sorted, compact JSON of the schema /1 content."""
    content = content_of(agreement_load_sections(imported.pk))
    expected = hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert _digest(imported) == expected
    assert len(expected) == 64


def test_export_import_round_trip_keeps_the_digest(
    agreement: Agreement, marketing_member: Any
) -> None:
    """Export, import (through JSON text) and re-export: the digest never moves."""
    export = agreement_export(agreement_load_sections(agreement.pk))
    assert export["digest"] == _digest(agreement)
    text = json.dumps(export, indent=2, ensure_ascii=False)
    copy = agreement_import(document=json.loads(text), actor=marketing_member)
    assert _digest(copy) == export["digest"]
    again = agreement_export(agreement_load_sections(copy.pk))
    assert again["digest"] == export["digest"]
    assert {key: value for key, value in again.items() if key not in ("status", "digest")} == {
        key: value for key, value in export.items() if key not in ("status", "digest")
    }


def test_the_digest_ignores_the_record_keys(imported: Agreement) -> None:
    """Status, version, digest and signatures are not content."""
    export = agreement_export(agreement_load_sections(imported.pk))
    content = {
        key: value
        for key, value in export.items()
        if key not in ("status", "version", "digest", "signatures")
    }
    assert content_digest(content) == export["digest"]
    # Written directly on purpose: whatever these record fields hold, the digest stays.
    Agreement.objects.filter(pk=imported.pk).update(
        status=Agreement.Status.SIGNED, revision=42, cancel_reason="x"
    )
    assert _digest(imported) == export["digest"]


def test_a_copy_with_the_same_title_has_the_same_digest(
    imported: Agreement, marketing_member: Any
) -> None:
    """Two agreements holding the same content share a digest."""
    copy = agreement_copy(source=imported, actor=marketing_member, title=imported.title)
    assert copy.pk != imported.pk
    assert _digest(copy) == _digest(imported)


def test_an_import_normalises_numbers_before_digesting(
    imported: Agreement, marketing_member: Any
) -> None:
    """'35' and '35.00', or weekdays in another order, are the same content."""
    document = json.loads(json.dumps(FIXED_DOCUMENT))
    document["funnel"]["mql_to_sql_pct"] = "35.00"
    document["service_levels"]["calendar"]["workdays"] = [1, 2, 3, 4, 5]
    document["service_levels"]["calendar"]["holidays"] = ["2026-01-01", "2026-05-01"]
    other = agreement_import(document=document, actor=marketing_member)
    assert _digest(other) == _digest(imported)


def _one(model: type[Any], agreement: Agreement) -> Any:
    return model.objects.filter(agreement=agreement).order_by("position", "pk")[0]


def _update_agreement(**values: Any) -> Callable[[Agreement], Any]:
    return lambda a: Agreement.objects.filter(pk=a.pk).update(**values)


def _update_row(model: type[Any], **values: Any) -> Callable[[Agreement], Any]:
    return lambda a: model.objects.filter(pk=_one(model, a).pk).update(**values)


# One value per section (and a few more): changing it must change the digest.
CHANGES: dict[str, Callable[[Agreement], Any]] = {
    "header: title": _update_agreement(title="Pinned SLA 2"),
    "header: period end": _update_agreement(end_date=dt.date(2026, 7, 31)),
    "funnel: revenue goal": _update_agreement(revenue_goal=Decimal("1234567.90")),
    "funnel: currency": _update_agreement(currency="USD"),
    "funnel: months": _update_agreement(months=5),
    "kpis: target": _update_row(Kpi, target=Decimal("120.51")),
    "kpis: direction": _update_row(Kpi, direction="at_most"),
    "responsibilities: commitment": _update_row(
        Responsibility, commitment="Within 5 business hours."
    ),
    "criteria: rule points": _update_row(QualificationRule, points=-6),
    "criteria: threshold": _update_agreement(mql_score_threshold=56),
    "service levels: lead type hours": _update_row(
        LeadTypeServiceLevel, first_response_hours=Decimal("2.00")
    ),
    "service levels: holiday": lambda a: Holiday.objects.create(
        agreement=a, date=dt.date(2026, 12, 25), position=5
    ),
    "service levels: timezone": _update_agreement(timezone="Europe/London"),
    "service levels: workdays": _update_agreement(workdays=[1, 2, 3, 4]),
    "service levels: day start": _update_agreement(day_start=dt.time(9, 0)),
    "rejection reasons: label": _update_row(RejectionReason, label="No budget this year"),
    "deadlines: done": _update_row(Deadline, done=False),
    "review: meeting cadence": _update_agreement(meeting_cadence="monthly"),
    "review: next review": _update_agreement(next_review=dt.date(2026, 4, 1)),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_changing_any_section_value_changes_the_digest(imported: Agreement, change: str) -> None:
    """Every value a signature covers is in the digest."""
    before = _digest(imported)
    CHANGES[change](imported)
    assert _digest(imported) != before


def test_row_order_is_part_of_the_content(imported: Agreement, marketing_member: Any) -> None:
    """Reordering KPIs changes the digest: the signed document lists them in order."""
    Kpi.objects.create(
        agreement=imported, position=1, name="SQLs", owner="sales", target=Decimal("40")
    )
    before = _digest(imported)
    Kpi.objects.filter(agreement=imported, name="MQLs delivered").update(position=2)
    assert _digest(imported) != before
