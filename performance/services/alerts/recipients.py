"""Who receives the alert emails: the owning team's members and the other team's signatories."""

from __future__ import annotations

from collections.abc import Iterable

from agreements.models import Agreement, Owner
from agreements.recipients import team_addresses
from performance.models import Alert
from teams.models import Membership


def alert_recipients(
    owner: str, agreement: Agreement, addresses: dict[tuple[int, str], set[str]]
) -> set[str]:
    """The owning team's members and the other team's signatories; both teams when shared."""

    def members(team_id: int) -> set[str]:
        return addresses.get((team_id, Membership.Role.MEMBER), set()) | addresses.get(
            (team_id, Membership.Role.SIGNATORY), set()
        )

    def signatories(team_id: int) -> set[str]:
        return set(addresses.get((team_id, Membership.Role.SIGNATORY), set()))

    marketing, sales = agreement.marketing_team_id, agreement.sales_team_id
    if owner == Owner.MARKETING:
        return members(marketing) | signatories(sales)
    if owner == Owner.SALES:
        return members(sales) | signatories(marketing)
    return members(marketing) | members(sales)


def digest_recipients(agreement: Agreement, alerts: Iterable[Alert]) -> dict[str, list[Alert]]:
    """Each recipient's share of one agreement's alerts, in the alerts' order (one query)."""
    addresses = team_addresses((agreement.marketing_team_id, agreement.sales_team_id))
    by_recipient: dict[str, list[Alert]] = {}
    for alert in alerts:
        owner = (alert.details or {}).get("owner", Owner.SHARED)
        for address in sorted(alert_recipients(owner, agreement, addresses)):
            by_recipient.setdefault(address, []).append(alert)
    return by_recipient
