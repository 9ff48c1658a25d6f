from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from heed.portfolio import views

app_name = "portfolio"
urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/bulk/", views.account_bulk, name="account_bulk"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/transition/", views.account_transition, name="account_transition"),
    path("accounts/<int:pk>/assign/", views.account_assign, name="account_assign"),
    path("debtors/<int:pk>/", views.debtor_detail, name="debtor"),
    path(
        "debtors/<int:pk>/contact-points/new/",
        views.contact_point_add,
        name="contact_point_add",
    ),
    path("debtors/<int:pk>/reveal/<str:field>/", views.debtor_reveal, name="debtor_reveal"),
    path(
        "contact-points/<int:pk>/reveal/",
        views.contact_point_reveal,
        name="contact_point_reveal",
    ),
    path("debtor-views/", views.debtor_views, name="debtor_views"),
    path("creditors/", views.creditor_list, name="creditors"),
    path("creditors/<int:pk>/", views.creditor_detail, name="creditor"),
    path("placements/", views.placement_list, name="placements"),
    path("placements/new/", views.placement_new, name="placement_new"),
    path("placements/template.csv", views.placement_template, name="placement_template"),
    path("placements/<int:pk>/", views.placement_detail, name="placement"),
    path("placements/<int:pk>/errors.csv", views.placement_errors, name="placement_errors"),
]
