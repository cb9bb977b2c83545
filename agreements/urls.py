from django.urls import path

from .views import drafting

app_name = "agreements"

urlpatterns = [
    # Drafting: list, create, detail, section editing.
    path("", drafting.agreement_list, name="list"),
    path("<int:pk>/", drafting.agreement_detail, name="detail"),
    # Exchange: export.json and import.
    # Sign-off.
    # Performance.
]
