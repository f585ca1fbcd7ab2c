from django.urls import path

from wms.floor import views

urlpatterns = [
    path("", views.menu, name="rf-menu"),
    path("signin/", views.signin, name="rf-signin"),
    path("signout/", views.signout, name="rf-signout"),
    path("ping/", views.ping, name="rf-ping"),
    path("warehouse/", views.choose_warehouse, name="rf-warehouse"),
    path("<slug:slug>/", views.flow_view, name="rf-flow"),
]
