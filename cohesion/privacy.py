"""The small-count rule, defined once.

A count of people from 1 to 4 could point at someone ("the two veterans of the group"), so
where the reader should not be able to tell who took part (donors, the public) it is shown as
"<5" instead. Zero points at nobody and is shown. dashboards.suppression builds the tables'
complementary suppression on this rule; templates use the tags of cohesion.templatetags.privacy.
"""

# Counts of people above zero and below this are small.
SMALL_COUNT_LIMIT = 5
LARGEST_SMALL_COUNT = SMALL_COUNT_LIMIT - 1
# How a small count is shown.
HIDDEN = f"<{SMALL_COUNT_LIMIT}"


def is_small(value) -> bool:
    """A count (an int) from 1 to LARGEST_SMALL_COUNT; anything that is not a count is not."""
    return isinstance(value, int) and 0 < value < SMALL_COUNT_LIMIT
