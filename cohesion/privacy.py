"""The small-count rule, defined once, and the marks that stand for what it withholds.

A count of people from 1 to 4 could point at someone ("the two veterans of the group"), so
where the reader should not be able to tell who took part (donors, the public) it is shown as
"<5" instead. Zero points at nobody and is shown. A figure withheld only because it would give
a small count back (a total minus the visible cells, a share of few people) is not itself
between 1 and 4, so it is marked differently, "x": saying "<5" there would be untrue.
dashboards.suppression builds the tables' complementary suppression on this rule; templates use
the tags of cohesion.templatetags.privacy, and every protected output prints `legend()`.
"""

from django.utils.translation import gettext as _

# Counts of people above zero and below this are small.
SMALL_COUNT_LIMIT = 5
LARGEST_SMALL_COUNT = SMALL_COUNT_LIMIT - 1
# How a small count is shown.
HIDDEN = f"<{SMALL_COUNT_LIMIT}"
# How a figure withheld to protect another one is shown.
WITHHELD = "x"
MARKS = (HIDDEN, WITHHELD)


def is_small(value) -> bool:
    """A count (an int) from 1 to LARGEST_SMALL_COUNT; anything that is not a count is not."""
    return isinstance(value, int) and 0 < value < SMALL_COUNT_LIMIT


def is_withheld(value) -> bool:
    """Whether a shown value is one of the marks rather than a figure."""
    return isinstance(value, str) and value in MARKS


def mark_for(value) -> str:
    """The mark of a withheld count: "<5" if it is small, "x" if it is withheld for another."""
    return HIDDEN if is_small(value) else WITHHELD


def legend() -> list[tuple[str, str]]:
    """What each mark means, in the active language: printed under every protected table."""
    return [
        (
            HIDDEN,
            _("from 1 to %(largest)d people: not shown, so that nobody can be recognised")
            % {"largest": LARGEST_SMALL_COUNT},
        ),
        (
            WITHHELD,
            _(
                "not shown, so that a hidden small count cannot be worked out from the totals "
                "or a share; it may be any number"
            ),
        ),
    ]
