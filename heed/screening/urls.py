from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from heed.screening import lexicon_views, views

app_name = "screening"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.check, name="check"),
    path("check/contact-points/", views.check_contact_points, name="check_contact_points"),
    path("lexicon/", views.lexicon, name="lexicon"),
    path("lexicon/entries/", lexicon_views.lexicon_entries_list, name="lexicon_entries"),
    path(
        "lexicon/entries/export/",
        lexicon_views.lexicon_entries_export,
        name="lexicon_entries_export",
    ),
    path("lexicon/retire/", lexicon_views.lexicon_retire, name="lexicon_retire"),
    path("lexicon/<int:pk>/impact/", views.lexicon_change_impact, name="lexicon_impact"),
    path("lexicon/<int:pk>/approve/", views.lexicon_change_approve, name="lexicon_approve"),
    path("lexicon/<int:pk>/reject/", views.lexicon_change_reject, name="lexicon_reject"),
    path(
        "lexicon/<int:pk>/withdraw/",
        lexicon_views.lexicon_change_withdraw,
        name="lexicon_withdraw",
    ),
    path("live/", views.live, name="live"),
    path("templates/", views.templates, name="templates"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path(
        "templates/versions/<int:pk>/<str:decision>/",
        views.template_version_decide,
        name="template_version_decide",
    ),
    path("send/<int:account_pk>/", views.send, name="send"),
    path("messages/", views.message_log, name="messages"),
    path("held/", views.held_messages, name="held"),
    path("held/<int:pk>/<str:decision>/", views.held_message_decide, name="held_decide"),
    path("letters/", views.letters, name="letters"),
    path("letters/<uuid:pk>/", views.letter_run, name="letter_run"),
    path("letters/<uuid:pk>/pdf/", views.letter_run_pdf, name="letter_run_pdf"),
    path("letters/message/<int:pk>/pdf/", views.letter_pdf, name="letter_pdf"),
]
