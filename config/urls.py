from django.contrib import admin
from django.urls import include, path

from heed.api.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("portfolio/", include("heed.portfolio.urls")),
    path("collection/", include("heed.collection.urls")),
    path("compliance/", include("heed.compliance.urls")),
    path("payments/", include("heed.payments.urls")),
    path("", include("heed.web.urls")),
]
