"""The slaportal.agreement JSON contract (/1 and /2): exporting an agreement, its content digest.

Schema /2 adds each KPI's ``measure``. An agreement's content is written in its own
``content_schema``, so the digest of content signed in /1 is still taken over the /1 bytes.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import models

from agreements.funnel import FUNNEL_INPUTS, plan_for
from agreements.models import Agreement
from agreements.sections import row_fields
from agreements.working_hours import hours_beyond_summary

SCHEMA_1 = "slaportal.agreement/1"
SCHEMA_2 = "slaportal.agreement/2"
# The schema new agreements and exports are written in.
SCHEMA = SCHEMA_2
LATEST_SCHEMA = 2
# Each content schema's number by its name, as a document names it.
SCHEMAS: dict[str, int] = {SCHEMA_1: 1, SCHEMA_2: 2}
SCHEMA_NAMES: dict[int, str] = {number: name for name, number in SCHEMAS.items()}

# Keys of the export that are not content: the digest never covers them.
RECORD_KEYS = ("status", "version", "digest", "signatures")


def decimal_text(value: Decimal | None, places: int = 2) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: Any) -> str:
    return value.strftime("%H:%M")


def _field_text(instance: models.Model, name: str) -> Any:
    """A field's value as schema /1 writes it: a decimal as a two-place string, a date in ISO."""
    value = getattr(instance, name)
    model_field = instance._meta.get_field(name)
    if isinstance(model_field, models.DecimalField):
        return decimal_text(value)
    if isinstance(model_field, models.DateField):
        return _date(value)
    return value


def _rows(agreement: Agreement, relation: str) -> list[dict[str, Any]]:
    """One relation's rows, each with the fields of the agreement's schema, in its order."""
    names = row_fields(relation, agreement.content_schema)
    return [
        {name: _field_text(row, name) for name in names}
        for row in getattr(agreement, relation).all()
    ]


def _plan(agreement: Agreement) -> dict[str, Any] | None:
    plan = plan_for(agreement)
    if plan is None:
        return None
    return {
        "customers": plan.total.customers,
        "sqls": plan.total.sqls,
        "mqls": plan.total.mqls,
        "leads": plan.total.leads,
        "leads_per_customer": decimal_text(plan.leads_per_customer),
        "per_month": {
            "customers": plan.per_month.customers,
            "sqls": plan.per_month.sqls,
            "mqls": plan.per_month.mqls,
            "leads": plan.per_month.leads,
        },
    }


def content_of(agreement: Agreement) -> dict[str, Any]:
    """The agreement's content in its own schema (``content_schema``): what a signature covers.

    Schema 1 gives exactly what was signed before KPIs had a measure; schema 2 adds it.
    Reads the rows through the related managers, so callers prefetch them
    (selectors.agreement_with_sections) to keep the query count fixed.
    """
    return {
        "schema": SCHEMA_NAMES[agreement.content_schema],
        "title": agreement.title,
        "marketing_team": agreement.marketing_team.name,
        "sales_team": agreement.sales_team.name,
        "period": {"start": _date(agreement.start_date), "end": _date(agreement.end_date)},
        "funnel": {
            "currency": agreement.currency,
            **{name: _field_text(agreement, name) for name in FUNNEL_INPUTS},
            "plan": _plan(agreement),
        },
        "kpis": _rows(agreement, "kpis"),
        "responsibilities": _rows(agreement, "responsibilities"),
        "criteria": {
            "mql_score_threshold": agreement.mql_score_threshold,
            "rules": _rows(agreement, "criteria_rules"),
        },
        "service_levels": {
            "calendar": {
                "timezone": agreement.timezone,
                "workdays": sorted(int(day) for day in agreement.workdays),
                "day_start": _time(agreement.day_start),
                "day_end": _time(agreement.day_end),
                **hours_beyond_summary(
                    agreement.working_hours,
                    agreement.workdays,
                    agreement.day_start,
                    agreement.day_end,
                ),
                "holidays": sorted(_date(holiday.date) for holiday in agreement.holidays.all()),
            },
            "lead_types": _rows(agreement, "service_levels"),
        },
        "rejection_reasons": _rows(agreement, "rejection_reasons"),
        "deadlines": _rows(agreement, "deadlines"),
        "review": {
            "report_cadence": agreement.report_cadence,
            "meeting_cadence": agreement.meeting_cadence,
            "next_review": _date(agreement.next_review),
        },
    }


def content_upgrade(content: dict[str, Any]) -> dict[str, Any]:
    """A /1 content as /2 says the same: every KPI entered by hand. Later schemas pass as given.

    For comparing contents (or revision snapshots) written in different schemas.
    """
    if content.get("schema") != SCHEMA_1:
        return content
    upgraded = dict(content, schema=SCHEMA_2)
    upgraded["kpis"] = [
        dict(kpi, measure="manual") if isinstance(kpi, dict) else kpi
        for kpi in content.get("kpis") or []
    ]
    return upgraded


def canonical_json(content: dict[str, Any]) -> str:
    """Sorted keys, no insignificant whitespace: the bytes a digest is taken over."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def agreement_digest(agreement: Agreement) -> str:
    return content_digest(content_of(agreement))


def agreement_export(agreement: Agreement) -> dict[str, Any]:
    """The whole agreement: its content, plus the record of its status and signatures."""
    content = content_of(agreement)
    export = dict(content)
    export["status"] = agreement.status
    export["version"] = agreement.version
    export["digest"] = content_digest(content)
    export["signatures"] = [
        {
            "team": signature.team.name,
            "name": signature.typed_name,
            "time": signature.signed_at.isoformat(),
            "digest": signature.digest,
        }
        for signature in agreement.signatures.all()
        if signature.voided_at is None
    ]
    return export


def export_json_text(document: dict[str, Any]) -> str:
    """The export as a file holds it: indented, in the schema's key order, UTF-8 text kept."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
