"""Text people type is cleaned one way (cohesion.text): NUL, C0 and C1 control characters and
the Unicode bidirectional controls are removed; line breaks and tabs are kept where text has
lines. Every form cleans every text field (cohesion.forms), so what is stored is clean."""

import datetime

import pytest
from django import forms
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation

from cohesion.forms import CleanForm
from cohesion.text import clean_line, clean_text
from meetings.models import Meeting
from participation.forms import STAMP_SALT
from participation.models import Application
from tests.factories import MeetingFactory, MembershipFactory, category_by_code
from workinggroups.models import Person

# A right-to-left override that makes "txt.exe" read as "exe.txt", an isolate, marks, a
# terminal escape, DEL and a C1 control: all invisible or misleading on a page.
RLO, PDF_, LRI, PDI, RLM, ALM = "\u202e", "\u202c", "\u2066", "\u2069", "\u200f", "\u061c"
ESCAPE, DEL, NEL = "\x1b", "\x7f", "\x85"


@pytest.fixture(autouse=True)
def _language_restored():
    language = translation.get_language()
    yield
    translation.activate(language)


# --- the function -----------------------------------------------------------------------------


def test_controls_and_bidirectional_controls_are_removed():
    typed = f"a\x00b{RLO}c{PDF_}d{LRI}e{PDI}f{RLM}g\u200eh{ALM}i{ESCAPE}[31mj{DEL}k{NEL}l\u202a"
    assert clean_text(typed) == "abcdefghi[31mjkl"


def test_line_breaks_and_tabs_are_kept_in_multi_line_text_and_become_spaces_in_one_line():
    assert clean_text(" Перше\r\n\tдруге \n") == "Перше\n\tдруге"
    assert clean_text("a\tb\r\nc", multiline=False) == "a b c"


def test_nothing_else_changes_unless_a_single_line_is_asked_for():
    text = "Мар’яна  «Безпечна громада» 😀\u200d👩 — так"
    assert clean_text(text) == text
    assert clean_text("  a  ", strip=False) == "  a  "
    assert clean_line(f"  Ім{RLO}я \n  Прізвище\t") == "Імя Прізвище"


@pytest.mark.parametrize("empty", [None, "", f"{RLO}{PDF_}\x00"])
def test_nothing_or_only_controls_gives_empty_text(empty):
    assert clean_text(empty) == ""


# --- the forms' base ---------------------------------------------------------------------------


class NoteForm(CleanForm):
    title = forms.CharField(max_length=20)
    notes = forms.CharField(widget=forms.Textarea, required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False, required=False)
    shown = forms.CharField(disabled=True, required=False)


def test_a_form_cleans_each_text_field_keeping_lines_only_where_text_has_them():
    form = NoteForm(
        {"title": f"Звіт{RLO}\tза травень", "notes": f" Перше{ESCAPE}\r\n\tдруге {PDI}"},
        initial={"shown": f"як{RLO} є"},
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "Звіт за травень"
    assert form.cleaned_data["notes"] == "Перше\n\tдруге"
    assert form.cleaned_data["shown"] == f"як{RLO} є"  # not typed: left as stored


def test_a_password_is_left_as_typed():
    form = NoteForm({"title": "t", "password": f" пароль{RLO}\x01 "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["password"] == f" пароль{RLO}\x01 "


def test_a_required_field_left_empty_by_cleaning_is_refused():
    form = NoteForm({"title": f"{RLO}{ESCAPE}{PDF_}"})
    assert not form.is_valid()
    assert form.errors["title"] == [forms.Field.default_error_messages["required"]]
    assert "title" not in form.cleaned_data


# --- through the forms ------------------------------------------------------------------------


def test_a_new_members_name_and_consent_are_stored_clean(as_user, leader, group, member_form_data):
    data = member_form_data(
        group,
        full_name=f"{RLO}Василь{RLM} Новенький{ESCAPE}",
        consent_purpose=f"Участь у {LRI}робочій групі{PDI}{NEL}",
    )
    response = as_user(leader).post(reverse("workinggroups:member_add", args=[group.pk]), data)
    assert response.status_code == 302
    person = Person.objects.get()
    assert (person.full_name, person.consent_purpose) == (
        "Василь Новенький",
        "Участь у робочій групі",
    )
    assert person.name_key == "василь новенький"


def test_a_name_made_only_of_controls_is_refused_as_empty(as_user, leader, group, member_form_data):
    data = member_form_data(group, full_name=f"{RLO}{PDF_}{RLM}")
    response = as_user(leader).post(reverse("workinggroups:member_add", args=[group.pk]), data)
    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert not Person.objects.exists()


def test_meeting_minutes_and_decisions_are_stored_clean_with_their_lines(as_user, leader, group):
    meeting = MeetingFactory(group=group, starts_at=timezone.now() - datetime.timedelta(days=2))
    member = MembershipFactory(group=group)
    data = {
        f"attendance_{member.pk}": "present",
        "minutes": f"Обговорили {RLO}лист{PDF_}\n\nВирішили{ESCAPE}[0m",
        "decisions": f"Перше{ALM}\nДруге{DEL}",
    }
    response = as_user(leader).post(reverse("meetings:log", args=[meeting.pk]), data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.minutes == "<p>Обговорили лист</p>\n\n<p>Вирішили[0m</p>"
    assert list(meeting.decisions.values_list("text", flat=True)) == ["Перше", "Друге"]


def test_a_public_application_is_stored_clean(client, programme):
    today = timezone.localdate()
    programme.is_public = True
    programme.start_date, programme.end_date = today, today + datetime.timedelta(days=365)
    programme.save(update_fields=["is_public", "start_date", "end_date"])
    data = {
        "full_name": f"Оксана {RLO}Петренко{PDF_}",
        "phone": "+380 67 123 4567",
        "email": "",
        "community": str(programme.enrolments.first().community_id),
        "category": str(category_by_code("cso").pk),
        "organisation_name": f"ГО {LRI}«Безпечна громада»{PDI}",
        "motivation": f"Хочу{RLM} безпеки.\r\n\r\nІ миру{NEL}.",
        "consent": "on",
        "website": "",
        "stamp": signing.dumps(timezone.now().timestamp() - 10, salt=STAMP_SALT),
    }
    response = client.post(reverse("participation:apply", args=[programme.pk]), data)
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.full_name == "Оксана Петренко"
    assert application.organisation_name == "ГО «Безпечна громада»"
    assert application.motivation == "Хочу безпеки.\n\nІ миру."  # Windows line ends become plain
