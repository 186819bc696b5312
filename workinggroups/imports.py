"""Member import and export as CSV or XLSX, with tablib for the file handling.

An import is checked whole before anything is saved: every row is validated, errors are listed
by row and column in the user's language, and only a file without errors is saved, in one
transaction. A person already on record (same name, year of birth and community) is matched.
"""

import datetime
import re
from dataclasses import dataclass, field

import tablib
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohesion import clock
from cohesion.forms import CleanForm
from cohesion.text import clean_line, defuse_formula
from cohesion.uploads import check_size, read_csv, read_xlsx
from communities.models import Organisation, StakeholderCategory, search_key
from workinggroups.access import people_visible_to
from workinggroups.models import ImportColumn, Membership, Person, WorkingGroup
from workinggroups.services import membership_add

MAX_BYTES = 2 * 1024 * 1024
BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_ROWS = 2000
# The template has 13 columns; room for the columns of a coordinator's own list beside them.
MAX_COLUMNS = 50
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation
    required: bool = False


COLUMNS = [
    Column("full_name", gettext_lazy("Full name"), required=True),
    Column("sex", gettext_lazy("Sex"), required=True),
    Column("birth_year", gettext_lazy("Year of birth")),
    Column("phone", gettext_lazy("Phone")),
    Column("email", gettext_lazy("Email")),
    Column("category", gettext_lazy("Stakeholder category"), required=True),
    Column("organisation", gettext_lazy("Organisation represented")),
    Column("role", gettext_lazy("Role in the group")),
    Column("joined_on", gettext_lazy("Joined on"), required=True),
    Column("is_veteran", gettext_lazy("Veteran or serviceperson")),
    Column("is_idp", gettext_lazy("Internally displaced")),
    Column("has_disability", gettext_lazy("Person with a disability")),
    Column("consent_given_on", gettext_lazy("Consent given on")),
    Column("consent_purpose", gettext_lazy("Purpose of consent")),
]

YES = {"yes", "y", "true", "1", "так", "т", "+", "x", "х", "v", "✓", "✔", "є", "да"}
NO = {"", "no", "n", "false", "0", "ні", "н", "-", "—", "немає", "нема", "нет"}
SEX_WORDS = {
    Person.Sex.FEMALE: {"female", "f", "woman", "w", "ж", "жін", "жінка", "жіноча", "жен"},
    Person.Sex.MALE: {"male", "m", "man", "ч", "чол", "чоловік", "чоловіча", "муж", "м"},
    Person.Sex.NOT_STATED: {"not stated", "not_stated", "-", "—", "не вказано", "невідомо"},
}
# The words people write for a role in the group, beside its labels.
ROLE_WORDS = {
    Membership.Role.MEMBER: {"член", "член групи", "учасник", "учасниця", "member"},
    Membership.Role.LEADER: {"лідер", "лідерка", "голова", "керівник", "керівниця", "leader"},
    Membership.Role.DEPUTY: {"заступник", "заступниця", "заст", "deputy"},
    Membership.Role.SECRETARY: {"секретар", "секретарка", "secretary"},
}
# Headers coordinators' own lists use, beside the template's labels (compared case-folded).
HEADER_WORDS = {
    "full_name": {"піб", "п.і.б", "прізвище, ім'я, по батькові", "прізвище ім'я по батькові",
                  "прізвище та ім'я", "ім'я", "name", "full name", "учасник", "учасниця"},
    "sex": {"стать", "ж/ч", "ч/ж", "жін/чол", "чол/жін", "gender", "sex", "m/f", "f/m"},
    "birth_year": {"рік народження", "р.н", "рік нар", "year of birth", "born"},
    "phone": {"телефон", "тел", "моб. телефон", "мобільний", "phone", "mobile"},
    "email": {"email", "e-mail", "ел. пошта", "електронна пошта", "пошта", "е-мейл"},
    "category": {"категорія", "категорія зацікавлених сторін", "сектор", "category"},
    "organisation": {"організація", "організація, яку представляє", "установа",
                     "організація/установа", "від якої організації", "organisation",
                     "organization"},
    "role": {"роль", "роль у групі", "посада в групі", "role"},
    "joined_on": {"дата вступу", "дата приєднання", "з якого часу", "joined", "date joined"},
    "is_veteran": {"ветеран", "ветеран/ка", "ветеран або військовослужбовець", "veteran"},
    "is_idp": {"впо", "впо (так/ні)", "внутрішньо переміщена особа", "idp"},
    "has_disability": {"інвалідність", "особа з інвалідністю", "disability"},
    "consent_given_on": {"згода", "дата згоди", "згода надана", "consent"},
    "consent_purpose": {"мета згоди", "purpose of consent"},
}  # fmt: skip


def _header_keys() -> dict[str, str]:
    """Header text (any language, any case) -> column key."""
    from django.utils import translation

    keys = {}
    for column in COLUMNS:
        keys[column.key] = column.key
        for word in HEADER_WORDS.get(column.key, ()):
            keys[_word(word)] = column.key
        for language in ("uk", "en"):
            with translation.override(language):
                keys[_word(str(column.label))] = column.key
    return keys


def _word(text: str) -> str:
    """A header or a value as compared: case-folded, apostrophe variants made one, without
    the dots, colons and stars people end words with ("жін.", "ПІБ:", "Стать*")."""
    return search_key(text).strip(" .:*").strip()


def _parse_bool(value: str) -> bool:
    word = _word(value)
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValidationError(_("Write “yes” or “no”."))


DATE_FIELD = forms.DateField(
    input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"]
)


def _parse_date(value: str) -> datetime.date:
    try:
        return DATE_FIELD.clean(value.strip())
    except ValidationError as exc:
        raise ValidationError(_("Write the date as 2024-03-15 or 15.03.2024.")) from exc


class ImportRow(CleanForm):
    """One row of the file, as text; cleaned into person and membership fields."""

    full_name = forms.CharField(max_length=200)
    sex = forms.CharField(max_length=20)
    birth_year = forms.IntegerField(required=False, min_value=1900)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False, max_length=254)
    category = forms.CharField(max_length=120)
    organisation = forms.CharField(max_length=300, required=False)
    role = forms.CharField(max_length=40, required=False)
    joined_on = forms.CharField(max_length=40)
    is_veteran = forms.CharField(max_length=10, required=False)
    is_idp = forms.CharField(max_length=10, required=False)
    has_disability = forms.CharField(max_length=10, required=False)
    consent_given_on = forms.CharField(max_length=40, required=False)
    consent_purpose = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, categories, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        self.organisations = organisations

    def clean_organisation(self):
        """The directory's organisation of that name; a name it does not know is kept as text
        (not added from a file: the import says which were not linked)."""
        name = clean_line(self.cleaned_data["organisation"])
        return self.organisations.get(_word(name), name) if name else None

    def clean_sex(self):
        word = _word(self.cleaned_data["sex"])
        for sex, words in SEX_WORDS.items():
            if word == sex or word in words:
                return sex
        raise ValidationError(_("Write “female”, “male” or “not stated”."))

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if year and year > clock.today().year:
            raise ValidationError(_("The year of birth cannot be in the future."))
        return year

    def clean_category(self):
        category = self.categories.get(_word(self.cleaned_data["category"]))
        if category is None:
            raise ValidationError(_("Unknown category: use one from the template's list."))
        return category

    def clean_role(self):
        word = _word(self.cleaned_data["role"] or Membership.Role.MEMBER)
        for value, label in Membership.Role.choices:
            if word in (value, _word(str(label))) or word in ROLE_WORDS.get(value, ()):
                return value
        raise ValidationError(_("Write “leader”, “deputy”, “secretary” or “member”."))

    def clean_joined_on(self):
        joined_on = _parse_date(self.cleaned_data["joined_on"])
        if joined_on > clock.today():
            raise ValidationError(_("The date cannot be in the future."))
        return joined_on

    def clean_consent_given_on(self):
        value = self.cleaned_data["consent_given_on"]
        return _parse_date(value) if value.strip() else None

    def _clean_flag(self, name):
        return _parse_bool(self.cleaned_data[name])

    def clean_is_veteran(self):
        return self._clean_flag("is_veteran")

    def clean_is_idp(self):
        return self._clean_flag("is_idp")

    def clean_has_disability(self):
        return self._clean_flag("has_disability")


@dataclass
class ImportResult:
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # row, column, message
    created: int = 0
    matched: int = 0
    added: int = 0
    already: int = 0
    # Headers of columns no field takes (an organisation, notes): said, never dropped silently.
    ignored: list[str] = field(default_factory=list)
    # Organisations named in the file that the directory does not know: not linked.
    unknown_organisations: list[str] = field(default_factory=list)


def decode_csv(content: bytes) -> str:
    """The text of a CSV file as people save it: UTF-8 (with or without Excel's byte-order
    mark), else Windows-1251, what Excel on a Ukrainian Windows writes for "CSV"."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1251")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("The file's text is neither UTF-8 nor Windows-1251: save it as “CSV UTF-8”.")
        ) from exc


def csv_delimiter(text: str) -> str:
    """`;` (Excel where the decimal mark is a comma, as in Ukraine), `,` or a tab: the one
    that splits most of the first lines into the same number of columns (a title line above
    the headers has none)."""
    from collections import Counter

    lines = [line for line in text.splitlines()[:20] if line.strip()]
    best, score = ",", (0, 0)
    for delimiter in (";", ",", "\t"):
        counts = Counter(line.count(delimiter) for line in lines)
        counts.pop(0, None)
        if not counts:
            continue
        columns, steady = counts.most_common(1)[0]
        if (steady, columns) > score:
            best, score = delimiter, (steady, columns)
    return best


def read_table(upload) -> tablib.Dataset:
    """The uploaded file as a dataset, or ValidationError saying what is wrong with it. The
    file is judged on what it would expand to and read as a stream within MAX_ROWS and
    MAX_COLUMNS (cohesion.uploads), so that no file can hold a worker's memory or time."""
    name = (upload.name or "").lower()
    check_size(upload, MAX_BYTES)
    if name.endswith(".csv"):
        text = decode_csv(upload.read())
        if not text.strip():
            raise ValidationError(_("The file is empty."))
        # Control characters a text never holds: a picture or a binary renamed ".csv" (any
        # bytes decode as Windows-1251, so the decoding alone cannot tell).
        if BINARY.search(text):
            raise ValidationError(_("This is not a CSV file."))
        rows = read_csv(
            text, delimiter=csv_delimiter(text), max_rows=MAX_ROWS, max_columns=MAX_COLUMNS
        )
    elif name.endswith(".xlsx"):
        rows = read_xlsx(upload, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    if not any(rows):
        raise ValidationError(_("The file is empty."))
    width = max(len(row) for row in rows)
    rows = [list(row) + [None] * (width - len(row)) for row in rows]
    at = header_row(rows)
    header, *body = rows[at:]
    dataset = tablib.Dataset(*body, headers=["" if cell is None else str(cell) for cell in header])
    # The file's row number of the first row below the header (rows are counted from 1).
    dataset.first_row = at + 2
    return dataset


def header_row(rows, *, within: int = 10) -> int:
    """Which of the first rows holds the headers: lists as people keep them start with a title
    ("Список членів робочої групи", merged across the sheet) or a blank line. The row naming
    the most known fields, else the first with two cells filled, else the first."""
    known = _header_keys()
    best, found = None, 0
    for index, row in enumerate(rows[:within]):
        named = sum(1 for cell in row if cell is not None and _word(str(cell)) in known)
        if named > found:
            best, found = index, named
    if best is not None:
        return best
    for index, row in enumerate(rows[:within]):
        if sum(1 for cell in row if cell not in (None, "")) >= 2:
            return index
    return 0


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def propose(headers, programme) -> list[str | None]:
    """The field each column goes to, by its header: the template's labels and the words
    lists use (HEADER_WORDS) first, then, for a header they do not know, as the programme's
    coordinators mapped it before (ImportColumn), else none. A field is proposed once, for its
    first column."""
    return _proposal(headers, programme)[0]


def remembered_in(headers, programme) -> bool:
    """Whether the proposal for these headers uses a mapping remembered from an earlier file:
    then it is shown to be confirmed, never applied unseen."""
    return _proposal(headers, programme)[1]


def _proposal(headers, programme) -> tuple[list[str | None], bool]:
    remembered = dict(
        ImportColumn.objects.filter(programme=programme).values_list("header", "field")
    )
    known = _header_keys()
    proposed, taken, used = [], set(), False
    for header in headers or []:
        word = _word(str(header or ""))
        if word in known:
            key = known[word]
        elif word in remembered:
            key, used = remembered[word] or None, True
        else:
            key = None
        if key in taken:
            key = None
        taken.add(key)
        proposed.append(key)
    return proposed, used


def missing_fields(mapping) -> list[Column]:
    return [c for c in COLUMNS if c.required and c.key not in mapping]


@transaction.atomic
def remember_mapping(programme, headers, mapping) -> None:
    """Keeps the coordinator's choice for each header the importer does not know by itself,
    for the programme's next file (a known header is always read as it says)."""
    known = _header_keys()
    for header, key in zip(headers, mapping, strict=True):
        word = _word(str(header or ""))
        if word and word not in known:
            ImportColumn.objects.update_or_create(
                programme=programme, header=word[:200], defaults={"field": key or ""}
            )


def validate_table(
    dataset: tablib.Dataset, group: WorkingGroup, mapping: list | None = None
) -> tuple[list, ImportResult]:
    """Every row checked; returns the cleaned rows and the errors (row numbers as in the file:
    the header is row 1). `mapping` gives each column's field (None to leave it out); by
    default, as `propose` has it."""
    result = ImportResult()
    header_at = getattr(dataset, "first_row", 2) - 1  # the header's row in the file
    headers = mapping if mapping is not None else propose(dataset.headers, group.programme)
    result.ignored = [
        str(header).strip()
        for header, key in zip(dataset.headers or [], headers, strict=True)
        if key is None and str(header or "").strip()
    ]
    labels = {column.key: str(column.label) for column in COLUMNS}
    missing = missing_fields(headers)
    if missing:
        for column in missing:
            result.errors.append((header_at, str(column.label), _("This column is missing.")))
        return [], result
    if dataset.height == 0:
        result.errors.append((header_at, "", _("The file has no rows below the header.")))
        return [], result
    if dataset.height > MAX_ROWS:
        result.errors.append(
            (header_at, "", _("At most %(max)s rows at a time.") % {"max": MAX_ROWS})
        )
        return [], result
    named = Organisation.objects.by_name()
    organisations = {
        word: organisation
        for word, candidates in named.items()
        if (organisation := Organisation.objects.the_one(candidates, group.community))
    }
    categories = {}
    for category in StakeholderCategory.objects.all():
        for key in (category.code, category.name_uk, category.name_en):
            categories[_word(key)] = category
    cleaned_rows, seen = [], {}
    current_leader = (
        group.memberships.current()
        .filter(role=Membership.Role.LEADER)
        .select_related("person")
        .first()
    )
    leaders = 1 if current_leader else 0
    for number, raw in enumerate(dataset, start=getattr(dataset, "first_row", 2)):
        data = {key: _cell(value) for key, value in zip(headers, raw, strict=False) if key}
        if not any(data.values()):
            continue  # blank lines at the end of a sheet
        form = ImportRow(data, categories=categories, organisations=organisations)
        if not form.is_valid():
            for key, errors in form.errors.items():
                result.errors.append((number, labels.get(key, ""), " ".join(errors)))
            continue
        row = form.cleaned_data
        identity = (search_key(row["full_name"]), row["birth_year"])
        if identity in seen:
            result.errors.append(
                (
                    number,
                    labels["full_name"],
                    _("The same person is already in row %(row)s.") % {"row": seen[identity]},
                )
            )
            continue
        seen[identity] = number
        is_current_leader = current_leader is not None and (
            current_leader.person.name_key == search_key(row["full_name"])
            and current_leader.person.birth_year == row["birth_year"]
        )
        if row["role"] == Membership.Role.LEADER and not is_current_leader:
            leaders += 1
            if leaders > 1:
                result.errors.append(
                    (number, labels["role"], _("A group has one leader at a time."))
                )
                continue
        if isinstance(row["organisation"], str):
            if row["organisation"] not in result.unknown_organisations:
                result.unknown_organisations.append(row["organisation"])
            row["organisation"] = None
        cleaned_rows.append(row)
    return cleaned_rows, result


PERSON_FIELDS = (
    "full_name",
    "sex",
    "birth_year",
    "phone",
    "email",
    "is_veteran",
    "is_idp",
    "has_disability",
    "consent_given_on",
    "consent_purpose",
)


def _existing_person(row: dict, group: WorkingGroup, by) -> Person | None:
    """The person already on record and visible to the importer: same name (any case), year
    of birth and community. People of other programmes are never matched, or an upload could
    pull their record into this group."""
    return (
        people_visible_to(by)
        .filter(
            name_key=search_key(row["full_name"]),
            birth_year=row["birth_year"],
            community=group.community,
        )
        .first()
    )


@transaction.atomic
def import_members(*, group: WorkingGroup, rows: list[dict], by, result: ImportResult) -> None:
    """Saves validated rows: matches people already on record, adds their memberships."""
    # Two identical uploads at once must not both create the same people.
    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    for row in rows:
        person = _existing_person(row, group, by)
        if person is None:
            fields = {name: row[name] for name in PERSON_FIELDS}
            fields["full_name"] = clean_line(fields["full_name"])
            if fields["consent_given_on"]:
                fields["consent_recorded_by"] = by
            person = Person.objects.create(community=group.community, **fields)
            result.created += 1
        else:
            result.matched += 1
        if group.memberships.current().filter(person=person).exists():
            result.already += 1
            continue
        membership_add(
            group=group,
            person=person,
            category=row["category"],
            organisation=row["organisation"],
            role=row["role"],
            joined_on=row["joined_on"],
            by=by,
        )
        result.added += 1


EXPORT_HEADERS = [
    gettext_lazy("Working group"),
    gettext_lazy("Full name"),
    gettext_lazy("Sex"),
    gettext_lazy("Year of birth"),
    gettext_lazy("Phone"),
    gettext_lazy("Email"),
    gettext_lazy("Community of residence"),
    gettext_lazy("Stakeholder category"),
    gettext_lazy("Organisation represented"),
    gettext_lazy("Role in the group"),
    gettext_lazy("Joined on"),
    gettext_lazy("Left on"),
    gettext_lazy("Veteran or serviceperson"),
    gettext_lazy("Internally displaced"),
    gettext_lazy("Person with a disability"),
    gettext_lazy("Consent given on"),
]


def members_dataset(memberships) -> tablib.Dataset:
    yes, no = _("yes"), _("no")
    dataset = tablib.Dataset(headers=[str(header) for header in EXPORT_HEADERS])
    for m in memberships:
        p = m.person
        dataset.append(
            [
                defuse_formula(value)
                for value in (
                    m.group.name,
                    p.full_name,
                    p.get_sex_display(),
                    p.birth_year or "",
                    p.phone,
                    p.email,
                    p.community.name if p.community else "",
                    m.category.name,
                    m.organisation.name if m.organisation else "",
                    m.get_role_display(),
                    m.joined_on.isoformat(),
                    m.left_on.isoformat() if m.left_on else "",
                    yes if p.is_veteran else no,
                    yes if p.is_idp else no,
                    yes if p.has_disability else no,
                    p.consent_given_on.isoformat() if p.consent_given_on else "",
                )
            ]
        )
    return dataset


def exported_memberships(user, **filters):
    return (
        Membership.objects.visible_to(user)
        .filter(**filters)
        .select_related("group", "person__community", "category", "organisation")
        .order_by("group__community__name_uk", "left_on", "person__full_name")
    )


def template_dataset(category_name: str) -> tablib.Dataset:
    """An empty sheet with the columns in the user's language and one example row."""
    dataset = tablib.Dataset(headers=[str(column.label) for column in COLUMNS])
    dataset.append(
        [
            _("Olena Petrenko"),
            Person.Sex.FEMALE.label,
            1990,
            "+380501234567",
            "olena@example.org",
            category_name,
            "",
            Membership.Role.MEMBER.label,
            clock.today().isoformat(),
            _("no"),
            _("yes"),
            _("no"),
            clock.today().isoformat(),
            _("Taking part in the working group"),
        ]
    )
    return dataset


def download(dataset: tablib.Dataset, fmt: str, name: str) -> HttpResponse:
    """The dataset as a file to download, CSV or XLSX."""
    content = dataset.export(fmt)
    if fmt == "csv":
        content = "\ufeff" + content  # so that Excel opens UTF-8 with Cyrillic intact
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
