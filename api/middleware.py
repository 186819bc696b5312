import logging

logger = logging.getLogger("cohesion.api")


class ApiRequestLogMiddleware:
    """Every request to the read API is logged with the id of the token that made it (none for
    refused ones), so that a donor's aggregator can be traced and a leaked token's use seen."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            token = getattr(request, "auth", None)
            logger.info(
                "api %s %s %s token=%s",
                request.method,
                request.path,
                response.status_code,
                getattr(token, "pk", None),
                extra={"token_id": getattr(token, "pk", None), "status": response.status_code},
            )
        return response
