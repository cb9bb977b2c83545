from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "performance"
    verbose_name = _("Performance")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here: the models these modules use are ready only now.
        from agreements.page_extensions import (
            WorkspaceTab,
            register_agreement_panel,
            register_home_panel,
            register_workspace_tab,
        )
        from performance.agreement_panels import (
            actuals_unavailable,
            alerts_banner,
            dashboard_unavailable,
            home_alerts,
        )

        register_agreement_panel(alerts_banner)
        register_workspace_tab(
            WorkspaceTab("actuals", _("Actuals"), "performance:actuals", 20, actuals_unavailable)
        )
        register_workspace_tab(
            WorkspaceTab(
                "dashboard", _("Dashboard"), "performance:dashboard", 30, dashboard_unavailable
            )
        )
        register_home_panel(home_alerts)
