"""Pages of at most ``MAX_PAGE_SIZE`` items, with links to the other pages (in the body and in
a ``Link`` header), and a clear 400 for a page number or size that cannot be used."""

from collections import OrderedDict

from django.core.paginator import InvalidPage, Page
from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _positive(request: Request, name: str, *, maximum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise exceptions.ValidationError({name: ["Verwacht een geheel getal van 1 of meer."]})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise exceptions.ValidationError({name: [f"Ten hoogste {maximum} per pagina."]})
    return value


class Pagination(PageNumberPagination):
    current: Page
    current_request: Request
    page_query_param = "page"
    page_size_query_param = "pageSize"
    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset: QuerySet, request: Request, view=None) -> list:
        number = _positive(request, self.page_query_param) or 1
        size = _positive(request, self.page_size_query_param, maximum=MAX_PAGE_SIZE)
        self.request = request
        paginator = self.django_paginator_class(queryset, size or self.page_size)
        try:
            page = paginator.page(number)
        except InvalidPage:
            raise exceptions.NotFound(
                f"Pagina {number} bestaat niet; er zijn {paginator.num_pages} pagina's."
            ) from None
        self.page = page
        self.current = page
        self.current_request = request
        return list(page)

    def _link(self, number: int | None) -> dict[str, str] | None:
        if number is None:
            return None
        url = self.current_request.build_absolute_uri()
        if number == 1:
            return {"href": remove_query_param(url, self.page_query_param)}
        return {"href": replace_query_param(url, self.page_query_param, number)}

    def get_paginated_response(self, data: list) -> Response:
        page = self.current
        links = OrderedDict(
            self_=self._link(page.number),
            first=self._link(1),
            prev=self._link(page.previous_page_number() if page.has_previous() else None),
            next=self._link(page.next_page_number() if page.has_next() else None),
            last=self._link(page.paginator.num_pages),
        )
        body_links = {("self" if k == "self_" else k): v for k, v in links.items() if v}
        header = ", ".join(
            f'<{link["href"]}>; rel="{name}"' for name, link in body_links.items() if name != "self"
        )
        response = Response(
            {
                "totalItems": page.paginator.count,
                "totalPages": page.paginator.num_pages,
                "page": page.number,
                "links": body_links,
                "results": data,
            }
        )
        if header:
            response["Link"] = header
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "object", "properties": {"href": {"type": "string", "format": "uri"}}}
        return {
            "type": "object",
            "required": ["totalItems", "totalPages", "page", "links", "results"],
            "properties": {
                "totalItems": {"type": "integer", "example": 123},
                "totalPages": {"type": "integer", "example": 7},
                "page": {"type": "integer", "example": 1},
                "links": {
                    "type": "object",
                    "properties": dict.fromkeys(("self", "first", "prev", "next", "last"), link),
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Paginanummer (vanaf 1).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Aantal per pagina (1 tot en met {MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
