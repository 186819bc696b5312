"""Form helpers shared by the apps, and the bases every form of the project derives from."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from cohesion.text import clean_text


class CleanTextMixin:
    """Cleans every text value the form accepts (cohesion.text.clean_text), so that no free
    text reaches a service with control or bidirectional control characters. Line breaks and
    tabs are kept in multi-line fields (a Textarea); passwords are left exactly as typed. A
    value that cleaning changes is checked again as the field would check it, so that one made
    only of such characters is refused as empty rather than stored so.

    Every form class of the project derives from CleanForm or CleanModelForm, or from this
    mixin where Django's own form comes first (a project test checks).

    Multi-line text also gets a length limit in characters where it has none (a model's
    TextField has none): TEXT_MAX_CHARS, said in the error, with the text kept in the form.
    The browser is not told the limit (maxlength), for it would cut a pasted text short
    without a word; a request body of up to DATA_UPLOAD_MAX_MEMORY_SIZE reaches the form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.Textarea):
                continue
            if getattr(field, "max_length", None) is None and isinstance(field, forms.CharField):
                field.max_length = settings.TEXT_MAX_CHARS
                field.validators.append(MaxLengthValidator(settings.TEXT_MAX_CHARS))
            field.widget.attrs.pop("maxlength", None)

    def _clean_fields(self):
        # Django cleans each field here (and calls clean_<field>), before clean() and a model
        # form's model validation: cleaning right after means that clean(), the model and the
        # services only ever see clean text. (A clean_<field> method sees its field's value as
        # Django cleaned it, NUL already refused.)
        super()._clean_fields()
        for name, value in list(self.cleaned_data.items()):
            field = self.fields[name]
            if (
                not isinstance(value, str)
                or field.disabled  # not typed: the form shows what is stored
                or isinstance(field.widget, forms.PasswordInput)
            ):
                continue
            cleaned = clean_text(
                value,
                multiline=isinstance(field.widget, forms.Textarea),
                strip=getattr(field, "strip", False),
            )
            if cleaned == value:
                continue
            if cleaned == "" and hasattr(field, "empty_value"):
                cleaned = field.empty_value
            try:
                field.validate(cleaned)
                field.run_validators(cleaned)
            except ValidationError as error:
                self.add_error(name, error)
            else:
                self.cleaned_data[name] = cleaned


class CleanForm(CleanTextMixin, forms.Form):
    """The base of the project's forms."""


class CleanModelForm(CleanTextMixin, forms.ModelForm):
    """The base of the project's model forms."""


def add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError onto a form: errors for the form's fields go to them, the
    rest (and errors naming no field) to the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class QuickSelect(forms.Select):
    """A single-choice select written out in Python: Django's renders each option through a
    template of its own (and its attributes through another), which made a list page's filter
    form cost as much as its 50 rows. The same HTML: the select's and each option's attributes,
    option groups, the chosen option `selected`."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            rows = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((str(o["value"]), _attributes(o["attrs"]), o["label"]) for o in options),
            )
            if group_name:
                rows = format_html('<optgroup label="{}">{}</optgroup>', group_name, rows)
            parts.append(rows)
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            _attributes(widget["attrs"]),
            mark_safe("".join(parts)),  # each part built by format_html: escaped
        )


def _attributes(attrs: dict) -> str:
    """Attributes as Django's widget template writes them: in order, True as a bare name,
    False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )
