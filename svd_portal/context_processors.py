from django.conf import settings

from accounts import permissions
from accounts.middleware import is_fully_authenticated


def portal(request):
    """Values every page needs: service name, demo banner, and the navigation for this user's roles.
    A session that has passed only the password step gets no navigation: it may reach nothing, and the
    menu would tell whoever holds the password which roles the account has."""
    user = getattr(request, "user", None)
    show_navigation = user is not None and is_fully_authenticated(request)
    return {
        "SERVICE_NAME": settings.SVD_SERVICE_NAME,
        "PARTNERSHIP_NAME": settings.SVD_PARTNERSHIP_NAME,
        "DEMO_MODE": settings.DEMO_MODE,
        "navigation": permissions.navigation_for(user, getattr(request, "path", "")) if show_navigation else [],
    }
