"""The label station's pages, included by the project's root URLconf by string: `wms` never imports
compliance (docs/compliance.md)."""

from django.urls import path

from compliance.views import download_print_job, print_job_content

urlpatterns = [
    path("labels/jobs/<int:pk>/", print_job_content, name="label-download"),
    path("labels/jobs/<int:pk>/download/", download_print_job, name="label-download-record"),
]
