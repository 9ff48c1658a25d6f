from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from heed.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.HeedLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            template_name="registration/password_change.html", success_url="/account/"
        ),
        name="password_change",
    ),
    path("account/", views.account_settings, name="account_settings"),
    path("account/language/", views.set_language_for_user, name="set_language_for_user"),
    path("account/mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("account/mfa/verify/", views.mfa_verify, name="mfa_verify"),
    path("admin/users/", views.users_list, name="users_list"),
    path("admin/users/new/", views.user_new, name="user_new"),
    path("admin/users/<int:pk>/", views.user_edit, name="user_edit"),
    path("admin/teams/", views.teams_list, name="teams_list"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/verify/", views.audit_verify_start, name="audit_verify_start"),
    path("tasks/", views.task_runs, name="task_runs"),
    path("tasks/<uuid:pk>/", views.task_run_detail, name="task_run_detail"),
]
