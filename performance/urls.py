"""Performance pages, under the same /agreements/ paths as the agreement they belong to."""

from django.urls import path

from performance.views import actuals, corrections, dashboard

app_name = "performance"

urlpatterns = [
    path("<int:pk>/dashboard/", dashboard.agreement_dashboard, name="dashboard"),
    path("<int:pk>/actuals.csv", dashboard.actuals_csv, name="actuals_csv"),
    path("<int:pk>/leads.csv", dashboard.leads_csv, name="leads_csv"),
    path("portfolio/", dashboard.portfolio, name="portfolio"),
    path("<int:pk>/actuals/", actuals.actuals_overview, name="actuals"),
    path("<int:pk>/actuals/month/", actuals.actuals_month, name="actuals_month"),
    path("<int:pk>/actuals/import/", actuals.actuals_import_page, name="actuals_import"),
    path("<int:pk>/kpis/actuals/", actuals.kpi_actuals, name="kpi_actuals"),
    path("<int:pk>/leads/import/", actuals.leads_import_page, name="leads_import"),
    path(
        "<int:pk>/actuals/month/delete/",
        corrections.actuals_month_delete,
        name="actuals_month_delete",
    ),
    path("<int:pk>/actuals/imports/undo/", corrections.import_undo_page, name="import_undo"),
    path(
        "<int:pk>/actuals/template.csv",
        corrections.actuals_template_csv,
        name="actuals_template_csv",
    ),
    path("<int:pk>/leads/template.csv", corrections.leads_template_csv, name="leads_template_csv"),
]
