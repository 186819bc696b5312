from django.utils.translation import get_language


def pick(uk: str, en: str) -> str:
    """The English text in English, the Ukrainian one otherwise; each falls back to the other."""
    if (get_language() or "uk").startswith("en"):
        return en or uk
    return uk or en


class BilingualNameMixin:
    """Models with name_uk and name_en read `.name` in the active language."""

    @property
    def name(self) -> str:
        return pick(self.name_uk, self.name_en)

    def __str__(self) -> str:
        return self.name
