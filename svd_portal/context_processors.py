from django.conf import settings

from accounts import permissions


def portal(request):
    """Values every page needs: service name, demo banner, and the navigation for this user's roles."""
    user = getattr(request, "user", None)
    return {
        "SERVICE_NAME": settings.SVD_SERVICE_NAME,
        "PARTNERSHIP_NAME": settings.SVD_PARTNERSHIP_NAME,
        "DEMO_MODE": settings.DEMO_MODE,
        "navigation": permissions.navigation_for(user, getattr(request, "path", "")) if user else [],
    }
