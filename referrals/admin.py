from django.contrib import admin

from referrals.models import PathwayHub


@admin.register(PathwayHub)
class PathwayHubAdmin(admin.ModelAdmin):
    list_display = ["pathway", "agency"]
