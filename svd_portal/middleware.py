"""Project-wide middleware: request ids for the logs, and no caching of anything a signed-in user sees."""

import uuid

from django.utils.cache import add_never_cache_headers


class RequestIdMiddleware:
    """Give each request an id (logged with access-log rows) and echo it in a response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response


class NoStoreMiddleware:
    """Pages carry case data: never let a browser or proxy keep a copy (Cache-Control: no-store)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
        return response
