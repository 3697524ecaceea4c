"""Permissions come from the user's role, not from Django's per-model permission tables."""

from django.contrib.auth.backends import ModelBackend


class RoleBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(user_obj.permission_codes)

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.is_active and not user_obj.is_anonymous and perm in user_obj.permission_codes

    def has_module_perms(self, user_obj, app_label):
        return user_obj.is_active and user_obj.is_superuser

    def get_user(self, user_id):
        from .models import User

        try:
            user = User.objects.select_related("role").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
