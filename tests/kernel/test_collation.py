"""Ukrainian alphabetical order (cohesion.collation): the database sorts names, titles and
community names as the alphabet does, whatever its own collation, and Python lists agree."""

import pytest

from cohesion.collation import english_key, ukrainian_key
from communities.models import Community
from tests.factories import CommunityFactory, PersonFactory
from workinggroups.models import Person

pytestmark = pytest.mark.django_db

# А Б В Г Ґ Д Е Є Ж З И І Ї Й К ... Ш Щ Ь Ю Я, lower case among upper.
IN_ORDER = [
    "Антоненко Ольга", "борисенко Петро", "Гнатюк Іван", "Ґалаган Марія", "Дмитренко Ілля",
    "Євтушенко Леся", "Жук Зоя", "Иванюк Роман", "Іваненко Тарас", "Їжакевич Ганна",
    "Йосипенко Віра", "Шевченко Тарас", "Щербак Ніна", "Юрченко Олег", "Ярема Ігор",
]  # fmt: skip


def test_people_are_listed_in_ukrainian_alphabetical_order():
    for name in reversed(IN_ORDER):
        PersonFactory(full_name=name)
    listed = list(
        Person.objects.filter(full_name__in=IN_ORDER)
        .order_by("full_name")
        .values_list("full_name", flat=True)
    )
    assert listed == IN_ORDER
    assert sorted(reversed(IN_ORDER), key=ukrainian_key) == IN_ORDER


def test_community_names_sort_ukrainian_and_english_each_in_its_own_order():
    names = [("Єрківська", "Yerkivska"), ("Ічнянська", "Ichnianska"), ("Ґорецька", "Gorets'ka"),
             ("Бахмацька", "bakhmatska"), ("Яготинська", "Yahotynska")]  # fmt: skip
    for uk, en in names:
        CommunityFactory(name_uk=uk, name_en=en)
    mine = Community.objects.filter(name_uk__in=[uk for uk, _en in names])
    assert list(mine.order_by("name_uk").values_list("name_uk", flat=True)) == [
        "Бахмацька", "Ґорецька", "Єрківська", "Ічнянська", "Яготинська",
    ]  # fmt: skip
    # English: alphabetical whatever the case.
    assert list(mine.order_by("name_en").values_list("name_en", flat=True)) == [
        "bakhmatska", "Gorets'ka", "Ichnianska", "Yahotynska", "Yerkivska",
    ]  # fmt: skip
    assert sorted((en for _uk, en in names), key=english_key) == [
        "bakhmatska", "Gorets'ka", "Ichnianska", "Yahotynska", "Yerkivska",
    ]  # fmt: skip


def test_an_exact_match_still_finds_the_name():
    """The collation orders; it does not make different names equal."""
    PersonFactory(full_name="Ґалаган Марія")
    assert Person.objects.filter(full_name="Ґалаган Марія").count() == 1
    assert not Person.objects.filter(full_name="Галаган Марія").exists()
