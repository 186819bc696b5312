from django import template

register = template.Library()


@register.filter
def small_count(value):
    """Counts from 1 to 4 shown as "<5" where a small number could point at a person."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    return "<5" if 0 < number < 5 else number
