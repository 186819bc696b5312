from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import UserChangeAdminForm, UserCreationAdminForm
from accounts.models import Invitation, RoleAssignment, User
from cohesion import admin as base


class RoleAssignmentInline(base.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["programme"]
    readonly_fields = ["created_at", "created_by"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "role_assignments__role"]
    search_fields = ["email", "full_name"]
    inlines = [RoleAssignmentInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "language"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "usable_password", "password1", "password2"],
            },
        ),
    ]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(base.ModelAdmin):
    list_display = ["user", "role", "programme", "created_at"]
    list_filter = ["role", "programme"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user", "programme"]
    list_select_related = ["user", "programme"]


@admin.register(Invitation)
class InvitationAdmin(base.ModelAdmin):
    list_display = ["email", "role", "programme", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "programme"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by", "created_at"]
    list_select_related = ["programme"]
