"""State changes for accounts, roles and invitations."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Invitation, Role, RoleAssignment, User, hash_token
from cohesion import clock, outbox
from cohesion.text import clean_line
from communities.models import Programme
from workinggroups.models import Person, WorkingGroup
from workinggroups.services import person_link_user


class InvitationUnusable(Exception):
    """The link is unknown, used, revoked or expired; `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@transaction.atomic
def invitation_create(
    *,
    invited_by: User,
    email: str,
    role: str,
    programme: Programme,
    working_group: WorkingGroup | None = None,
    person: Person | None = None,
) -> tuple[Invitation, str]:
    """Creates an invitation and queues its email; returns it with its link's token.
    Leaders are invited to a working group of the programme, other roles to the programme."""
    from accounts.access import may_invite_to
    from accounts.tasks import send_invitation_email

    if not may_invite_to(invited_by, programme):
        raise ValidationError(_("You can only invite people to programmes you coordinate."))
    if role == Role.LEADER:
        # A leader is a member of the group: the role follows their leader membership, so
        # leaders are invited from their person record, never as bare accounts.
        if person is None or working_group is None or working_group.programme_id != programme.pk:
            raise ValidationError(
                {"role": _("Invite a group leader from their page in the group's member list.")}
            )
    else:
        working_group = None
    email = email.strip().lower()
    same = {"role": role, "programme": programme, "working_group": working_group}
    if RoleAssignment.objects.filter(user__email__iexact=email, **same).exists():
        raise ValidationError({"email": _("This person already has that role.")})
    # A new invitation replaces any pending one for the same person and role.
    Invitation.objects.pending().filter(email__iexact=email, **same).update(revoked_at=clock.now())
    nonce = Invitation.new_nonce()
    token = Invitation.token_for(nonce)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        programme=programme,
        working_group=working_group,
        person=person if role == Role.LEADER else None,
        invited_by=invited_by,
        token_hash=hash_token(token),
        token_nonce=nonce,
        expires_at=clock.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    # Recorded with the invitation, so that a broker outage delays the email but cannot lose
    # it; the token is derived again when the email is sent and is stored nowhere.
    outbox.later(send_invitation_email, invitation.pk)
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    """The invitation behind a link, or InvitationUnusable saying why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("programme").filter(token_hash=hash_token(token)).first()
    )
    if invitation is None:
        raise InvitationUnusable("unknown")
    if invitation.status != Invitation.Status.PENDING:
        raise InvitationUnusable(invitation.status)
    return invitation


def invitation_has_account(invitation: Invitation) -> bool:
    """Whether the invited address already has an account (then no password is asked)."""
    return User.objects.filter(email__iexact=invitation.email).exists()


@transaction.atomic
def invitation_accept(
    *, token: str, user: User | None = None, full_name: str = "", password: str = ""
) -> User:
    """Uses the invitation once: creates the account (or takes the signed-in one) and the role."""
    invitation = invitation_for_token(token)
    # Lock the row so that two simultaneous presses cannot both use the link.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != Invitation.Status.PENDING:
        raise InvitationUnusable(invitation.status)
    if user is not None and user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s: sign out first, then open the link again.")
            % {"email": invitation.email}
        )
    existing = User.objects.filter(email__iexact=invitation.email).first()
    if existing is not None:
        if user is None:
            raise ValidationError(
                _("An account with this email exists: sign in as %(email)s to accept.")
                % {"email": invitation.email}
            )
        account = existing
    else:
        full_name = clean_line(full_name)
        if not full_name:
            raise ValidationError({"full_name": _("Enter your full name.")})
        try:
            with transaction.atomic():
                account = User.objects.create_user(
                    email=invitation.email, password=password, full_name=full_name
                )
        except IntegrityError as exc:  # another invitation for this email was accepted first
            raise ValidationError(
                _("An account with this email exists: sign in as %(email)s to accept.")
                % {"email": invitation.email}
            ) from exc
    if invitation.person_id:
        # A member's account leads only while their leader membership is open: the link
        # grants the role, or none if the leadership has ended since the invitation.
        person_link_user(person=invitation.person, user=account, by=invitation.invited_by)
    else:
        RoleAssignment.objects.get_or_create(
            user=account,
            role=invitation.role,
            programme=invitation.programme,
            working_group=invitation.working_group,
            defaults={"created_by": invitation.invited_by},
        )
    invitation.accepted_at = clock.now()
    invitation.accepted_by = account
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return account


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    """Revokes a pending invitation so that its link stops working."""
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(_("Only a pending invitation can be revoked."))
    invitation.revoked_at = clock.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def role_assignment_remove(*, assignment: RoleAssignment) -> None:
    """Ends someone's role in a programme; a programme always keeps one coordinator."""
    # Lock the programme, not the assignments: two coordinators removing each other at once
    # must queue, or both could go.
    Programme.objects.select_for_update().filter(pk=assignment.programme_id).first()
    if (
        assignment.role == Role.COORDINATOR
        and not RoleAssignment.objects.filter(
            programme_id=assignment.programme_id, role=Role.COORDINATOR
        )
        .exclude(pk=assignment.pk)
        .exists()
    ):
        raise ValidationError(_("A programme needs at least one coordinator."))
    assignment.delete()


def user_set_language(*, user: User, language: str) -> None:
    """Stores the language the user chose, used on every later visit and in emails."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    user.language = language
    user.save(update_fields=["language"])


__all__ = ["InvitationUnusable", "Role"]
