"""Agreements, signatures, comments and revisions, made by the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any
from unittest import mock

import factory

from agreements.exchange import agreement_digest
from agreements.models import (
    Agreement,
    AgreementSeries,
    Comment,
    Revision,
    Signature,
)
from agreements.sections import ROW_FIELDS, SECTIONS, SECTIONS_BY_KEY
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import agreement_create, agreement_section_update
from agreements.services.amendments import agreement_amend
from agreements.services.comments import comment_add, comment_resolve
from agreements.services.review import agreement_cancel, agreement_submit
from agreements.services.signatures import signature_record
from teams.models import Side, Team
from tests.factories.people import DEFAULT_PASSWORD, MembershipFactory, TeamFactory, team_signatory

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# Set only by the services, never through the factory.
SERVICE_FIELDS = frozenset(
    {"series", "version", "revision", "submitted_at", "superseded_at", "cancelled_at"}
)
# Which section's form edits each field of the agreement row.
SECTION_OF_FIELD = {name: section.key for section in SECTIONS for name in section.fields}


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Run the services as if it were ``moment``: their timestamps read this clock."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class AgreementSeriesFactory(factory.django.DjangoModelFactory[AgreementSeries]):
    class Meta:
        model = AgreementSeries


class AgreementFactory(factory.django.DjangoModelFactory[Agreement]):
    """An agreement made and moved on by the services: a draft unless ``status`` says otherwise.

    A draft comes from the standard template (``from_template=False``: an empty one). Other
    agreement fields given are saved through their section's edit before the draft moves on,
    so a signed agreement's signatures cover them. ``signed`` submits and signs for both teams
    (each team's signatory, made if missing), at ``signed_at`` when given. ``amends`` starts
    the next version of a signed agreement, which supersedes it once signed.
    """

    class Meta:
        model = Agreement

    class Params:
        in_review = factory.Trait(status=Agreement.Status.IN_REVIEW)
        signed = factory.Trait(status=Agreement.Status.SIGNED)
        cancelled = factory.Trait(status=Agreement.Status.CANCELLED)

    amends = None
    title = factory.Maybe(
        "amends",
        yes_declaration=factory.SelfAttribute("amends.title"),
        no_declaration=factory.Sequence(lambda n: f"Pipeline SLA {n}"),
    )
    marketing_team = factory.Maybe(
        "amends",
        yes_declaration=factory.SelfAttribute("amends.marketing_team"),
        no_declaration=factory.SubFactory(TeamFactory, side=Side.MARKETING),
    )
    sales_team = factory.Maybe(
        "amends",
        yes_declaration=factory.SelfAttribute("amends.sales_team"),
        no_declaration=factory.SubFactory(TeamFactory, side=Side.SALES),
    )
    start_date = factory.Maybe(
        "amends",
        yes_declaration=factory.SelfAttribute("amends.start_date"),
        no_declaration=dt.date(2026, 1, 1),
    )
    end_date = factory.Maybe(
        "amends",
        yes_declaration=factory.SelfAttribute("amends.end_date"),
        no_declaration=dt.date(2026, 3, 31),
    )
    owner = factory.Maybe(
        "amends",
        yes_declaration=factory.SelfAttribute("amends.owner"),
        no_declaration=factory.LazyAttribute(
            lambda agreement: MembershipFactory(team=agreement.marketing_team).user
        ),
    )
    status = Agreement.Status.DRAFT
    from_template = True
    marketing_signatory = None
    sales_signatory = None
    signed_at = None
    cancel_reason = "No longer needed."

    @classmethod
    def _create(cls, model_class: type[Agreement], *args: Any, **kwargs: Any) -> Agreement:
        status = kwargs.pop("status")
        progress = {
            name: kwargs.pop(name)
            for name in ("marketing_signatory", "sales_signatory", "signed_at", "cancel_reason")
        }
        refused = SERVICE_FIELDS & set(kwargs)
        if refused:
            raise TypeError(f"The services set {sorted(refused)}; the factory does not.")
        return advance_to(cls._draft(**kwargs), status, **progress)

    @classmethod
    def _draft(
        cls, *, amends: Agreement | None, owner: User, from_template: bool, **fields: Any
    ) -> Agreement:
        if amends is not None:
            agreement = agreement_amend(agreement=amends, actor=owner)
        else:
            agreement = agreement_create(
                actor=owner,
                title=fields["title"],
                marketing_team=fields["marketing_team"],
                sales_team=fields["sales_team"],
                start_date=fields["start_date"],
                end_date=fields["end_date"],
                from_template=from_template,
            )
        agreement = edit_sections(agreement, owner, fields)
        return _dates_into_period(agreement, owner) if amends is not None else agreement


def _dates_into_period(agreement: Agreement, actor: User) -> Agreement:
    """An amendment moved to a later period takes its review and deadlines along, as its
    parties must before submitting: none may fall before the period's start."""
    start = agreement.start_date
    if agreement.next_review is not None and agreement.next_review < start:
        agreement = edit_sections(agreement, actor, {"next_review": start})
    deadlines = list(
        agreement.deadlines.order_by("position", "pk").values(*ROW_FIELDS["deadlines"])
    )
    if any(row["due"] < start for row in deadlines):
        agreement = agreement_section_update(
            agreement=agreement,
            actor=actor,
            section="deadlines",
            base_revision=agreement.revision,
            fields={},
            rows={"deadlines": [dict(row, due=max(row["due"], start)) for row in deadlines]},
        )
    return agreement


def edit_sections(agreement: Agreement, actor: User, fields: dict[str, Any]) -> Agreement:
    """Save each field that differs from the draft through its section's edit, rows kept."""
    for name in fields:
        if name not in SECTION_OF_FIELD:
            raise TypeError(f"{name!r} is not a field of any section of an agreement.")
    # Section by section in the page's order, each compared with the agreement as saved by the
    # one before: a new period sets the plan's months, which given months then override.
    for section in [spec.key for spec in SECTIONS]:
        changes = {
            name: value
            for name, value in fields.items()
            if SECTION_OF_FIELD[name] == section and getattr(agreement, name) != value
        }
        if not changes:
            continue
        # A section's edit replaces its rows with those given: give back the stored ones.
        rows = {
            relation: list(
                getattr(agreement, relation)
                .order_by("position", "pk")
                .values(*ROW_FIELDS[relation])
            )
            for relation in SECTIONS_BY_KEY[section].rows
        }
        agreement = agreement_section_update(
            agreement=agreement,
            actor=actor,
            section=section,
            base_revision=agreement.revision,
            fields=changes,
            rows=rows,
        )
    return agreement


def advance_to(
    agreement: Agreement,
    status: str,
    *,
    marketing_signatory: User | None = None,
    sales_signatory: User | None = None,
    signed_at: dt.datetime | None = None,
    cancel_reason: str = "No longer needed.",
) -> Agreement:
    """Take a draft (or one in review, to signed) to ``status`` as its parties would on the site.

    The owner submits and cancels; each team's signatory signs.
    """
    if status == agreement.status:
        return agreement
    if status == Agreement.Status.CANCELLED:
        return agreement_cancel(agreement=agreement, actor=agreement.owner, reason=cancel_reason)
    with clock_at(signed_at) if signed_at is not None else nullcontext():
        if agreement.status == Agreement.Status.DRAFT:
            agreement = agreement_submit(agreement=agreement, actor=agreement.owner)
        if status == Agreement.Status.SIGNED:
            # Both teams see the same content: its digest is worked out once.
            seen = current_digest(agreement)
            for team, signatory in (
                (agreement.marketing_team, marketing_signatory),
                (agreement.sales_team, sales_signatory),
            ):
                sign_as(agreement, signatory or team_signatory(team), team, seen_digest=seen)
    return Agreement.objects.get(pk=agreement.pk)


def current_digest(agreement: Agreement) -> str:
    """The digest of the agreement's content as stored now: what a signer is shown."""
    return agreement_digest(agreement_load_sections(agreement.pk))


def sign_as(agreement: Agreement, signatory: User, team: Team, **evidence: Any) -> Signature:
    """Sign the content as stored now for ``team``, with the signatory's name and password.

    ``evidence`` overrides what the signer gives: ``typed_name``, ``password``, ``seen_digest``,
    ``ip_address`` or ``user_agent``.
    """
    given: dict[str, Any] = {
        "typed_name": signatory.get_full_name() or signatory.get_username(),
        "password": DEFAULT_PASSWORD,
        "seen_digest": current_digest(agreement),
        "user_agent": "pytest",
        **evidence,
    }
    return signature_record(agreement=agreement, actor=signatory, team=team, **given)


class SignatureFactory(factory.django.DjangoModelFactory[Signature]):
    """One team's signature on an agreement in review, recorded by the sign-off service."""

    class Meta:
        model = Signature

    agreement = factory.SubFactory(AgreementFactory, in_review=True)
    team = factory.SelfAttribute("agreement.marketing_team")
    user = factory.LazyAttribute(lambda signature: team_signatory(signature.team))

    @classmethod
    def _create(cls, model_class: type[Signature], *args: Any, **kwargs: Any) -> Signature:
        return sign_as(kwargs["agreement"], kwargs["user"], kwargs["team"])


class CommentFactory(factory.django.DjangoModelFactory[Comment]):
    """A party's comment added by the service; ``resolved_by`` resolves it too."""

    class Meta:
        model = Comment

    agreement = factory.SubFactory(AgreementFactory)
    author = factory.SelfAttribute("agreement.owner")
    section = ""
    body = factory.Sequence(lambda n: f"Comment {n}")
    resolved_by = None

    @classmethod
    def _create(cls, model_class: type[Comment], *args: Any, **kwargs: Any) -> Comment:
        comment = comment_add(
            agreement=kwargs["agreement"],
            actor=kwargs["author"],
            body=kwargs["body"],
            section=kwargs["section"],
        )
        if kwargs["resolved_by"] is not None:
            comment = comment_resolve(comment=comment, actor=kwargs["resolved_by"])
        return comment


class RevisionFactory(factory.django.DjangoModelFactory[Revision]):
    """A saved edit of a section held on the agreement row (no repeating rows), by the service."""

    class Meta:
        model = Revision

    agreement = factory.SubFactory(AgreementFactory)
    author = factory.SelfAttribute("agreement.owner")
    section = "review"
    fields = factory.Dict({})

    @classmethod
    def _create(cls, model_class: type[Revision], *args: Any, **kwargs: Any) -> Revision:
        section = kwargs["section"]
        if SECTIONS_BY_KEY[section].rows:
            raise ValueError(f"Section {section} holds rows; save it through its form instead.")
        agreement = agreement_section_update(
            agreement=kwargs["agreement"],
            actor=kwargs["author"],
            section=section,
            base_revision=kwargs["agreement"].revision,
            fields=kwargs["fields"],
        )
        return Revision.objects.get(agreement=agreement, number=agreement.revision)
