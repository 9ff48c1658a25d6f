from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from heed.collection import views

app_name = "collection"
urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/<int:account_id>/", views.account_workspace, name="account_workspace"),
    path("accounts/<int:account_id>/panel/", views.account_contacts_panel, name="account_panel"),
    path("accounts/<int:account_id>/preflight/", views.account_preflight, name="account_preflight"),
    path(
        "accounts/<int:account_id>/contacts/",
        views.account_contact_record,
        name="account_contact_record",
    ),
]
