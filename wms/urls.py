from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from compliance.views import download_print_job, print_job_content
from wms import views

admin.site.site_header = "Touchline back office"
admin.site.site_title = "Touchline"
admin.site.index_title = "Item master, warehouses and ledger"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("labels/jobs/<int:pk>/", print_job_content, name="label-download"),
    path("labels/jobs/<int:pk>/download/", download_print_job, name="label-download-record"),
    path("rf/", include("wms.floor.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Channel webhooks and lists (before api/: /api/shipments/no-carrier-scan/ is theirs). A string
    # include: the root URLconf composes the project; wms code never imports channels_app.
    path("", include("channels_app.urls")),
    path("api/", include("wms.api.urls")),
    path("channels/shopify/", include("channels_app.shopify.urls")),
]
