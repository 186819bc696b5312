"""Deterministic demo members for the working groups: realistic Ukrainian names, a spread over
the stakeholder categories of the source texts, ages, sexes and vulnerability markers. No
random data at run time: the same seed gives the same people on every machine."""

import datetime
import random

FEMALE_NAMES = [
    "Олена",
    "Ірина",
    "Наталія",
    "Оксана",
    "Тетяна",
    "Світлана",
    "Юлія",
    "Марія",
    "Анна",
    "Катерина",
    "Людмила",
    "Галина",
    "Вікторія",
    "Ольга",
    "Надія",
    "Софія",
    "Дарина",
    "Анастасія",
    "Валентина",
    "Христина",
    "Яна",
    "Лілія",
    "Інна",
    "Зоряна",
    "Мар'яна",
]
MALE_NAMES = [
    "Андрій",
    "Олександр",
    "Сергій",
    "Володимир",
    "Михайло",
    "Іван",
    "Дмитро",
    "Юрій",
    "Василь",
    "Петро",
    "Богдан",
    "Тарас",
    "Роман",
    "Олег",
    "Віталій",
    "Максим",
    "Артем",
    "Назар",
    "Степан",
    "Ярослав",
    "Євген",
    "Григорій",
    "Остап",
    "Денис",
    "Кирило",
]
SURNAMES = [
    "Коваленко",
    "Бондаренко",
    "Шевченко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Мельничук",
    "Поліщук",
    "Гончаренко",
    "Савчук",
    "Руденко",
    "Марченко",
    "Лисенко",
    "Приходько",
    "Мороз",
    "Павленко",
    "Кузьменко",
    "Литвиненко",
    "Білоус",
    "Гаврилюк",
    "Ковальчук",
    "Сидоренко",
    "Карпенко",
    "Захарченко",
    "Дячук",
    "Остапчук",
    "Яковенко",
    "Панченко",
    "Левченко",
    "Романюк",
    "Собко",
    "Гуменюк",
    "Черненко",
    "Тимошенко",
    "Юрченко",
    "Бойко",
]

# Categories a group draws on, in the order it fills them: required ones first, so that
# most demo groups are complete and a few show gaps.
EXTRA_CATEGORIES = [
    "youth",
    "veterans",
    "vulnerable_groups",
    "cso",
    "education",
    "business",
    "health",
    "media",
    "volunteers",
    "charity",
]


def demo_members(seed: str, required: list[str], count: int, established: datetime.date):
    """Yields dicts describing `count` members: person fields plus category, role, dates."""
    rng = random.Random(seed)
    categories = list(required)
    extras = [c for c in EXTRA_CATEGORIES if c not in categories]
    rng.shuffle(extras)
    categories += extras
    used = set()
    for index in range(count):
        female = rng.random() < 0.52
        while True:
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            name = f"{first} {rng.choice(SURNAMES)}"
            if name not in used:
                used.add(name)
                break
        category = (
            categories[index % len(categories)]
            if index < len(categories) + 2
            else (rng.choice(categories))
        )
        young = category == "youth" or rng.random() < 0.15
        birth_year = established.year - (rng.randint(16, 34) if young else rng.randint(30, 68))
        yield {
            "full_name": name,
            "sex": "female" if female else "male",
            "birth_year": birth_year,
            "phone": f"+38067{rng.randint(1000000, 9999999)}",
            "is_veteran": category == "veterans" or rng.random() < 0.05,
            "is_idp": rng.random() < (0.5 if category == "vulnerable_groups" else 0.08),
            "has_disability": category == "vulnerable_groups" and rng.random() < 0.5,
            "category": category,
            "role": "leader"
            if index == 0
            else "deputy"
            if index == 1
            else ("secretary" if index == 2 else "member"),
            "joined_on": established + datetime.timedelta(days=rng.randint(0, 60)),
            # One in ten left the group some months later.
            # Past the twelfth seat, one in ten left some months later, so that every group
            # keeps at least twelve current members.
            "leaves_after_days": rng.randint(120, 300)
            if index >= 12 and rng.random() < 0.1
            else None,
        }
