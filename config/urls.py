from django.contrib import admin
from django.urls import include, path, re_path

from heed.api.api import api
from heed.api.errors import unknown_api_path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", unknown_api_path),
    path("portfolio/", include("heed.portfolio.urls")),
    path("collection/", include("heed.collection.urls")),
    path("compliance/", include("heed.compliance.urls")),
    path("payments/", include("heed.payments.urls")),
    path("screening/", include("heed.screening.urls")),
    path("", include("heed.web.urls")),
]
