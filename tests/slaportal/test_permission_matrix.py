"""Every URL of the site × each method × each kind of visitor answers the expected status.

The table below is the site's access contract. The test walks the URL configuration, so a
new URL without an entry here fails until someone states who may use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agreements.models import Agreement, Comment
from agreements.services.agreements import agreement_create
from agreements.services.review import agreement_submit
from teams.models import Membership, Side, Team
from tests.factories import MembershipFactory, TeamFactory, UserFactory, advance_to

ROLES = ("anonymous", "outsider", "party", "signatory", "staff")
METHODS = ("get", "post")

# The Django admin enforces its own staff rule and has its own tests (tests/agreements/
# test_admin.py walks every admin page); its hundreds of generated URLs are left out here.
SKIPPED_NAMESPACES = {"admin"}

# The agreement each URL is tried against: the state in which the page or act applies.
STATE = {
    "withdraw": "in_review",
    "request_changes": "in_review",
    "review_schedule": "in_review",
    "sign": "in_review",
    "amend": "signed",
    "dashboard": "signed",
    "actuals_csv": "signed",
    "leads_csv": "signed",
    "actuals": "signed",
    "actuals_month": "signed",
    "actuals_import": "signed",
    "kpi_actuals": "signed",
    "leads_import": "signed",
    "actuals_month_delete": "signed",
    "import_undo": "signed",
    "actuals_template_csv": "signed",
    "leads_template_csv": "signed",
}

# name -> {role: (GET status, POST status)}, with an empty POST.
EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    "agreements:amend": {
        "anonymous": (302, 302),
        "outsider": (405, 404),
        "party": (405, 302),
        "signatory": (405, 302),
        "staff": (405, 302),
    },
    "agreements:cancel": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:comment_add": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:comment_resolve": {
        "anonymous": (302, 302),
        "outsider": (405, 404),
        "party": (405, 302),
        "signatory": (405, 302),
        "staff": (405, 302),
    },
    "agreements:compare": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:create": {
        "anonymous": (302, 302),
        "outsider": (200, 200),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:detail": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "agreements:evidence": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:export_json": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "agreements:funnel_preview": {
        "anonymous": (302, 302),
        "outsider": (405, 404),
        "party": (405, 200),
        "signatory": (405, 200),
        "staff": (405, 200),
    },
    "agreements:history": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "agreements:import": {
        "anonymous": (302, 302),
        "outsider": (200, 200),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:list": {
        "anonymous": (302, 302),
        "outsider": (200, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "agreements:request_changes": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:revisions": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:section_edit": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:sign": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:signed_list": {
        "anonymous": (302, 302),
        "outsider": (200, 200),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:review_schedule": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 302),
        "signatory": (200, 302),
        "staff": (200, 302),
    },
    "agreements:submit": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 302),
        "signatory": (200, 302),
        "staff": (200, 302),
    },
    "agreements:verify": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "agreements:withdraw": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "reauthenticate": {
        "anonymous": (302, 302),
        "outsider": (200, 400),
        "party": (200, 400),
        "signatory": (200, 400),
        "staff": (200, 400),
    },
    "home": {
        "anonymous": (302, 302),
        "outsider": (200, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "favicon": {
        "anonymous": (301, 301),
        "outsider": (301, 301),
        "party": (301, 301),
        "signatory": (301, 301),
        "staff": (301, 301),
    },
    "healthz": {
        "anonymous": (200, 405),
        "outsider": (200, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "login": {
        "anonymous": (200, 200),
        "outsider": (302, 302),
        "party": (302, 302),
        "signatory": (302, 302),
        "staff": (302, 302),
    },
    "logout": {
        "anonymous": (302, 302),
        "outsider": (405, 302),
        "party": (405, 302),
        "signatory": (405, 302),
        "staff": (405, 302),
    },
    "performance:actuals": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "performance:actuals_csv": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "performance:actuals_import": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "performance:actuals_month": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "performance:dashboard": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "performance:kpi_actuals": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    "performance:leads_csv": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "performance:leads_import": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (200, 200),
        "signatory": (200, 200),
        "staff": (200, 200),
    },
    # Without ?month= or ?batch= naming figures of the series there is nothing to act on.
    "performance:actuals_month_delete": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (404, 404),
        "signatory": (404, 404),
        "staff": (404, 404),
    },
    "performance:import_undo": {
        "anonymous": (302, 302),
        "outsider": (404, 404),
        "party": (404, 404),
        "signatory": (404, 404),
        "staff": (404, 404),
    },
    "performance:actuals_template_csv": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "performance:leads_template_csv": {
        "anonymous": (302, 302),
        "outsider": (404, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
    "performance:portfolio": {
        "anonymous": (302, 302),
        "outsider": (200, 405),
        "party": (200, 405),
        "signatory": (200, 405),
        "staff": (200, 405),
    },
}


def _patterns(
    resolver: URLResolver, namespace: str | None = None
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, pattern.namespace or namespace)
        elif pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def url_names() -> list[str]:
    return sorted(
        name
        for name, _pattern in _patterns(get_resolver())
        if name.split(":")[0] not in SKIPPED_NAMESPACES
    )


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    marketing = Team.objects.create(name="Growth Marketing", side=Side.MARKETING)
    sales = Team.objects.create(name="Mid-Market Sales", side=Side.SALES)
    party: Any = MembershipFactory(team=marketing, user=UserFactory(username="mia")).user
    marketing_signatory: Any = MembershipFactory(
        team=marketing,
        user=UserFactory(username="mark", first_name="Mark", last_name="Eting"),
        role=Membership.Role.SIGNATORY,
    ).user
    signatory: Any = MembershipFactory(
        team=sales,
        user=UserFactory(username="sally", first_name="Sally", last_name="Seller"),
        role=Membership.Role.SIGNATORY,
    ).user
    other = TeamFactory(name="Enterprise Sales", side=Side.SALES)
    outsider = MembershipFactory(team=other, user=UserFactory(username="otto")).user
    staff = UserFactory(username="admin", is_staff=True, is_superuser=True)

    def make(title: str) -> Agreement:
        return agreement_create(
            actor=party,
            title=title,
            marketing_team=marketing,
            sales_team=sales,
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 3, 31),
            from_template=True,
        )

    draft = make("Draft SLA")
    in_review = agreement_submit(agreement=make("Review SLA"), actor=party)
    signed = advance_to(
        make("Signed SLA"),
        Agreement.Status.SIGNED,
        marketing_signatory=marketing_signatory,
        sales_signatory=signatory,
    )
    comment = Comment.objects.create(agreement=draft, author=party, body="Check the KPIs.")
    return {
        "users": {
            "anonymous": None,
            "outsider": outsider,
            "party": party,
            "signatory": signatory,
            "staff": staff,
        },
        "agreements": {"draft": draft, "in_review": in_review, "signed": signed},
        "comment": comment,
    }


def url_for(name: str, world: dict[str, Any]) -> str:
    pattern = dict(_patterns(get_resolver()))[name]
    converters = pattern.pattern.converters
    if not converters:
        return reverse(name)
    short = name.split(":")[-1]
    agreement = world["agreements"][STATE.get(short, "draft")]
    kwargs: dict[str, Any] = {"pk": agreement.pk}
    if "section" in converters:
        kwargs["section"] = "header"
    if "comment_pk" in converters:
        kwargs["comment_pk"] = world["comment"].pk
    return reverse(name, kwargs=kwargs)


def status_of(name: str, role: str, method: str, world: dict[str, Any]) -> int:
    client = Client(raise_request_exception=False)
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url_for(name, world))
    return response.status_code


def test_every_url_has_an_entry() -> None:
    """A URL nobody has stated the access rules of is a defect."""
    missing = sorted(set(url_names()) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(url_names()))

    assert not missing, f"add these URLs to EXPECTED: {missing}"
    assert not stale, f"remove these URLs from EXPECTED: {stale}"


@pytest.mark.parametrize("name", url_names())
def test_status_for_every_role_and_method(name: str, world: dict[str, Any]) -> None:
    expected = EXPECTED.get(name)
    if expected is None:
        pytest.fail(f"{name} has no entry in EXPECTED")
    actual = {
        role: tuple(status_of(name, role, method, world) for method in METHODS) for role in ROLES
    }
    assert actual == {role: tuple(expected[role]) for role in ROLES}
