"""Comments: on the agreement or a section, resolved once, never empty."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from agreements.models import Agreement, AgreementEvent, Comment
from agreements.services import comments
from agreements.services.comments import comment_add, comment_resolve


def test_comment_on_a_section_and_resolve_it(agreement: Agreement, sales_member: Any) -> None:
    """A comment may name a section; resolving records who and when, once."""
    comment = comment_add(
        agreement=agreement,
        actor=sales_member,
        body="  Add a webinar lead type.  ",
        section="service_levels",
    )
    assert comment.body == "Add a webinar lead type."
    assert comment.section == "service_levels"
    event = AgreementEvent.objects.get(kind=AgreementEvent.Kind.COMMENTED)
    assert event.details["comment"] == comment.pk
    resolved = comment_resolve(comment=comment, actor=sales_member)
    assert resolved.resolved_by == sales_member
    assert resolved.resolved_at is not None
    with pytest.raises(ValidationError) as refused:
        comment_resolve(comment=comment, actor=sales_member)
    assert refused.value.messages == [comments.ERROR_ALREADY_RESOLVED]


@pytest.mark.parametrize(
    ("body", "section", "message"),
    [
        ("", "", comments.ERROR_BODY_REQUIRED),
        ("   ", "kpis", comments.ERROR_BODY_REQUIRED),
        ("Fine", "nonsense", comments.ERROR_UNKNOWN_SECTION.format(section="nonsense")),
    ],
)
def test_comment_needs_a_body_and_a_known_section(
    agreement: Agreement, sales_member: Any, body: str, section: str, message: str
) -> None:
    """An empty comment, or one on a section that does not exist, is refused."""
    with pytest.raises(ValidationError) as refused:
        comment_add(agreement=agreement, actor=sales_member, body=body, section=section)
    assert refused.value.messages == [message]
    assert not Comment.objects.exists()
