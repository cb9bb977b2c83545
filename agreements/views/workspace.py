"""The agreement's History tab and the home page: what waits on the user."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from agreements.client import AuthenticatedHttpRequest
from agreements.page_extensions import home_panels
from agreements.selectors import (
    PANEL_REVISIONS,
    agreement_get,
    agreement_revisions,
    agreement_version_chain,
)
from agreements.selectors.waiting import waiting_on_me
from agreements.views.access import found


@require_http_methods(["GET", "HEAD"])
def agreement_history(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Versions, the latest revisions with their digests, and the comparisons between them."""
    agreement = found(agreement_get(user=request.user, pk=pk))
    versions = agreement_version_chain(user=request.user, agreement=agreement)
    revisions = list(agreement_revisions(agreement=agreement)[: PANEL_REVISIONS + 1])
    # Each version beside the one it amends, when the user may see both: a comparison to open.
    by_pk = {version.pk: version for version in versions}
    amendments = [
        (by_pk[version.amends_id], version) for version in versions if version.amends_id in by_pk
    ]
    return render(
        request,
        "agreements/agreement_history.html",
        {
            "agreement": agreement,
            "versions": versions,
            "amendments": amendments,
            "revisions": revisions[:PANEL_REVISIONS],
            "more_revisions": len(revisions) > PANEL_REVISIONS,
            "workspace_tab": "history",
        },
    )


@require_http_methods(["GET", "HEAD"])
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Waiting on me: reviews to sign, changes asked, drafts, and the apps' panels (alerts)."""
    waiting = waiting_on_me(user=request.user)
    panels = home_panels(request.user)
    context = {
        "waiting": waiting,
        "home_panels": panels,
        "nothing_waits": waiting.is_empty and not panels,
    }
    return render(request, "agreements/home.html", context)
