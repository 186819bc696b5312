from django.utils.translation import get_language


def pick(uk: str, en: str) -> str:
    """The English text in English, the Ukrainian one otherwise; each falls back to the other."""
    return picker()(uk, en)


def _english(uk: str, en: str) -> str:
    return en or uk


def _ukrainian(uk: str, en: str) -> str:
    return uk or en


def picker():
    """`pick` with the language read once, for thousands of rows (reading it costs more than
    choosing)."""
    return _english if (get_language() or "uk").startswith("en") else _ukrainian


class BilingualNameMixin:
    """Models with name_uk and name_en read `.name` in the active language."""

    @property
    def name(self) -> str:
        return pick(self.name_uk, self.name_en)

    def __str__(self) -> str:
        return self.name
