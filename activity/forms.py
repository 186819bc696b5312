from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from activity.selectors import Area, Filters
from cohesion.forms import CleanForm
from communities.models import Programme


class ActivityFilterForm(CleanForm):
    """The activity page's filters, read from the query string so that they stay in the page
    links. Nonsense in one is left out rather than refused: the page still lists."""

    area = forms.ChoiceField(
        label=_("Kind of record"),
        choices=[("", _("Any kind")), *Area.choices],
        required=False,
    )
    user = forms.ModelChoiceField(
        label=_("Changed by"), queryset=User.objects.none(), required=False,
        empty_label=_("Anyone"),
    )  # fmt: skip
    group = forms.ModelChoiceField(
        label=_("Community or group"), queryset=None, required=False,
        empty_label=_("All communities"),
    )  # fmt: skip
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        # Whoever can change the programme's records: its coordinators and group leaders, and
        # the administrators.
        self.fields["user"].queryset = (
            User.objects.filter(
                Q(
                    role_assignments__programme=programme,
                    role_assignments__role__in=[Role.COORDINATOR, Role.LEADER],
                )
                | Q(is_superuser=True)
            )
            .distinct()
            .order_by("full_name", "email")
        )
        self.fields["group"].queryset = programme.working_groups.select_related(
            "community"
        ).order_by("community__name_uk")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def filters(self) -> Filters:
        if not self.is_bound:
            return Filters()
        self.is_valid()  # a value that is not valid is left out of cleaned_data
        data = self.cleaned_data
        area = data.get("area")
        user, group = data.get("user"), data.get("group")
        return Filters(
            areas=frozenset([area]) if area else None,
            user_id=user.pk if user else None,
            group_id=group.pk if group else None,
            since=data.get("since"),
            until=data.get("until"),
        )
