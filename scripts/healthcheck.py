"""Container health check for the web service: GET /healthz from gunicorn inside the container.

It sends a Host header the app accepts (the first of ALLOWED_HOSTS), since Django refuses any other. /healthz
is exempt from the HTTPS redirect and answers "ok" only when the database does. Exit 0 healthy, 1 not."""

import os
import sys
import urllib.request


def main() -> int:
    hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")]
    host = next((h for h in hosts if h and h != "*"), "localhost")
    port = os.environ.get("SVD_HEALTHCHECK_PORT", "8000")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a fixed local URL
            return 0 if response.status == 200 and response.read() == b"ok" else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
