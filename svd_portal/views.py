from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@login_not_required
def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


@login_not_required
@require_safe
def healthz(request):
    """For the container health check and a load balancer: "ok" when the database answers. Public, so it says
    nothing else. Redis is deliberately not checked: the web service keeps working without it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@login_not_required
def admin_login(request, extra_context=None):
    """The Django admin's own login page is never used: everyone signs in through ours, with both factors.
    A signed-in, verified user who lands here (the admin's "next" after our sign-in) goes on to where they
    were heading instead of seeing the sign-in page again. Whatever the method, it only redirects: it never
    reads credentials."""
    from django.shortcuts import redirect
    from django.urls import reverse

    from accounts.middleware import is_fully_authenticated, second_factor_step_url
    from accounts.views import safe_next

    if is_fully_authenticated(request):
        return redirect(safe_next(request, default=reverse("admin:index")))
    if request.user.is_authenticated:  # password only: on to the second factor, like every other page
        return redirect(second_factor_step_url(request.user, safe_next(request, default="")))
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{reverse('accounts:login')}?{query}" if query else reverse("accounts:login"))
