"""The benchmark seeder's bulk copies: agreements copied from the few made by the services,
each with its own series, section rows, signatures and sealed audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from agreements import integrity
from agreements.exchange import agreement_digest
from agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementSeries,
    Revision,
    Signature,
)
from agreements.selectors import agreements_load_sections
from performance.benchmark_seed.plan import (
    SECTION_MODELS,
)
from teams.models import Team


class BulkCopies:
    """The copying half of the Seeder (performance.benchmark_seed.seeder)."""

    size: Any
    rng: Any
    owners: dict[int, Any]
    signers: dict[int, Any]
    team_names: dict[int, str]

    def pair(self, index: int) -> tuple[Team, Team]:
        raise NotImplementedError  # the Seeder's

    # Copies written in bulk --------------------------------------------------------------

    def copies(self, templates: Sequence[list[int]], *, first: int, count: int) -> None:
        """``count`` copies of the templates in turn, numbered from ``first``, in one go."""
        with transaction.atomic():
            plans = [
                (first + offset, templates[(first + offset) % len(templates)])
                for offset in range(count)
            ]
            series = AgreementSeries.objects.bulk_create(AgreementSeries() for _ in plans)
            copied: dict[int, dict[int, Agreement]] = {}  # series pk -> template pk -> copy
            sources = {
                agreement.pk: agreement
                for agreement in Agreement.objects.filter(
                    pk__in={pk for _index, versions in plans for pk in versions}
                )
            }
            # Version by version, so an amendment can point at its copied predecessor.
            for position in range(max(len(versions) for _index, versions in plans)):
                rows = []
                for (index, versions), new_series in zip(plans, series, strict=True):
                    if position >= len(versions):
                        continue
                    rows.append(
                        (
                            new_series.pk,
                            versions[position],
                            self.copy_row(
                                sources[versions[position]],
                                index,
                                new_series,
                                copied.get(new_series.pk, {}),
                            ),
                        )
                    )
                created = Agreement.objects.bulk_create([row for _s, _t, row in rows])
                for (series_pk, template_pk, _row), agreement in zip(rows, created, strict=True):
                    copied.setdefault(series_pk, {})[template_pk] = agreement
            self.copy_sections(copied)
            digests = {
                pk: agreement_digest(loaded)
                for pk, loaded in agreements_load_sections(
                    [a.pk for by_template in copied.values() for a in by_template.values()]
                ).items()
            }
            self.copy_trail(series, copied, digests)

    def copy_row(
        self, source: Agreement, index: int, series: AgreementSeries, earlier: dict[int, Agreement]
    ) -> Agreement:
        marketing, sales = self.pair(index)
        values = {
            field.attname: getattr(source, field.attname)
            for field in Agreement._meta.concrete_fields
            if not field.primary_key
        }
        values.update(
            series_id=series.pk,
            title=f"Benchmark SLA {index:05d}",
            marketing_team_id=marketing.pk,
            sales_team_id=sales.pk,
            owner_id=self.owners[marketing.pk].pk,
            amends_id=earlier[source.amends_id].pk if source.amends_id else None,
        )
        return Agreement(**values)

    def copy_sections(self, copied: dict[int, dict[int, Agreement]]) -> None:
        targets: dict[int, list[int]] = {}
        for by_template in copied.values():
            for template_pk, agreement in by_template.items():
                targets.setdefault(template_pk, []).append(agreement.pk)
        for model in SECTION_MODELS:
            fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
            rows: list[Any] = []
            for row in model.objects.filter(agreement_id__in=targets).order_by("pk"):
                values = {name: getattr(row, name) for name in fields}
                for pk in targets[row.agreement_id]:
                    rows.append(model(**{**values, "agreement_id": pk}))
            model.objects.bulk_create(rows, batch_size=2_000)
        revisions = []
        for revision in Revision.objects.filter(agreement_id__in=targets).order_by("pk"):
            for pk in targets[revision.agreement_id]:
                revisions.append(
                    Revision(
                        agreement_id=pk,
                        number=revision.number,
                        author_id=None,
                        section=revision.section,
                        digest=revision.digest,
                        snapshot=revision.snapshot,
                    )
                )
        Revision.objects.bulk_create(revisions, batch_size=2_000)

    def copy_trail(
        self,
        series: Sequence[AgreementSeries],
        copied: dict[int, dict[int, Agreement]],
        digests: dict[int, str],
    ) -> None:
        """Signatures over each copy's own content, and its series' chained, MAC'd events."""
        template_pks = {pk for by_template in copied.values() for pk in by_template}
        signatures_by_template: dict[int, list[Signature]] = {}
        for signature in Signature.objects.filter(agreement_id__in=template_pks).order_by("pk"):
            signatures_by_template.setdefault(signature.agreement_id, []).append(signature)
        events_by_template: dict[int, list[AgreementEvent]] = {}
        template_series = set(
            Agreement.objects.filter(pk__in=template_pks).values_list("series_id", flat=True)
        )
        for event in AgreementEvent.objects.filter(
            agreement__series_id__in=template_series
        ).order_by("created_at", "pk"):
            events_by_template.setdefault(event.agreement_id, []).append(event)

        template_marketing = dict(
            Agreement.objects.filter(pk__in=template_pks).values_list("pk", "marketing_team_id")
        )
        new_signatures: list[Signature] = []
        signature_sources: list[tuple[int, int]] = []  # (series pk, template signature pk)
        for series_pk, by_template in copied.items():
            for template_pk, agreement in by_template.items():
                for original in signatures_by_template.get(template_pk, []):
                    team_pk = (
                        agreement.marketing_team_id
                        if original.team_id == template_marketing[template_pk]
                        else agreement.sales_team_id
                    )
                    signer = self.signers[team_pk]
                    signature = Signature(
                        agreement_id=agreement.pk,
                        team_id=team_pk,
                        user_id=signer.pk,
                        typed_name=signer.get_full_name(),
                        signed_at=original.signed_at,
                        ip_address=original.ip_address,
                        user_agent=original.user_agent,
                        version=agreement.version,
                        digest=digests[agreement.pk],
                    )
                    new_signatures.append(signature)
                    signature_sources.append((series_pk, original.pk))
        # The MAC covers the signature's pk-free facts only, so sealing before the insert works.
        for signature in new_signatures:
            integrity.signature_seal(signature)
        created = Signature.objects.bulk_create(new_signatures)
        signature_map = dict(zip(signature_sources, created, strict=True))

        events = []
        for new_series in series:
            by_template = copied[new_series.pk]
            template_events = sorted(
                (event for pk in by_template for event in events_by_template.get(pk, [])),
                key=lambda event: (event.created_at, event.pk),
            )
            for recorded in template_events:
                agreement = by_template[recorded.agreement_id]
                details = dict(recorded.details)
                actor_id = self.owners[agreement.marketing_team_id].pk
                if "signature" in details:
                    signature = signature_map[(new_series.pk, details["signature"])]
                    actor_id = signature.user_id
                    details.update(
                        signature=signature.pk,
                        team=self.team_names[signature.team_id],
                        typed_name=signature.typed_name,
                        digest=signature.digest,
                    )
                event = AgreementEvent(
                    agreement_id=agreement.pk,
                    actor_id=actor_id if recorded.actor_id is not None else None,
                    created_at=recorded.created_at,
                    kind=recorded.kind,
                    details=details,
                    ip_address=recorded.ip_address,
                )
                integrity.event_seal(event, new_series)
                events.append(event)
        AgreementEvent.objects.bulk_create(events, batch_size=2_000)
        AgreementSeries.objects.bulk_update(
            series, ["event_count", "event_head", "event_head_key_id", "event_head_mac"]
        )
