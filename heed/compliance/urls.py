from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from heed.compliance import views

app_name = "compliance"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.packs, name="packs"),
    path("packs/<slug:code>/", views.pack_detail, name="pack_detail"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/approve/", views.version_approve, name="version_approve"),
    path("versions/<int:pk>/reject/", views.version_reject, name="version_reject"),
    path("decisions/", views.decisions, name="decisions"),
    path("holds/", views.holds, name="holds"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("unchecked/", views.unchecked, name="unchecked"),
    path("simulate/", views.simulate, name="simulate"),
    path("accounts/<int:account_id>/panel/", views.account_panel, name="account_panel"),
    path("accounts/<int:account_id>/holds/", views.account_hold_add, name="account_hold_add"),
    path(
        "accounts/<int:account_id>/preferences/",
        views.account_preference_add,
        name="account_preference_add",
    ),
]
