"""The "Become a participant" form. A valid application is stored once, with the time of
consent and the applicant's language, and acknowledged by email in that language when an
address was given. Anything else stores nothing: no contact, no consent, a community of another
programme, a programme not public (404) or ended (410), robots (honeypot, missing, forged or
too fresh stamp: 400), floods from one address or with one contact (429), and whatever garbage
arrives, which never gives a 500 and is answered in Ukrainian by default."""

import datetime
import html
import re
import time
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core import mail, signing
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from communities.models import Enrolment
from participation import forms as application_forms
from participation.forms import STAMP_SALT
from participation.models import Application
from tests.factories import category_by_code

pytestmark = pytest.mark.django_db

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ADDRESS = "203.0.113.7"
CYRILLIC = re.compile(r"[а-яіїєґ]", re.IGNORECASE)


@pytest.fixture(autouse=True, scope="module")
def _fast_passwords():
    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        yield


@pytest.fixture(autouse=True)
def _fresh_limits():
    # The rate limits live in the cache: every test starts with none counted.
    cache.clear()


@pytest.fixture(autouse=True)
def _language_restored():
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture
def open_programme(programme):
    """The `programme` on the public site, running from a month ago to a year from now."""
    today = timezone.localdate()
    programme.is_public = True
    programme.start_date = today - datetime.timedelta(days=30)
    programme.end_date = today + datetime.timedelta(days=365)
    programme.save(update_fields=["is_public", "start_date", "end_date"])
    return programme


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def stamp(age: float = 10) -> str:
    """The form's timing stamp as issued `age` seconds ago."""
    return signing.dumps(timezone.now().timestamp() - age, salt=STAMP_SALT)


def form_data(programme, **changes) -> dict:
    return {
        "full_name": "Оксана Петренко",
        "phone": "+380 67 123 4567",
        "email": "oksana@example.org",
        "community": str(programme.enrolments.first().community_id),
        "category": str(category_by_code("cso").pk),
        "organisation_name": "ГО «Безпечна громада»",
        "motivation": "Хочу, щоб у нашій громаді було безпечно.",
        "consent": "on",
        "website": "",
        "stamp": stamp(),
        **changes,
    }


def apply_url(programme) -> str:
    return reverse("participation:apply", args=[programme.pk])


def send(client, programme, data, *, address: str = ADDRESS, **extra):
    return client.post(apply_url(programme), data, REMOTE_ADDR=address, **extra)


def ukrainian(msgid: str) -> str:
    """The Ukrainian of an English message; fails when the catalogue has none."""
    with translation.override("uk"):
        text = gettext(msgid)
    assert text != msgid, f"no Ukrainian translation for {msgid!r}"
    return text


def errors(response) -> list[str]:
    form = response.context["form"]
    return [message for messages in form.errors.values() for message in messages]


# --- a valid application --------------------------------------------------------------------


def test_valid_application_is_stored_once_with_consent_time_and_language(client, open_programme):
    before = timezone.now()

    response = send(client, open_programme, form_data(open_programme, is_veteran="on"))

    assert response.status_code == 302
    assert response["Location"] == reverse("participation:thanks", args=[open_programme.pk])
    application = Application.objects.get()
    assert application.programme == open_programme
    assert application.community == open_programme.enrolments.first().community
    assert application.full_name == "Оксана Петренко"
    assert application.phone == "+380 67 123 4567"
    assert application.email == "oksana@example.org"
    assert application.category.code == "cso"
    assert application.is_veteran is True
    assert application.is_youth is False
    assert application.status == Application.Status.NEW
    assert before <= application.consent_at <= timezone.now()
    assert application.language == "uk"


def test_application_from_the_form_page_is_accepted_once_the_stamp_is_old_enough(
    client, open_programme, monkeypatch
):
    page = client.get(apply_url(open_programme))
    assert page.status_code == 200
    issued = re.search(r'name="stamp" value="([^"]+)"', page.text).group(1)

    assert send(client, open_programme, form_data(open_programme, stamp=issued)).status_code == 400
    monkeypatch.setattr(application_forms, "MIN_SECONDS", 0)
    response = send(client, open_programme, form_data(open_programme, stamp=issued))

    assert response.status_code == 302
    assert Application.objects.count() == 1


def test_visitor_who_corrects_a_refused_form_can_send_it(client, open_programme):
    refused = send(client, open_programme, form_data(open_programme, consent=""))
    assert refused.status_code == 200
    # The page keeps the stamp the form was first given.
    kept = re.search(r'name="stamp" value="([^"]+)"', refused.text).group(1)

    response = send(client, open_programme, form_data(open_programme, stamp=kept))

    assert response.status_code == 302
    assert Application.objects.count() == 1


def test_applicant_is_acknowledged_by_email_in_ukrainian_by_default(
    client, open_programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client, open_programme, form_data(open_programme))

    [message] = mail.outbox
    assert message.to == ["oksana@example.org"]
    subject = ukrainian("We received your application: %(title)s")
    assert message.subject == subject % {"title": open_programme.title_uk}
    assert "Оксана Петренко" in message.body


def test_applicant_writing_in_english_is_acknowledged_in_english(
    english, open_programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(english, open_programme, form_data(open_programme))

    assert response.status_code == 302
    assert Application.objects.get().language == "en"
    [message] = mail.outbox
    assert message.subject == f"We received your application: {open_programme.title_en}"
    assert "Thank you for applying" in message.body


def test_application_with_a_phone_only_is_stored_and_no_email_is_sent(
    client, open_programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = send(client, open_programme, form_data(open_programme, email=""))

    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.phone, application.email) == ("+380 67 123 4567", "")
    assert callbacks == []
    assert mail.outbox == []


def test_application_with_an_email_only_is_stored(client, open_programme):
    response = send(client, open_programme, form_data(open_programme, phone=""))

    assert response.status_code == 302
    assert Application.objects.get().phone == ""


# --- refused, with a message, storing nothing -----------------------------------------------


def test_application_without_phone_or_email_is_refused_with_a_message(client, open_programme):
    response = send(client, open_programme, form_data(open_programme, phone="", email=""))

    assert response.status_code == 200
    message = ukrainian("Give a phone number or an email address, so we can answer.")
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.text
    assert not Application.objects.exists()
    assert mail.outbox == []


def test_application_without_consent_is_refused_with_a_message(client, open_programme):
    data = form_data(open_programme)
    del data["consent"]

    response = send(client, open_programme, data)

    assert response.status_code == 200
    assert "consent" in response.context["form"].errors
    assert not Application.objects.exists()


def test_community_of_another_programme_is_refused(client, open_programme, other_programme):
    stranger = other_programme.enrolments.first().community

    response = send(client, open_programme, form_data(open_programme, community=stranger.pk))

    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert not Application.objects.exists()


def test_community_withdrawn_from_the_programme_is_refused(client, open_programme):
    enrolment = open_programme.enrolments.first()
    Enrolment.objects.filter(pk=enrolment.pk).update(withdrawn_on=timezone.localdate())

    response = send(client, open_programme, form_data(open_programme))

    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert not Application.objects.exists()


def test_programme_not_on_the_public_site_takes_no_application(client, open_programme):
    type(open_programme).objects.filter(pk=open_programme.pk).update(is_public=False)

    assert client.get(apply_url(open_programme)).status_code == 404
    assert send(client, open_programme, form_data(open_programme)).status_code == 404
    assert not Application.objects.exists()


def test_ended_programme_shows_a_closed_page_and_stores_nothing(client, open_programme):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    type(open_programme).objects.filter(pk=open_programme.pk).update(end_date=yesterday)

    page = client.get(apply_url(open_programme))
    response = send(client, open_programme, form_data(open_programme))

    assert page.status_code == 410
    assert response.status_code == 410
    assert ukrainian("This programme does not take applications now") in response.text
    assert not Application.objects.exists()


# --- robots ---------------------------------------------------------------------------------


def test_filled_honeypot_is_refused_and_nothing_stored(client, open_programme):
    response = send(
        client, open_programme, form_data(open_programme, website="http://spam.example")
    )

    assert response.status_code == 400
    assert ukrainian("Your application was not sent") in response.text
    assert not Application.objects.exists()


class SignedTwoDaysAgo(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 2 * 86400)


def forged_stamps() -> dict[str, object]:
    signer = signing.TimestampSigner(key="someone-elses-key", salt=STAMP_SALT)
    issued_long_ago = timezone.now().timestamp() - 2 * 86400
    return {
        "missing": None,
        "empty": "",
        "garbage": "not-a-stamp",
        "bare number": str(timezone.now().timestamp() - 60),
        "other salt": signing.dumps(timezone.now().timestamp() - 60, salt="other"),
        "other key": signer.sign_object(timezone.now().timestamp() - 60),
        "tampered": stamp()[:-2] + "xx",
        "too fresh": stamp(age=0),
        "issued two days ago": SignedTwoDaysAgo(salt=STAMP_SALT).sign_object(issued_long_ago),
    }


@pytest.mark.parametrize("case", list(forged_stamps()))
def test_missing_forged_or_too_fresh_stamp_is_refused_and_nothing_stored(
    client, open_programme, case
):
    value = forged_stamps()[case]
    data = form_data(open_programme)
    if value is None:
        del data["stamp"]
    else:
        data["stamp"] = value

    response = send(client, open_programme, data)

    assert response.status_code == 400
    assert ukrainian("Your application was not sent") in response.text
    assert not Application.objects.exists()


# --- floods ---------------------------------------------------------------------------------


def someone(programme, i: int, **changes) -> dict:
    """A valid application from a different person each time."""
    return (
        form_data(
            programme,
            full_name=f"Заявник {i}",
            phone=f"+38067000{i:04d}",
            email=f"a{i}@example.org",
        )
        | changes
    )


def test_more_applications_than_the_limit_from_one_address_are_refused(client, open_programme):
    limit = settings.APPLICATION_LIMIT_PER_ADDRESS
    for i in range(limit):
        assert send(client, open_programme, someone(open_programme, i)).status_code == 302, i

    response = send(client, open_programme, someone(open_programme, limit))

    assert response.status_code == 429
    assert ukrainian("Too many applications came from here. Please try again later.") in (
        response.text
    )
    assert Application.objects.count() == limit
    # Another address is not held up.
    other = send(client, open_programme, someone(open_programme, 99), address="198.51.100.1")
    assert other.status_code == 302


def test_more_applications_than_the_limit_with_one_email_are_refused_from_any_address(
    client, open_programme
):
    limit = settings.APPLICATION_LIMIT_PER_CONTACT
    for i in range(limit):
        # The case of an address changes nothing: it is the same mailbox.
        email = "Oksana@Example.org" if i % 2 else "oksana@example.org"
        data = someone(open_programme, i, email=email)
        assert send(client, open_programme, data, address=f"198.51.100.{i}").status_code == 302

    data = someone(open_programme, limit, email="OKSANA@example.org")
    response = send(client, open_programme, data, address="198.51.100.200")

    assert response.status_code == 429
    assert Application.objects.count() == limit


def test_more_applications_than_the_limit_with_one_phone_are_refused_from_any_address(
    client, open_programme
):
    limit = settings.APPLICATION_LIMIT_PER_CONTACT
    for i in range(limit):
        data = someone(open_programme, i, phone="+380671234567", email="")
        assert send(client, open_programme, data, address=f"198.51.100.{i}").status_code == 302

    data = someone(open_programme, limit, phone="+380671234567", email="")
    response = send(client, open_programme, data, address="198.51.100.200")

    assert response.status_code == 429
    assert Application.objects.count() == limit


def test_the_same_phone_written_with_other_spacing_counts_as_the_same_contact(
    client, open_programme
):
    # "+380 67 123 4567" and "+380671234567" reach the same telephone: writing the number
    # differently each time must not lift the limit.
    limit = settings.APPLICATION_LIMIT_PER_CONTACT
    spellings = ["+380671234567", "+380 67 123 4567", "+38 067 123-45-67", "+380 (67) 1234567"]
    for i in range(limit):
        data = someone(open_programme, i, phone=spellings[i % len(spellings)], email="")
        assert send(client, open_programme, data, address=f"198.51.100.{i}").status_code == 302

    data = someone(open_programme, limit, phone=spellings[limit % len(spellings)], email="")
    response = send(client, open_programme, data, address="198.51.100.200")

    assert response.status_code == 429
    assert Application.objects.count() == limit


def test_forwarded_for_header_is_ignored_unless_the_proxy_is_trusted(client, open_programme):
    limit = settings.APPLICATION_LIMIT_PER_ADDRESS
    for i in range(limit + 1):
        response = send(
            client, open_programme, someone(open_programme, i), HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )

    # Every request came from one REMOTE_ADDR, whatever the header claimed.
    assert response.status_code == 429
    assert Application.objects.count() == limit


def test_forwarded_for_header_names_the_client_behind_a_trusted_proxy(
    client, open_programme, settings
):
    settings.APPLICATION_TRUST_FORWARDED_FOR = True
    limit = settings.APPLICATION_LIMIT_PER_ADDRESS
    # Many clients behind the one proxy address: each is counted on its own.
    for i in range(limit + 1):
        forwarded = f"192.0.2.{i}, 10.0.0.1"
        data = someone(open_programme, i)
        assert send(client, open_programme, data, HTTP_X_FORWARDED_FOR=forwarded).status_code == 302
    # One client behind several proxies is still one client.
    for i in range(limit):
        data = someone(open_programme, 100 + i)
        send(client, open_programme, data, address=f"10.0.1.{i}", HTTP_X_FORWARDED_FOR="192.0.2.77")
    data = someone(open_programme, 200)
    response = send(
        client, open_programme, data, address="10.0.1.99", HTTP_X_FORWARDED_FOR="192.0.2.77"
    )

    assert response.status_code == 429
    assert Application.objects.count() == 2 * limit + 1


# --- year of birth and the "young person" tick ----------------------------------------------
# Youth is computed from the year of birth everywhere (the programme's age limit): the form asks
# for the year and checks that it agrees with the tick. Messages new with this change are read
# in English here; their Ukrainian comes with the catalogue.


def this_year() -> int:
    return timezone.localdate().year


def test_year_of_birth_is_asked_in_ukrainian_and_optional(client, open_programme):
    page = client.get(apply_url(open_programme))
    assert "Рік народження" in page.text and 'name="birth_year"' in page.text

    assert send(client, open_programme, form_data(open_programme)).status_code == 302
    assert Application.objects.get().birth_year is None


def test_year_of_birth_given_is_kept_with_the_application(client, open_programme):
    data = form_data(open_programme, birth_year=f" {this_year() - 30} ", is_youth="on")
    assert send(client, open_programme, data).status_code == 302
    application = Application.objects.get()
    assert (application.birth_year, application.is_youth) == (this_year() - 30, True)


@pytest.mark.parametrize("age", [9, -1, 101, 1000])
def test_a_year_no_applicant_can_have_is_refused_with_the_range(english, open_programme, age):
    data = form_data(open_programme, birth_year=str(this_year() - age))
    response = send(english, open_programme, data)
    assert response.status_code == 200
    first, last = this_year() - 100, this_year() - 10
    assert response.context["form"].errors["birth_year"] == [
        f"Give the year you were born, between {first} and {last}."
    ]
    assert f"between {first} and {last}" in response.text
    assert not Application.objects.exists()


@pytest.mark.parametrize("value", ["nineteen ninety", "19-90", "1990.5", "1e3", "9" * 40])
def test_a_year_that_is_not_a_number_is_refused_with_a_message(english, open_programme, value):
    response = send(english, open_programme, form_data(open_programme, birth_year=value))
    assert response.status_code == 200
    assert response.context["form"].errors["birth_year"]
    assert not Application.objects.exists()


def test_a_young_person_older_than_the_programmes_limit_is_told_so(english, open_programme):
    open_programme.youth_max_age = 35
    open_programme.save(update_fields=["youth_max_age"])
    too_old = form_data(open_programme, birth_year=str(this_year() - 36), is_youth="on")

    response = send(english, open_programme, too_old)

    assert response.status_code == 200
    [message] = response.context["form"].errors["birth_year"]
    assert "older than 35" in message and "untick" in message
    assert not Application.objects.exists()
    # The same year without the tick, and the oldest young year with it, are accepted: the
    # programme counts age as this year minus the year of birth, up to its limit.
    assert send(english, open_programme, too_old | {"is_youth": ""}).status_code == 302
    oldest_young = too_old | {"birth_year": str(this_year() - 35), "email": "b@example.org"}
    assert send(english, open_programme, oldest_young | {"phone": ""}).status_code == 302
    assert Application.objects.count() == 2


def test_a_young_person_without_a_year_may_apply(client, open_programme):
    assert send(client, open_programme, form_data(open_programme, is_youth="on")).status_code == 302
    application = Application.objects.get()
    assert (application.is_youth, application.birth_year) == (True, None)


def test_the_service_checks_the_year_too(open_programme):
    from django.core.exceptions import ValidationError

    from participation.services import application_submit

    with pytest.raises(ValidationError) as refused:
        application_submit(
            programme=open_programme,
            community=open_programme.enrolments.first().community,
            full_name="Оксана Петренко", phone="", email="o@example.org",
            category=category_by_code("cso"), birth_year=1500, consent=True,
        )  # fmt: skip
    assert "birth_year" in refused.value.message_dict
    assert not Application.objects.exists()


# --- whatever arrives -----------------------------------------------------------------------

HUGE = "9" * 40
LONG = "Я" * 100_000
ODD = [
    "",
    " ",
    "\x00",
    "Ок\x00сана",
    LONG,
    HUGE,
    "-1",
    "0",
    "1e309",
    "NaN",
    "٣",  # an Arabic-Indic digit
    "²",
    "<script>alert(1)</script>",
    "'; DROP TABLE participation_application; --",
    "😀" * 30,
    "\u202eevil",
    "\x01\x02\x1b[31m\x7f",
    "\r\n",
    "[]",
    "{}",
]
FIELDS = [
    "full_name",
    "phone",
    "email",
    "community",
    "category",
    "organisation_name",
    "is_youth",
    "is_veteran",
    "motivation",
    "consent",
    "birth_year",
]
IDS = ["abc", "-1", "0", "1.5", "0x10", "\x00", HUGE, "1e3", "²", "NaN", ""]


@pytest.fixture
def unlimited(settings):
    """Many requests from one address: the flood limits are tested above."""
    settings.APPLICATION_LIMIT_PER_ADDRESS = 100_000
    settings.APPLICATION_LIMIT_PER_CONTACT = 100_000


@pytest.fixture
def fuzz_client(client):
    # A crash shows as a 500 response rather than as an exception in the test.
    client.raise_request_exception = False
    return client


def assert_refused_in_ukrainian(response, context: object) -> None:
    """A page saying what is wrong, in Ukrainian, and nothing stored."""
    assert response.status_code == 200, (context, response.status_code)
    messages = errors(response)
    assert messages, context
    page = html.unescape(response.text)
    for message in messages:
        assert CYRILLIC.search(message), (context, message)
        assert message in page, (context, message)
    assert '<html lang="uk">' in page


@pytest.mark.parametrize("field", FIELDS)
def test_odd_values_in_any_field_never_give_a_500_and_invalid_ones_store_nothing(
    fuzz_client, open_programme, unlimited, field
):
    for value in ODD:
        before = Application.objects.count()
        response = send(fuzz_client, open_programme, form_data(open_programme, **{field: value}))
        assert response.status_code in (200, 302), (field, value, response.status_code)
        if response.status_code == 302:
            assert Application.objects.count() == before + 1, (field, value)
            stored = Application.objects.latest("pk")
            for name in ("full_name", "phone", "email", "organisation_name", "motivation"):
                assert "\x00" not in getattr(stored, name), (field, value, name)
        else:
            assert Application.objects.count() == before, (field, value)
            assert_refused_in_ukrainian(response, (field, value))


def test_odd_years_never_give_a_500_and_store_nothing(fuzz_client, open_programme, unlimited):
    for value in ODD:
        data = form_data(open_programme, birth_year=value)
        response = send(fuzz_client, open_programme, data)
        assert response.status_code in (200, 302), (value, response.status_code)
        if response.status_code == 302:  # blank: no year given
            assert Application.objects.get().birth_year is None, value
            Application.objects.all().delete()
        else:
            assert "birth_year" in response.context["form"].errors, value
            assert not Application.objects.exists(), value


@pytest.mark.parametrize("field", ["community", "category"])
def test_non_numeric_or_unknown_ids_are_refused_with_a_message(
    fuzz_client, open_programme, unlimited, field
):
    for value in IDS:
        response = send(fuzz_client, open_programme, form_data(open_programme, **{field: value}))
        assert_refused_in_ukrainian(response, (field, value))
        assert field in response.context["form"].errors, value
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "field", ["full_name", "phone", "email", "organisation_name", "motivation"]
)
def test_very_long_text_is_refused_with_a_message(fuzz_client, open_programme, unlimited, field):
    response = send(fuzz_client, open_programme, form_data(open_programme, **{field: LONG}))

    assert_refused_in_ukrainian(response, field)
    assert field in response.context["form"].errors
    assert not Application.objects.exists()


@pytest.mark.parametrize("field", ["full_name", "phone", "email", "organisation_name"])
def test_nul_bytes_are_refused_not_stored(fuzz_client, open_programme, unlimited, field):
    response = send(fuzz_client, open_programme, form_data(open_programme, **{field: "ab\x00cd"}))

    assert_refused_in_ukrainian(response, field)
    assert not Application.objects.exists()


def test_html_and_script_are_stored_as_text_and_never_rendered(
    fuzz_client, open_programme, unlimited
):
    script = "<script>alert(1)</script>"
    data = form_data(open_programme, full_name=f"Оксана {script}", motivation=script)

    response = send(fuzz_client, open_programme, data)
    assert response.status_code == 302
    assert Application.objects.get().motivation == script

    # Refused with another field wrong, the page shows the value escaped.
    page = send(fuzz_client, open_programme, data | {"email": "not an email"})
    assert page.status_code == 200
    assert script not in page.text
    assert "&lt;script&gt;" in page.text


@pytest.mark.parametrize("field", [*FIELDS, "website"])
def test_missing_fields_never_give_a_500(fuzz_client, open_programme, unlimited, field):
    data = form_data(open_programme)
    data.pop(field, None)

    response = send(fuzz_client, open_programme, data)

    assert response.status_code in (200, 302), (field, response.status_code)
    if response.status_code == 200:
        assert_refused_in_ukrainian(response, field)
        assert not Application.objects.exists()


def test_empty_post_is_refused_and_nothing_stored(fuzz_client, open_programme):
    response = fuzz_client.post(apply_url(open_programme), {}, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 400
    assert not Application.objects.exists()


@pytest.mark.parametrize("field", [*FIELDS, "website", "stamp"])
def test_duplicated_fields_never_give_a_500(fuzz_client, open_programme, unlimited, field):
    data = form_data(open_programme)
    data[field] = ["", data.get(field, "on"), "<b>x</b>", HUGE]

    response = send(fuzz_client, open_programme, data)

    assert response.status_code in (200, 302, 400), (field, response.status_code)
    assert Application.objects.count() == (1 if response.status_code == 302 else 0)


def test_oversize_request_body_is_refused_with_400(fuzz_client, open_programme):
    data = form_data(open_programme, motivation="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))

    response = fuzz_client.post(
        apply_url(open_programme),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=ADDRESS,
    )

    assert response.status_code == 400
    assert not Application.objects.exists()


def test_oversize_multipart_body_is_refused_with_400(fuzz_client, open_programme):
    data = form_data(open_programme, motivation="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))

    response = send(fuzz_client, open_programme, data)

    assert response.status_code == 400
    assert not Application.objects.exists()


def test_too_many_fields_are_refused_with_400(fuzz_client, open_programme):
    data = form_data(open_programme)
    data.update({f"extra{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})

    response = fuzz_client.post(
        apply_url(open_programme),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=ADDRESS,
    )

    assert response.status_code == 400
    assert not Application.objects.exists()


def test_body_that_is_not_utf8_never_gives_a_500(fuzz_client, open_programme, unlimited):
    data = urlencode(form_data(open_programme)).encode() + b"&full_name=%FF%FE%C3%28"

    response = fuzz_client.post(
        apply_url(open_programme),
        data,
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=ADDRESS,
    )

    assert response.status_code in (200, 302, 400)
