"""Demo meetings: for each demo group, months of monthly meetings on the second Tuesday at
15:00 with realistic attendance, minutes, decisions and actions, and a few called off because
of air-raid alerts. Deterministic: the same groups get the same meetings on every machine."""

import datetime
import random

from django.utils import timezone

from cohesion import clock
from meetings.models import ActionItem, Meeting
from meetings.selectors import month_starts
from meetings.services import meeting_log, members_on
from workinggroups.models import WorkingGroup

TOPICS = [
    ("Освітлення вулиць біля шкіл", "Звернутися до громади щодо ремонту ліхтарів біля шкіл"),
    ("Безпека дорожнього руху", "Підготувати пропозиції щодо пішохідних переходів"),
    ("Укриття та готовність до надзвичайних ситуацій", "Перевірити стан укриттів разом із ДСНС"),
    ("Дозвілля молоді", "Організувати зустріч із молодіжною радою"),
    ("Підтримка ветеранів і їхніх родин", "Скласти перелік послуг для ветеранів у громаді"),
    ("Інтеграція внутрішньо переміщених осіб", "Провести зустріч із радою ВПО"),
    ("Протидія домашньому насильству", "Поширити контакти гарячих ліній у громаді"),
    ("Ризики вибухонебезпечних предметів", "Провести заняття з мінної безпеки в школі"),
    ("Шахрайство в інтернеті", "Підготувати пам'ятку для літніх людей"),
    ("План громадської безпеки", "Зібрати пропозиції до плану громадської безпеки"),
]


def second_tuesday(month: datetime.date) -> datetime.datetime:
    offset = (1 - month.weekday()) % 7  # Tuesday is 1
    day = month + datetime.timedelta(days=offset + 7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))


def seed_group_meetings(
    group: WorkingGroup,
    *,
    first: datetime.date,
    last: datetime.date,
    by,
    air_raids: bool,
    until: datetime.datetime | None = None,
) -> None:
    """Held or called-off meetings for each month from `first` to `last`, none from `until`
    (by default now) on."""
    if group.meetings.exists():
        return
    rng = random.Random(f"meetings-{group.community.katotth_code}")
    until = until or clock.now()
    for index, month in enumerate(month_starts(first, last)):
        starts_at = second_tuesday(month)
        if starts_at >= until:
            break
        meeting = Meeting.objects.create(
            group=group,
            starts_at=starts_at,
            duration_minutes=90,
            place=_place(group),
            created_by=by,
        )
        if air_raids and rng.random() < 0.12:
            meeting.status, meeting.status_reason = (
                Meeting.Status.CANCELLED,
                Meeting.Reason.AIR_RAID,
            )
            meeting.status_note = "Засідання скасовано через повітряну тривогу."
            meeting.save(update_fields=["status", "status_reason", "status_note"])
            continue
        members = list(members_on(meeting))
        if not members:
            continue
        attendance = {
            m.pk: "present" if rng.random() < 0.75 else rng.choice(["absent", "excused"])
            for m in members
        }
        topic, action_text = TOPICS[(index + rng.randint(0, 3)) % len(TOPICS)]
        owner = rng.choice(members)
        meeting_log(
            meeting=meeting,
            attendance=attendance,
            guests={},
            minutes=f"Обговорили тему «{topic}». Учасники поділилися ситуацією в громаді "
            f"та напрацювали пропозиції.\n\nНаступне засідання — за графіком.",
            decisions=[
                f"Підтримати пропозиції щодо теми «{topic}».",
                "Поінформувати мешканців громади про результати засідання.",
            ],
            new_actions=[
                {
                    "description": action_text,
                    "owner": owner,
                    "due_on": starts_at.date() + datetime.timedelta(days=30),
                }
            ],
            by=by,
        )
    # Actions of all but the last two meetings were done; the rest stay open.
    actions = list(group.action_items.order_by("due_on"))
    for action in actions[:-2]:
        action.status = ActionItem.Status.DONE
        action.closed_on = action.due_on
        action.save(update_fields=["status", "closed_on"])


def _place(group: WorkingGroup) -> str:
    return f"Зала засідань, {group.community.name_uk} громада"
