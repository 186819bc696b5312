"""The bases of the project's admin classes: text typed in the admin is cleaned as in every
other form (cohesion.text), since an administrator's typo or paste can carry a bidirectional
control into a member's name as well as anyone's."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from cohesion.forms import CleanModelForm


class ModelAdmin(admin.ModelAdmin):
    form = CleanModelForm


class HistoryAdmin(SimpleHistoryAdmin):
    form = CleanModelForm


class TabularInline(admin.TabularInline):
    form = CleanModelForm


class StackedInline(admin.StackedInline):
    form = CleanModelForm
