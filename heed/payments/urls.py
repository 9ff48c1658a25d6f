from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from heed.payments import views

app_name = "payments"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.payment_list, name="list"),
    path("approvals/", views.approvals, name="approvals"),
    path("remittance/", views.remittance, name="remittance"),
    path("accounts/<int:pk>/", views.account_page, name="account"),
    path("accounts/<int:pk>/panel/", views.account_panel, name="account_panel"),
    path("accounts/<int:pk>/timeline/", views.account_timeline, name="account_timeline"),
    path("accounts/<int:pk>/payments/", views.payment_new, name="payment_new"),
    path("accounts/<int:pk>/promises/", views.promise_new, name="promise_new"),
    path("accounts/<int:pk>/plans/preview/", views.plan_preview, name="plan_preview"),
    path("accounts/<int:pk>/plans/", views.plan_new, name="plan_new"),
    path("accounts/<int:pk>/settlements/", views.settlement_new, name="settlement_new"),
    path("payments/<int:payment_id>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("<str:kind>/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("settlements/<int:pk>/decide/", views.settlement_decide, name="settlement_decide"),
    path("plans/<int:pk>/decide/", views.plan_decide, name="plan_decide"),
]
