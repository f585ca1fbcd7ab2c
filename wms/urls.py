from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from wms import views

admin.site.site_header = "Touchline back office"
admin.site.site_title = "Touchline"
admin.site.index_title = "Item master, warehouses and ledger"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(template_name="login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The label station's pages. A string include, as for channels_app: wms never imports compliance.
    path("", include("compliance.urls")),
    path("rf/", include("wms.floor.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Channel webhooks and lists (before api/: /api/shipments/no-carrier-scan/ is theirs). A string
    # include: the root URLconf composes the project; wms code never imports channels_app.
    path("", include("channels_app.urls")),
    path("api/", include("wms.api.urls")),
    path("api/", include("compliance.api_urls")),  # compliance registers its own API routes
    path("channels/shopify/", include("channels_app.shopify.urls")),
]
