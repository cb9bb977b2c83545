"""The agreement's life cycle: which acts each state allows, and why the others are refused.

One table, read by the services (which enforce it under the row lock) and by the pages
(which show an action only where the state allows it). Who may act is a separate question,
answered in ``permissions``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from agreements.models import Agreement

Status = Agreement.Status


class Act(models.TextChoices):
    EDIT = "edit", gettext_lazy("Edit")
    SUBMIT = "submit", gettext_lazy("Submit for sign-off")
    WITHDRAW = "withdraw", gettext_lazy("Withdraw")
    REQUEST_CHANGES = "request_changes", gettext_lazy("Request changes")
    CANCEL = "cancel", gettext_lazy("Cancel")
    SIGN = "sign", gettext_lazy("Sign")
    AMEND = "amend", gettext_lazy("Amend")
    COMMENT = "comment", gettext_lazy("Comment")
    SCHEDULE_REVIEW = "schedule_review", gettext_lazy("Change the due date and reminders")
    # Actuals, KPI values and leads are held against signed versions only.
    RECORD = "record", gettext_lazy("Record actuals")


ALLOWED: dict[str, frozenset[Act]] = {
    Status.DRAFT: frozenset({Act.EDIT, Act.SUBMIT, Act.CANCEL, Act.COMMENT}),
    Status.IN_REVIEW: frozenset(
        {Act.WITHDRAW, Act.REQUEST_CHANGES, Act.CANCEL, Act.SIGN, Act.COMMENT, Act.SCHEDULE_REVIEW}
    ),
    Status.SIGNED: frozenset({Act.AMEND, Act.COMMENT, Act.RECORD}),
    Status.CANCELLED: frozenset(),
}

# Acts that a superseded signed version no longer allows.
NOT_WHEN_SUPERSEDED = frozenset({Act.AMEND})

ERROR_NOT_IN_REVIEW = gettext_noop("This agreement is not in review; it is {status}.")

# Why an act is refused in a state that does not allow it; {status} is the state's name.
REFUSALS: dict[Act, str] = {
    Act.EDIT: gettext_noop("Only a draft can be changed; this agreement is {status}."),
    Act.SUBMIT: gettext_noop("Only a draft can be submitted; this agreement is {status}."),
    Act.WITHDRAW: ERROR_NOT_IN_REVIEW,
    Act.REQUEST_CHANGES: ERROR_NOT_IN_REVIEW,
    Act.SIGN: ERROR_NOT_IN_REVIEW,
    Act.SCHEDULE_REVIEW: ERROR_NOT_IN_REVIEW,
    Act.CANCEL: gettext_noop(
        "Only a draft or an agreement in review can be cancelled; this agreement is {status}."
    ),
    Act.AMEND: gettext_noop("Only a signed agreement can be amended; this one is {status}."),
    Act.COMMENT: gettext_noop("This agreement is cancelled."),
    Act.RECORD: gettext_noop(
        "Actuals and leads are recorded against a signed agreement; this one is {status}."
    ),
}
ERROR_SUPERSEDED = gettext_noop("This version is superseded; amend the latest version instead.")

# The code of each refusal's ValidationError, for callers that tell refusals apart.
REFUSAL_CODES: dict[Act, str] = {
    Act.EDIT: "not_draft",
    Act.SUBMIT: "not_draft",
    Act.WITHDRAW: "not_in_review",
    Act.REQUEST_CHANGES: "not_in_review",
    Act.SIGN: "not_in_review",
    Act.SCHEDULE_REVIEW: "not_in_review",
    Act.CANCEL: "not_cancellable",
    Act.AMEND: "not_signed",
    Act.COMMENT: "cancelled",
    Act.RECORD: "not_signed",
}
SUPERSEDED_CODE = "superseded"


def status_text(agreement: Agreement) -> str:
    """The agreement's state as a word inside a sentence."""
    return str(agreement.get_status_display()).lower()


def allows(agreement: Agreement, act: Act) -> bool:
    """Whether the agreement's state allows the act (whoever asks)."""
    if act not in ALLOWED[agreement.status]:
        return False
    return not (act in NOT_WHEN_SUPERSEDED and agreement.superseded_at is not None)


def refusal(agreement: Agreement, act: Act) -> str:
    """Why the agreement's state refuses the act, translated; "" when it allows it."""
    if allows(agreement, act):
        return ""
    if act in ALLOWED[agreement.status]:
        return _(ERROR_SUPERSEDED)
    return _(REFUSALS[act]).format(status=status_text(agreement))


def ensure_allows(agreement: Agreement, act: Act) -> None:
    """Raise ValidationError with the refusal unless the agreement's state allows the act."""
    if allows(agreement, act):
        return
    superseded = act in ALLOWED[agreement.status]
    code = SUPERSEDED_CODE if superseded else REFUSAL_CODES[act]
    raise ValidationError(refusal(agreement, act), code=code)
