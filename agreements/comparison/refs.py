"""What can be compared on an agreement's page: its versions and revisions."""

from __future__ import annotations

from django.utils.translation import gettext

from agreements.models import Agreement, Revision


def compare_refs(revisions: list[Revision], versions: list[Agreement]) -> list[tuple[str, str]]:
    """What can be compared, as (reference, label): versions "v<n>", then revisions "r<n>"."""
    refs = [
        (
            f"v{version.version}",
            gettext("Version %(number)s (%(status)s)")
            % {"number": version.version, "status": version.get_status_display()},
        )
        for version in reversed(versions)
    ]
    refs += [
        (f"r{revision.number}", gettext("Revision %(number)s") % {"number": revision.number})
        for revision in revisions
    ]
    return refs


def default_refs(
    agreement: Agreement, revisions: list[Revision], versions: list[Agreement]
) -> tuple[str, str]:
    """The previous version against this one, else the two latest revisions."""
    earlier = [version for version in versions if version.version < agreement.version]
    if earlier:
        return f"v{earlier[-1].version}", f"v{agreement.version}"
    if len(revisions) >= 2:
        return f"r{revisions[1].number}", f"r{revisions[0].number}"
    if revisions:
        return f"r{revisions[0].number}", f"r{revisions[0].number}"
    return f"v{agreement.version}", f"v{agreement.version}"
