from django.urls import path

from agreements.views import drafting, exchange, review, signing, signoff, workspace

app_name = "agreements"

urlpatterns = [
    # Drafting: list, create, detail, section editing.
    path("", drafting.agreement_list, name="list"),
    path("new/", drafting.agreement_create, name="create"),
    path("<int:pk>/", drafting.agreement_detail, name="detail"),
    path(
        "<int:pk>/edit/<slug:section>/",
        drafting.agreement_section_edit,
        name="section_edit",
    ),
    path("<int:pk>/funnel/preview/", drafting.funnel_preview, name="funnel_preview"),
    # Exchange: export.json and import.
    path("<int:pk>/export.json", exchange.agreement_export_json, name="export_json"),
    path("import/", exchange.agreement_import_page, name="import"),
    # Sign-off.
    path("signed/", signoff.signed_list, name="signed_list"),
    path("<int:pk>/submit/", review.agreement_submit_view, name="submit"),
    path("<int:pk>/review-terms/", review.review_schedule_view, name="review_schedule"),
    path("<int:pk>/withdraw/", signoff.agreement_withdraw_view, name="withdraw"),
    path(
        "<int:pk>/request-changes/",
        signoff.agreement_request_changes_view,
        name="request_changes",
    ),
    path("<int:pk>/cancel/", signoff.agreement_cancel_view, name="cancel"),
    path("<int:pk>/sign/", signing.agreement_sign, name="sign"),
    path("<int:pk>/amend/", signoff.agreement_amend_view, name="amend"),
    path("<int:pk>/comments/", signoff.comment_add_view, name="comment_add"),
    path(
        "<int:pk>/comments/<int:comment_pk>/resolve/",
        signoff.comment_resolve_view,
        name="comment_resolve",
    ),
    path("<int:pk>/evidence/", signoff.agreement_evidence, name="evidence"),
    path("<int:pk>/verify/", signoff.agreement_verify, name="verify"),
    path("<int:pk>/compare/", signoff.agreement_compare, name="compare"),
    path("<int:pk>/revisions/", signoff.agreement_revisions_view, name="revisions"),
    path("<int:pk>/history/", workspace.agreement_history, name="history"),
]
