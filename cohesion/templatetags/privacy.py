from django import template

register = template.Library()


@register.filter
def small_count(value, suppress=True):
    """Counts from 1 to 4 shown as "<5" where a small number could point at a person.
    `suppress` False shows the number as it is, to those who may see the people anyway."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    return "<5" if suppress and 0 < number < 5 else number
