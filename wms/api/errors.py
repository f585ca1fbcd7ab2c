"""One error shape for the whole API: {"error": code, "message": what to do, "fields": {...}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, OperationalError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from wms.errors import DomainError


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"error": exc.code, "message": exc.message}
        if exc.field:
            body["fields"] = {exc.field: [exc.message]}
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, DataError):
        return Response(
            {
                "error": "invalid",
                "message": "A value in the request cannot be stored or searched (a NUL character, "
                "or a number or text too large). Correct it and send again; nothing was changed.",
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, OperationalError):
        # Lock timeouts, a failover, a dropped connection: nothing was committed, and a scan sent
        # again with the same scan_id is applied exactly once.
        return Response(
            {
                "error": "busy",
                "message": "The database could not finish this request; nothing was changed. "
                "Send it again (a scan with the same scan_id is applied only once).",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, IntegrityError):
        return Response(
            {
                "error": "conflict",
                "message": "That change conflicts with existing data (a duplicate or a record "
                "still in use). Nothing was changed.",
            },
            status=status.HTTP_409_CONFLICT,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()))
        response.data = {
            "error": "invalid",
            "message": f"{first[0]}: {first[1][0]}"
            if first[0] != "non_field_errors"
            else first[1][0],
            "fields": fields,
        }
    elif isinstance(exc, exceptions.APIException):
        response.data = {"error": exc.default_code, "message": str(exc.detail)}
    return response
