"""Touchline WMS: the Django project package and the core warehouse domain."""

from .celery import app as celery_app

__all__ = ["celery_app"]
