from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Agreements")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agreements.page_extensions import WorkspaceTab, register_workspace_tab

        register_workspace_tab(WorkspaceTab("agreement", _("Agreement"), "agreements:detail", 10))
        register_workspace_tab(WorkspaceTab("history", _("History"), "agreements:history", 40))
        register_workspace_tab(WorkspaceTab("evidence", _("Evidence"), "agreements:evidence", 50))
