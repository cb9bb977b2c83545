"""The agreement page's sections, rendered once per content and kept in the pages' cache.

Each section's body is rendered without the request (so without the user, the messages or
the CSRF token) from the agreement's content, the date and whether the page offers editing;
the page puts the headings and the Edit buttons of the user around it. The header section
shows the status, the owner and the signatures, which change without the content, so it is
rendered on every view (it reads no section rows).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from agreements import page_cache
from agreements.funnel import plan_for
from agreements.models import Agreement
from agreements.sections import SECTIONS, SECTIONS_BY_KEY, Section
from agreements.selectors import agreement_load_rows

LIVE_SECTION = "header"
CACHED_SECTIONS = tuple(section for section in SECTIONS if section.key != LIVE_SECTION)
# The templates a cached body is made of: their sources are part of its key.
BODY_TEMPLATES = (
    *(f"agreements/_section_{section.key}.html" for section in CACHED_SECTIONS),
    "agreements/_empty_section.html",
    "agreements/_period.html",
    "agreements/agreement_section_funnel.html",
)


def _section_template(section: Section) -> str:
    return f"agreements/_section_{section.key}.html"


def _render(section: Section, agreement: Agreement, *, editable: bool, today: dt.date) -> str:
    context = {
        "agreement": agreement,
        "can_edit": editable,
        "today": today,
        "plan": plan_for(agreement) if section.key == "funnel" else None,
    }
    return render_to_string(_section_template(section), context)


def _rendered(agreement: Agreement, *, editable: bool, today: dt.date) -> dict[str, str]:
    """Every cached section's body, from the cache or rendered (the rows loaded then)."""
    stamp = page_cache.content_stamp(agreement)
    key = None
    if stamp is not None:
        key = page_cache.sections_key(
            agreement,
            stamp=stamp,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            time_zone=timezone.get_current_timezone_name(),
            today=today,
            editable=editable,
            templates=page_cache.templates_fingerprint(BODY_TEMPLATES),
        )
        cached = page_cache.cache_get(key)
        if isinstance(cached, dict):
            return dict(cached)
    agreement_load_rows(agreement)
    bodies = {
        section.key: _render(section, agreement, editable=editable, today=today)
        for section in CACHED_SECTIONS
    }
    if key is not None:
        page_cache.cache_set(key, bodies, page_cache.SECTIONS_SECONDS)
    return bodies


def section_bodies(
    agreement: Agreement, *, editable: bool, today: dt.date
) -> list[tuple[Section, SafeString]]:
    """Each section with its rendered body, in page order, for a user already allowed to see it.

    The agreement comes from selectors.agreement_for_page: its signatures are loaded, its rows
    are loaded here only when the cache holds no rendering of this content.
    """
    bodies = _rendered(agreement, editable=editable, today=today)
    live = SECTIONS_BY_KEY[LIVE_SECTION]
    bodies[LIVE_SECTION] = _render(live, agreement, editable=editable, today=today)
    # Rendered by the template engine from escaped values: as safe as before it was kept.
    return [(section, mark_safe(bodies[section.key])) for section in SECTIONS]  # noqa: S308
