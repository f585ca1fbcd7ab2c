"""The label station's pages, included by the project's root URLconf by string: `wms` never imports
compliance (docs/compliance.md)."""

from django.urls import path

from compliance import station_views as desk
from compliance.views import download_print_job, print_job_content

urlpatterns = [
    path("labels/jobs/<int:pk>/", print_job_content, name="label-download"),
    path("labels/jobs/<int:pk>/download/", download_print_job, name="label-download-record"),
    # The label station screen (docs/compliance.md, "The label station screen").
    path("station/", desk.station_page, name="station"),
    path("station/printer/", desk.choose_printer, name="station-printer"),
    path("station/find/", desk.find, name="station-find"),
    path("station/preview/", desk.preview_pane, name="station-preview"),
    path("station/print/", desk.print_label, name="station-print"),
    path("station/bulk/", desk.print_bulk, name="station-bulk"),
    path("station/queue/", desk.queue, name="station-queue"),
    path("station/jobs/<int:pk>/reprint/", desk.reprint, name="station-reprint"),
    path("station/jobs/<int:pk>/retry/", desk.retry, name="station-retry"),
    path("station/jobs/<int:pk>/download/", desk.download, name="station-download"),
]
