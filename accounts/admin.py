"""The system administrator's screens: agencies and pathway hubs. No case data is registered here."""

from django.contrib import admin

from accounts import services
from accounts.models import Agency, Membership, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "duty_status", "is_active"]
    list_filter = ["kind", "duty_status", "is_active"]
    search_fields = ["name", "short_name"]
    fields = ["name", "short_name", "kind", "duty_status", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in self.fields}
        if change:
            services.agency_update(agency=obj, **data)
        else:
            created = services.agency_create(
                name=data["name"], short_name=data["short_name"], kind=data["kind"], duty_status=data["duty_status"]
            )
            obj.pk = created.pk


class MembershipInline(admin.StackedInline):
    model = Membership
    extra = 0
    can_delete = False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "job_title", "is_active", "is_staff"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        return False
