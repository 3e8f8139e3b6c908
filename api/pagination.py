from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Cursor pages: stable under inserts and as fast on page 1,000 as on
    page 1, because each page is an indexed range, not an OFFSET."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-id",)


class ByOfferCursorPagination(NewestFirstCursorPagination):
    # Matches the (location, state, -offered_at) index of assignments.
    ordering = ("-offered_at", "-id")
