"""Invitations: the only way in. Single use, expiring, scoped to the inviter's programmes."""

import datetime
import hashlib
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role, RoleAssignment, User
from accounts.services import invitation_create
from cohesion.models import Job
from cohesion.tasks import requeue_jobs
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


ACCEPT = "/join/"


def invite(
    coordinator,
    programme,
    email="new.person@example.org",
    role=Role.DONOR,
    group=None,
    person=None,
):
    invitation, token = invitation_create(
        invited_by=coordinator,
        email=email,
        role=role,
        programme=programme,
        working_group=group,
        person=person,
    )
    return invitation, reverse("accounts:invitation_link", args=[token])


def open_link(client, link):
    """What a browser does with the emailed link: it lands on /join/ with the token kept in
    the session, not in the URL."""
    response = client.get(link)
    assert response.status_code == 302
    assert response.url == ACCEPT
    return ACCEPT


def accept_data(password="Ts7-correct-horse-battery"):
    return {"full_name": "Оксана Бондар", "password1": password, "password2": password}


def test_coordinator_invites_by_email_and_the_link_is_in_the_message(
    as_user, client, coordinator, programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(coordinator).post(
            reverse("accounts:invitation_list"),
            {"email": "New.Person@Example.org", "role": "donor", "programme": programme.pk},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    link = re.search(r"https?://\S+/join/\S+/", message.body).group(0)
    assert message.alternatives[0][0].count(link) == 1
    # The token leaves the URL at once, so access logs and Referer headers never hold it.
    response = client.get(urlsplit(link).path)
    assert response.url == ACCEPT
    invitation = Invitation.objects.get()
    assert invitation.token_hash not in link  # only the hash is stored


def test_the_email_is_in_the_invitees_language_not_the_inviters(
    coordinator, programme, django_capture_on_commit_callbacks
):
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    existing = UserFactory(email="known@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        invite(coordinator, programme)  # someone new: no choice yet, the site's language
        invite(coordinator, programme, email="Known@Example.org")  # their account's choice
    assert [message.to for message in mail.outbox] == [["new.person@example.org"], [existing.email]]
    assert mail.outbox[0].subject == f"Запрошення до Cohesion: {programme.title_uk}"
    assert mail.outbox[1].subject == f"Invitation to Cohesion: {programme.title_en}"


def test_invitee_accepts_once_and_gets_account_and_role(client, coordinator, programme):
    _invitation, link = invite(coordinator, programme)
    url = open_link(client, link)
    response = client.post(url, accept_data())
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert RoleAssignment.objects.filter(user=user, role=Role.DONOR, programme=programme).exists()
    assert client.session["_auth_user_id"] == str(user.pk)


def test_leader_is_invited_from_their_member_record(client, coordinator, programme, group):
    from tests.factories import MembershipFactory

    membership = MembershipFactory(
        group=group, role="leader", person__email="new.person@example.org"
    )
    _invitation, link = invite(
        coordinator, programme, role=Role.LEADER, group=group, person=membership.person
    )
    client.post(open_link(client, link), accept_data())
    assignment = RoleAssignment.objects.get(user__email="new.person@example.org")
    assert (assignment.role, assignment.working_group) == (Role.LEADER, group)
    membership.person.refresh_from_db()
    assert membership.person.user == assignment.user


def test_a_bare_leader_invitation_is_refused(coordinator, programme, group):
    import pytest as _pytest
    from django.core.exceptions import ValidationError

    with _pytest.raises(ValidationError):
        invite(coordinator, programme, role=Role.LEADER, group=group)


def test_leader_invitation_without_a_group_is_refused(as_user, coordinator, programme):
    response = as_user(coordinator).post(
        reverse("accounts:invitation_list"),
        {"email": "x@example.org", "role": "leader", "programme": programme.pk},
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_a_used_link_cannot_be_used_again(client, coordinator, programme):
    _invitation, link = invite(coordinator, programme)
    client.post(open_link(client, link), accept_data())
    client.logout()
    reused = client.post(open_link(client, link), {**accept_data(), "full_name": "Hacker"})
    assert reused.status_code == 410
    assert User.objects.filter(email="new.person@example.org").count() == 1
    assert client.get(open_link(client, link)).status_code == 410


def test_an_expired_link_is_refused(client, coordinator, programme):
    invitation, link = invite(coordinator, programme)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.post(open_link(client, link), accept_data())
    assert response.status_code == 410
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_a_revoked_link_is_refused(as_user, client, coordinator, programme):
    invitation, link = invite(coordinator, programme)
    as_user(coordinator).post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    client.logout()
    assert client.post(open_link(client, link), accept_data()).status_code == 410


def test_an_unknown_token_is_refused(client, db):
    link = reverse("accounts:invitation_link", args=["not-a-real-token"])
    assert client.get(open_link(client, link)).status_code == 410
    assert client.get(ACCEPT).status_code == 410  # nothing in the session either


def test_a_weak_password_is_refused_and_nothing_is_created(client, coordinator, programme):
    invitation, link = invite(coordinator, programme)
    response = client.post(open_link(client, link), accept_data(password="12345"))
    assert response.status_code == 200
    assert not User.objects.filter(email="new.person@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_existing_user_must_sign_in_as_themselves_to_accept(
    client, as_user, coordinator, programme, donor
):
    _invitation, link = invite(coordinator, programme, email=donor.email, role=Role.COORDINATOR)
    anonymous = client.post(open_link(client, link))
    assert anonymous.status_code == 200
    assert not RoleAssignment.objects.filter(user=donor, role=Role.COORDINATOR).exists()
    client.force_login(donor)  # keeps the session, as signing in does
    assert client.post(ACCEPT).status_code == 302
    assert RoleAssignment.objects.filter(
        user=donor, role=Role.COORDINATOR, programme=programme
    ).exists()


def test_signed_in_as_someone_else_cannot_accept(as_user, coordinator, programme, donor):
    _invitation, link = invite(coordinator, programme)
    client = as_user(donor)
    page = client.get(open_link(client, link))
    assert "new.person@example.org" in page.text
    assert 'name="password1"' not in page.text
    client.post(ACCEPT, accept_data())
    assert not User.objects.filter(email="new.person@example.org").exists()
    assert (
        not RoleAssignment.objects.filter(user=donor, role=Role.DONOR)
        .exclude(programme=programme)
        .exists()
    )


def test_a_new_invitation_replaces_the_pending_one(coordinator, programme):
    first, _link = invite(coordinator, programme)
    invite(coordinator, programme)
    first.refresh_from_db()
    assert first.status == Invitation.Status.REVOKED


@pytest.mark.parametrize("role", ["donor", "leader"])
def test_read_only_roles_cannot_invite(request, as_user, programme, role):
    client = as_user(request.getfixturevalue(role))
    url = reverse("accounts:invitation_list")
    assert client.get(url).status_code == 403
    data = {"email": "x@example.org", "role": "coordinator", "programme": programme.pk}
    assert client.post(url, data).status_code == 403
    assert not Invitation.objects.exists()


def test_coordinator_cannot_invite_into_another_programme(as_user, coordinator, other_programme):
    response = as_user(coordinator).post(
        reverse("accounts:invitation_list"),
        {"email": "x@example.org", "role": "coordinator", "programme": other_programme.pk},
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_coordinator_cannot_revoke_another_programmes_invitation(
    as_user, coordinator, other_coordinator, other_programme
):
    invitation, _link = invite(other_coordinator, other_programme)
    response = as_user(coordinator).post(
        reverse("accounts:invitation_revoke", args=[invitation.pk])
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_there_is_no_open_sign_up(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "walk.in@example.org", "password1": "Ts7-correct-horse-battery"},
    )
    assert not User.objects.filter(email="walk.in@example.org").exists()
    assert response.status_code in (200, 302)


def test_an_overlong_email_is_refused_with_a_message(as_user, coordinator, programme):
    response = as_user(coordinator).post(
        reverse("accounts:invitation_list"),
        {"email": "a" * 300 + "@example.org", "role": "donor", "programme": programme.pk},
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_invitation_list_query_count_does_not_grow(as_user, coordinator, programme, group):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(coordinator)
    url = reverse("accounts:invitation_list")
    invite(coordinator, programme, email="first@example.org")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(49):
        invite(coordinator, programme, email=f"p{n}@example.org")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(one)
    assert response.text.count("p48@example.org") == 1


def emailed_link(message) -> str:
    return urlsplit(re.search(r"https?://\S+/join/\S+/", message.body).group(0)).path


def test_the_invitation_outlives_a_broker_outage_and_its_email_is_sent_by_the_sweep(
    client, coordinator, programme, settings, django_capture_on_commit_callbacks
):
    # The broker is down: the commit's hand-over never runs the job.
    with django_capture_on_commit_callbacks(execute=False):
        invitation, _link = invite(coordinator, programme)
    assert mail.outbox == []
    [job] = Job.objects.all()
    assert job.args == [invitation.pk]  # the token travels nowhere: it is derived when sent

    settings.JOB_QUEUE_GRACE = 0
    assert requeue_jobs() == 1  # the broker is back; the beat's sweep queues it
    [message] = mail.outbox
    assert message.to == ["new.person@example.org"]
    open_link(client, emailed_link(message))
    response = client.post(ACCEPT, accept_data())
    assert response.status_code == 302
    assert User.objects.filter(email="new.person@example.org").exists()


def test_the_link_is_stored_nowhere_only_its_hash_and_a_nonce(coordinator, programme):
    invitation, link = invite(coordinator, programme)
    token = link.strip("/").split("/")[-1]
    stored = " ".join(str(value) for value in Invitation.objects.values().get().values())
    stored += " ".join(str(job.args) for job in Job.objects.all())
    assert token not in stored
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert Invitation.token_for(invitation.token_nonce) == token


def test_an_email_sent_after_the_secret_key_changed_still_carries_a_working_link(
    client, coordinator, programme, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        invite(coordinator, programme)
    settings.SECRET_KEY = "a-rotated-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
    settings.JOB_QUEUE_GRACE = 0
    requeue_jobs()
    [message] = mail.outbox
    open_link(client, emailed_link(message))
    assert client.post(ACCEPT, accept_data()).status_code == 302
    assert User.objects.filter(email="new.person@example.org").exists()
