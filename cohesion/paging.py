"""One page of a list, the same way on every page that lists things: at national scale a
programme has 1,500 communities and groups, hundreds of events, leaders, organisations and
applications, and no page shows them all at once."""

from django.core.paginator import Page, Paginator

PER_PAGE = 50


def page_of(rows, request, *, param: str = "page", per_page: int = PER_PAGE) -> Page:
    """The page the request asks for in `param` (the first for nonsense, the last past the
    end). A page that lists two things names each its own `param`; the links keep every other
    query parameter (the filters, the other list's page): templates/_pagination.html."""
    page = Paginator(rows, per_page).get_page(request.GET.get(param))
    page.param = param
    return page
