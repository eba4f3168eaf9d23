"""The model backend, with the user's membership and agency loaded in the same query.

Every signed-in request asks for the user's roles and agency (navigation, permission checks); loading them
with the user saves two queries per request. Whether the user may still sign in (`is_active`) is checked
exactly as Django's ModelBackend does."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class ModelBackendWithMembership(ModelBackend):
    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("membership__agency").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
