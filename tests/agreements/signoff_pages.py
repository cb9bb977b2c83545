"""Helpers for sign-off page tests: addresses, page text, query counts and quick edits."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Agreement, Kpi
from agreements.services.agreements import agreement_section_update


def url(name: str, agreement: Agreement, *args: Any) -> str:
    return reverse(f"agreements:{name}", args=[agreement.pk, *args])


def text_of(response: Any) -> str:
    """The page's visible text, whitespace collapsed (tags dropped)."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(body.split())


def page_of(response: Any) -> str:
    """The page's markup without what differs on every request (CSRF token, CSP nonce)."""
    assert response.status_code == 200
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "", body)
    return re.sub(r'nonce="[^"]+"', "", body)


def fresh(agreement: Agreement) -> Agreement:
    return Agreement.objects.get(pk=agreement.pk)


def queries_for(client: Any, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


def edit_review_section(agreement: Agreement, actor: Any, day: int) -> Agreement:
    """Save the review section of a draft once: one more revision."""
    current = fresh(agreement)
    return agreement_section_update(
        agreement=current,
        actor=actor,
        section="review",
        base_revision=current.revision,
        fields={
            "report_cadence": "weekly",
            "meeting_cadence": "monthly",
            "next_review": dt.date(2026, 1, 1) + dt.timedelta(days=day),
        },
    )


def kpi_update(agreement: Agreement, actor: Any, rows: list[dict[str, Any]]) -> Agreement:
    current = fresh(agreement)
    return agreement_section_update(
        agreement=current,
        actor=actor,
        section="kpis",
        base_revision=current.revision,
        fields={},
        rows={"kpis": rows},
    )


def kpi_rows(agreement: Agreement) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in Kpi.objects.filter(agreement=agreement).values(
            "name", "measure", "owner", "target", "unit", "direction", "cadence"
        )
    ]
