"""Who may do what with a safety plan. Views refuse with 403 through these; templates use them
to show only the buttons that work."""

from accounts.roles import user_roles


def may_draft(user, group) -> bool:
    """The group's leader and the programme's coordinators draft, submit and revise."""
    roles = user_roles(user)
    return roles.coordinates(group.programme_id) or group.pk in roles.leader_of


def may_review(user, group) -> bool:
    """Only the programme's coordinators return or approve a plan."""
    return user_roles(user).coordinates(group.programme_id)


def may_see_drafts(user, group) -> bool:
    """Drafts, review comments and the signed decision stay with the people who work on the
    plan; donors follow approved plans."""
    return may_draft(user, group)
