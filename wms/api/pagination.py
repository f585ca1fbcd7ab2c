from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Stable paging over growing tables (the ledger): newest first, by primary key."""

    ordering = "-pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
