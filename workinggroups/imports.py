"""Member import and export as CSV or XLSX, with tablib for the file handling.

An import is checked whole before anything is saved: every row is validated, errors are listed
by row and column in the user's language, and only a file without errors is saved, in one
transaction. A person already on record (same name, year of birth and community) is matched.
"""

import datetime
import re
from dataclasses import dataclass

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
from workinggroups.models import (
    ImportColumn,
    ImportOutcome,
    ImportValue,
    Membership,
    Person,
    WorkingGroup,
)

MAX_BYTES = 5 * 1024 * 1024
BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_ROWS = 10_000
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


def _header_keys(spec=None) -> dict[str, str]:
    """Header text (any language, any case) -> column key."""
    from django.utils import translation

    spec = spec or MEMBERS
    keys = {}
    for column in spec.columns:
        keys[column.key] = column.key
        for word in spec.header_words.get(column.key, ()):
            keys[_word(word)] = column.key
        for language in ("uk", "en"):
            with translation.override(language):
                keys[_word(str(column.label))] = column.key
    return keys


def _word(text: str) -> str:
    """A header or a value as compared: case-folded, apostrophe variants made one, without
    the dots, colons and stars people end words with ("жін.", "ПІБ:", "Стать*")."""
    return search_key(text).strip(" .:*").strip()


DATE_FIELD = forms.DateField(
    input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"]
)


def _parse_date(value: str) -> datetime.date:
    try:
        return DATE_FIELD.clean(value.strip())
    except ValidationError as exc:
        raise ValidationError(_("Write the date as 2024-03-15 or 15.03.2024.")) from exc


@dataclass(frozen=True)
class Spec:
    """What a kind of list holds: its columns, the headers people give them, and the columns
    whose words are mapped to values (sex, role, yes/no...) before the check."""

    kind: str
    columns: list
    header_words: dict
    coded: tuple = ()

    def labels(self) -> dict[str, str]:
        return {column.key: str(column.label) for column in self.columns}

    def missing(self, mapping) -> list:
        return [c for c in self.columns if c.required and c.key not in mapping]


FLAGS = ("is_veteran", "is_idp", "has_disability")
MEMBERS = Spec(
    "members",
    COLUMNS,
    HEADER_WORDS,
    coded=("sex", "category", "organisation", "role", *FLAGS),
)


def sex_of(word: str) -> str | None:
    for sex, label in Person.Sex.choices:
        if word in (sex, _word(str(label))) or word in SEX_WORDS[sex]:
            return sex
    return None


def role_of(word: str) -> str | None:
    for value, label in Membership.Role.choices:
        if word in (value, _word(str(label))) or word in ROLE_WORDS.get(value, ()):
            return value
    return None


def flag_of(word: str) -> str | None:
    if word in YES or word in (_word(_("yes")),):
        return "yes"
    if word in NO or word in (_word(_("no")),):
        return "no"
    return None


def flag_choices():
    return [("yes", _("yes")), ("no", _("no"))]


class PersonCells(CleanForm):
    """The person's cells of a row, as text, cleaned; shared by every kind of list. The words
    of coded columns mean what the coordinator confirmed in the words step (`values`), else
    what the importer reads them as."""

    full_name = forms.CharField(max_length=200)
    sex = forms.CharField(max_length=40)
    birth_year = forms.IntegerField(required=False, min_value=1900)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False, max_length=254)
    is_veteran = forms.CharField(max_length=40, required=False)
    is_idp = forms.CharField(max_length=40, required=False)
    has_disability = forms.CharField(max_length=40, required=False)
    consent_given_on = forms.CharField(max_length=40, required=False)
    consent_purpose = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.values = values or {}

    def _meaning(self, key: str, default):
        """What the cell's word means: as mapped in the words step, else `default(word)`;
        a word mapped to nothing, or that means nothing, is refused naming the word."""
        text = self.cleaned_data[key]
        word = _word(text)
        mapped = self.values.get(key, {})
        value = mapped[word] if word in mapped else default(word)
        if not value:
            raise ValidationError(
                _("“%(word)s” means none of the values: choose its meaning in the words step.")
                % {"word": text.strip()}
            )
        return value

    def clean_sex(self):
        return self._meaning("sex", sex_of)

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if year and year > clock.today().year:
            raise ValidationError(_("The year of birth cannot be in the future."))
        return year

    def clean_consent_given_on(self):
        value = self.cleaned_data["consent_given_on"]
        return _parse_date(value) if value.strip() else None

    def _clean_flag(self, name):
        if not self.cleaned_data[name].strip():
            return None  # not said: a new person's is "no", a known person's stays
        return self._meaning(name, flag_of) == "yes"

    def clean_is_veteran(self):
        return self._clean_flag("is_veteran")

    def clean_is_idp(self):
        return self._clean_flag("is_idp")

    def clean_has_disability(self):
        return self._clean_flag("has_disability")


class ImportRow(PersonCells):
    """One row of a member list: the person, and their membership's fields."""

    category = forms.CharField(max_length=120)
    organisation = forms.CharField(max_length=300, required=False)
    role = forms.CharField(max_length=40, required=False)
    joined_on = forms.CharField(max_length=40)

    def __init__(self, *args, categories, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories  # code -> category
        self.by_word = _category_words(categories.values())
        self.organisations = organisations  # word -> organisation pk, "new" or "" (a callable)

    def clean_organisation(self):
        """The directory's organisation (its pk), "new" for one to add under the name in the
        file, or None (not linked)."""
        name = clean_line(self.cleaned_data["organisation"])
        if not name:
            return None
        choice = self.organisations(_word(name))
        return (choice, name) if choice else None

    def clean_category(self):
        code = self._meaning(
            "category", lambda word: word in self.by_word and self.by_word[word].code
        )
        category = self.categories.get(code)
        if category is None:
            raise ValidationError(_("Unknown category: use one from the template's list."))
        return category

    def clean_role(self):
        if not self.cleaned_data["role"].strip():
            return Membership.Role.MEMBER
        return self._meaning("role", role_of)

    def clean_joined_on(self):
        joined_on = _parse_date(self.cleaned_data["joined_on"])
        if joined_on > clock.today():
            raise ValidationError(_("The date cannot be in the future."))
        return joined_on


ENCODINGS = {"utf-8": "UTF-8", "cp1251": "Windows-1251"}
DELIMITERS = {
    ";": gettext_lazy("semicolon (;)"),
    ",": gettext_lazy("comma (,)"),
    "\t": gettext_lazy("tab"),
}


@dataclass
class Table:
    """An uploaded list as read: its headers, its rows as text, the file's row number of the
    first row below the headers, and how a CSV was read (shown, and changeable)."""

    headers: list[str]
    rows: list[list[str]]
    first_row: int = 2
    encoding: str = ""
    delimiter: str = ""


def decode_csv(content: bytes, encoding: str = "") -> tuple[str, str]:
    """The text of a CSV file as people save it, and its encoding: UTF-8 (with or without
    Excel's byte-order mark), else Windows-1251, what Excel on a Ukrainian Windows writes for
    "CSV"; or as the coordinator says it is."""
    for candidate in [encoding] if encoding else list(ENCODINGS):
        try:
            return content.decode("utf-8-sig" if candidate == "utf-8" else candidate), candidate
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("The file's text is not %(encoding)s: choose another encoding or save it as “CSV UTF-8”.")
        % {"encoding": ENCODINGS[encoding]}
        if encoding
        else _("The file's text is neither UTF-8 nor Windows-1251: save it as “CSV UTF-8”.")
    )


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


def read_upload(
    name: str,
    content: bytes,
    *,
    encoding: str = "",
    delimiter: str = "",
    spec=None,
    header_row: int | None = None,
) -> Table:
    """The uploaded file as a table, or ValidationError saying what is wrong with it. The
    file is judged on what it would expand to and read as a stream within MAX_ROWS and
    MAX_COLUMNS (cohesion.uploads), so that no file can hold a worker's memory or time.
    `encoding` and `delimiter` override what is detected in a CSV, `header_row` (counted from
    1; 0 for a file without headers, its columns then numbered) the row found to hold the
    headers."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    name = (name or "").lower()
    check_size(SimpleUploadedFile(name, content), MAX_BYTES)
    if name.endswith(".csv"):
        text, encoding = decode_csv(content, encoding)
        if not text.strip():
            raise ValidationError(_("The file is empty."))
        # Control characters a text never holds: a picture or a binary renamed ".csv" (any
        # bytes decode as Windows-1251, so the decoding alone cannot tell).
        if BINARY.search(text):
            raise ValidationError(_("This is not a CSV file."))
        delimiter = delimiter if delimiter in DELIMITERS else csv_delimiter(text)
        rows = read_csv(text, delimiter=delimiter, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    elif name.endswith(".xlsx"):
        encoding = delimiter = ""
        rows = read_xlsx(io.BytesIO(content), max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    else:
        raise ValidationError(_("Upload a .csv or .xlsx file."))
    if not any(rows):
        raise ValidationError(_("The file is empty."))
    width = max(len(row) for row in rows)
    rows = [[_cell(value) for value in row] + [""] * (width - len(row)) for row in rows]
    known = _header_keys(spec)
    if header_row == 0:
        headers = [_("Column %(number)s") % {"number": i + 1} for i in range(width)]
        return Table(headers=headers, rows=rows, first_row=1, encoding=encoding,
                     delimiter=delimiter)  # fmt: skip
    if header_row is not None:
        at = min(header_row, len(rows)) - 1
        return Table(headers=combined_headers(rows, at), rows=rows[at + 1 :], first_row=at + 2,
                     encoding=encoding, delimiter=delimiter)  # fmt: skip
    at = find_header_row(rows, known=known)
    headers = combined_headers(rows, at)
    if _continues_headers(rows[at + 1] if at + 1 < len(rows) else [], known):
        # Headers over two rows ("Контакти" above "Телефон" and "Email"): the lower row's
        # names come first, the upper row's where the lower has none.
        headers = [low or up for low, up in zip(rows[at + 1], headers, strict=False)]
        at += 1
    return Table(
        headers=headers,
        rows=rows[at + 1 :],
        first_row=at + 2,
        encoding=encoding,
        delimiter=delimiter,
    )


def find_header_row(rows, *, known=None, within: int = 10) -> int:
    """Which of the first rows holds the headers: lists as people keep them start with a title
    ("Список членів робочої групи", merged across the sheet) or a blank line. The row naming
    the most known fields, else the first with two cells filled, else the first."""
    known = known or _header_keys()
    best, found = None, 0
    for index, row in enumerate(rows[:within]):
        named = sum(1 for cell in row if cell and _word(str(cell)) in known)
        if named > found:
            best, found = index, named
    if best is not None:
        return best
    for index, row in enumerate(rows[:within]):
        if sum(1 for cell in row if cell not in (None, "")) >= 2:
            return index
    return 0


def _continues_headers(row, known) -> bool:
    """Whether the row under the headers is more headers, not a person: its filled cells are
    mostly names of fields."""
    filled = [cell for cell in row if cell]
    named = sum(1 for cell in filled if _word(str(cell)) in known)
    return bool(filled) and named * 2 >= len(filled)


def combined_headers(rows, at: int) -> list[str]:
    """The headers of row `at`, completed from the row above where that is a header row too:
    lists made in Excel put "ПІБ" in a cell merged down over two header rows (its value is in
    the upper one) beside "Контакти" merged across "Телефон" and "Email" below it. A title
    above the headers (one cell filled) lends nothing."""
    headers = ["" if cell is None else str(cell).strip() for cell in rows[at]]
    if at == 0:
        return headers
    above = ["" if cell is None else str(cell).strip() for cell in rows[at - 1]]
    if sum(1 for cell in above if cell) < 2:
        return headers
    return [header or (above[i] if i < len(above) else "") for i, header in enumerate(headers)]


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


def propose(headers, programme, spec=None) -> list[str | None]:
    """The field each column goes to, by its header: the template's labels and the words
    lists use (HEADER_WORDS) first, then, for a header they do not know, as the programme's
    coordinators mapped it before (ImportColumn), else none. A field is proposed once, for its
    first column."""
    spec = spec or MEMBERS
    remembered = dict(
        ImportColumn.objects.filter(programme=programme, kind=spec.kind).values_list(
            "header", "field"
        )
    )
    known = _header_keys(spec)
    proposed, taken = [], set()
    for header in headers or []:
        word = _word(str(header or ""))
        key = known.get(word) or remembered.get(word) or None
        if key in taken:
            key = None
        taken.add(key)
        proposed.append(key)
    return proposed


@transaction.atomic
def remember_mapping(programme, headers, mapping, spec=None) -> None:
    """Keeps the coordinator's choice for each header the importer does not know by itself,
    for the programme's next file (a known header is always read as it says)."""
    spec = spec or MEMBERS
    known = _header_keys(spec)
    if not any(_word(str(header or "")) in known for header in headers):
        # No header the importer knows: likely no header row at all, its "headers" a person.
        return
    for header, key in zip(headers, mapping, strict=True):
        word = _word(str(header or ""))
        if word and word not in known and _header_like(word):
            ImportColumn.objects.update_or_create(
                programme=programme, kind=spec.kind, header=word[:200],
                defaults={"field": key or ""},
            )  # fmt: skip


def _header_like(word: str) -> bool:
    """Whether a header may be remembered for the programme: a short label, not a value (a
    file read without its header row gives a person's name, phone or email as "headers", and
    those must not outlive the upload)."""
    return (
        len(word) <= 60
        and not any(ch.isdigit() or ch == "@" for ch in word)
        and (len(word.split()) <= 6)
    )


@transaction.atomic
def remember_values(programme, spec, values: dict) -> None:
    """Keeps what the coordinator said each word of a coded column means, for the next file
    (the organisation column's words are the directory's business, not remembered)."""
    for key, words in values.items():
        if key == "organisation":
            continue
        for word, value in words.items():
            ImportValue.objects.update_or_create(
                programme=programme, kind=spec.kind, field=key, word=word[:200],
                defaults={"value": value or ""},
            )  # fmt: skip


# At most this many different words of one column are offered to be mapped; the rest are
# read as the importer reads them (a name column mapped as "role" is a mistake to go back on).
MAX_WORDS = 100


def column_words(table_rows, mapping, key: str) -> list[tuple[str, str]]:
    """The different words (as compared, and as first written) in the column mapped to `key`,
    in the order they first appear."""
    if key not in mapping:
        return []
    index = mapping.index(key)
    words: dict[str, str] = {}
    for row in table_rows:
        text = (row[index] if index < len(row) else "").strip()
        word = _word(text)
        if word and word not in words:
            words[word] = text
            if len(words) >= MAX_WORDS:
                break
    return list(words.items())


@dataclass
class CodedColumn:
    """A coded column of this file, for the words step: its words, the values it may take,
    what each word is proposed to mean."""

    key: str
    label: str
    choices: list
    words: list  # [(word, as written, proposed value)]


def member_words(job, group, user) -> list[CodedColumn]:
    """The words step of a member list: for each coded column mapped, the words in it and
    what each is proposed to mean (as the coordinator said before, else as the importer reads
    it, else nothing: they choose). Organisation names are proposed as the directory's
    organisation of that name, else as a new organisation (for those who may add one)."""
    from communities.access import may_create_organisation

    spec = MEMBERS
    remembered = remembered_words(job)
    categories = list(StakeholderCategory.objects.all())
    by_word = _category_words(categories)
    labels = spec.labels()
    columns = []
    for key in spec.coded:
        words = column_words(job.rows, job.mapping, key)
        if not words:
            continue
        if key == "organisation":
            columns.append(_organisation_words(words, group, may_create_organisation(user)))
            continue
        if key == "sex":
            choices, default = list(Person.Sex.choices), sex_of
        elif key == "role":
            choices, default = list(Membership.Role.choices), role_of
        elif key == "category":
            choices = [(c.code, c.name) for c in categories]
            default = lambda word: by_word.get(word) and by_word[word].code  # noqa: E731
        else:
            choices, default = flag_choices(), flag_of
        proposed = [
            (word, text, remembered.get(key, {}).get(word, default(word) or ""))
            for word, text in words
        ]
        columns.append(CodedColumn(key, labels[key], choices, proposed))
    return columns


def _category_words(categories) -> dict:
    words = {}
    for category in categories:
        for name in (category.code, category.name_uk, category.name_en):
            words[_word(name)] = category
    return words


def organisation_proposal(candidates, group, may_create: bool) -> str:
    """What an organisation's name in a file is proposed to mean: the directory's one of that
    name (the group's community's first), else a new organisation (for those who may add
    one); a name several organisations share is not guessed ("": the coordinator picks)."""
    the_one = Organisation.objects.the_one(candidates, group.community)
    if the_one:
        return str(the_one.pk)
    return "new" if may_create and not candidates else ""


def _organisation_words(words, group, may_create: bool) -> CodedColumn:
    named = Organisation.objects.by_name()
    proposed, choices = [], {}
    for word, text in words:
        candidates = named.get(word, [])
        for candidate in candidates:
            choices[str(candidate.pk)] = candidate.name
        proposed.append((word, text, organisation_proposal(candidates, group, may_create)))
    options = [("", _("Do not link"))]
    if may_create:
        options.append(("new", _("Add to the directory as a new organisation")))
    options += sorted(choices.items(), key=lambda item: str(item[1]))
    label = str(MEMBERS.labels()["organisation"])
    return CodedColumn("organisation", label, options, proposed)


def remembered_words(job) -> dict[str, dict[str, str]]:
    """What the programme's coordinators said the words of each coded column mean, for this
    kind of list: {field: {word: value}}."""
    remembered: dict[str, dict[str, str]] = {}
    for key, word, value in ImportValue.objects.filter(
        programme_id=job.programme_id, kind=job.kind
    ).values_list("field", "word", "value"):
        remembered.setdefault(key, {})[word] = value
    return remembered


def filled_rows(job) -> list[tuple[int, dict]]:
    """The file's rows that hold anything, each as (its row number, {field: text})."""
    rows = []
    for index, raw in enumerate(job.rows):
        data = {key: (raw[i] if i < len(raw) else "") for i, key in enumerate(job.mapping) if key}
        if any(value.strip() for value in data.values()):
            rows.append((job.first_row + index, data))
    return rows


def people_named(people, rows) -> dict[str, list]:
    """The people of `people` (a queryset the importer may see) named as in the rows, by
    their name key: one query per 500 names, whatever the file's length."""
    keys = sorted({search_key(data.get("full_name", "")) for _number, data in rows})
    named: dict[str, list] = {}
    for start in range(0, len(keys), 500):
        for person in people.filter(name_key__in=keys[start : start + 500]):
            named.setdefault(person.name_key, []).append(person)
    return named


def refuse(outcome: dict, column: str, message: str) -> None:
    outcome.update(outcome=ImportOutcome.Outcome.REFUSED, errors=[[column, message]])


def refuse_form(outcome: dict, form, labels: dict) -> None:
    errors = [[labels.get(key, ""), " ".join(messages)] for key, messages in form.errors.items()]
    outcome.update(outcome=ImportOutcome.Outcome.REFUSED, errors=errors)


def on_record(outcome: dict, person, row: dict, reason: str) -> None:
    """A row that is a person on record: matched, with the reason, or to be updated, with the
    fields the file changes."""
    outcome["person"] = person.pk
    changed = _changes(person, row)
    if changed:
        outcome["outcome"] = ImportOutcome.Outcome.UPDATED
        outcome["detail"] = f"{reason} " + _("To update: %(fields)s.") % {
            "fields": ", ".join(str(Person._meta.get_field(f).verbose_name) for f in changed)
        }
    else:
        outcome.update(outcome=ImportOutcome.Outcome.MATCHED, detail=reason)


def check_members(job, group, by, progress=None) -> tuple[list[dict], str]:
    """Every row of the file checked as it would be saved: returns one outcome per row (new,
    on record, on record and updated, already a member, refused, each with the reason or the
    mistakes, and the cleaned fields to save), and a problem of the whole file, if any. Reads
    what it needs in a fixed number of queries whatever the file's length."""
    from django.db.models import Max

    labels = MEMBERS.labels()
    if group.status == WorkingGroup.Status.CEASED:
        return [], _("The group has ceased: it takes no new members.")
    missing = MEMBERS.missing(job.mapping)
    if missing:
        return [], _("Choose the column that holds “%(field)s”.") % {"field": missing[0].label}
    from communities.access import may_create_organisation

    categories = {c.code: c for c in StakeholderCategory.objects.all()}
    values = job.values or {}
    chosen = values.get("organisation", {})
    named = Organisation.objects.by_name() if "organisation" in job.mapping else {}
    may_create = may_create_organisation(by)

    def organisations(word: str) -> str:
        # As chosen in the words step; a name it did not offer (past MAX_WORDS) as proposed.
        if word in chosen:
            return chosen[word]
        return organisation_proposal(named.get(word, []), group, may_create)

    rows = filled_rows(job)
    if not rows:
        return [], _("The file has no rows below the header.")
    people = people_named(people_visible_to(by).filter(community=group.community), rows)
    current = {
        m.person_id: m for m in group.memberships.current().only("person_id", "role", "joined_on")
    }
    last_left = dict(
        group.memberships.filter(left_on__isnull=False)
        .values("person_id")
        .annotate(last=Max("left_on"))
        .values_list("person_id", "last")
    )
    leader_id = next((pid for pid, m in current.items() if m.role == Membership.Role.LEADER), None)
    leaders = 1 if leader_id else 0
    outcomes, seen = [], {}
    for done, (number, data) in enumerate(rows, start=1):
        if progress and done % 500 == 0:
            progress(done, len(rows))
        outcome = {"row": number, "name": clean_line(data.get("full_name", ""))[:200]}
        outcomes.append(outcome)
        form = ImportRow(data, categories=categories, organisations=organisations, values=values)
        if not form.is_valid():
            refuse_form(outcome, form, labels)
            continue
        row = form.cleaned_data
        refusal = _refusal(row, group, labels)
        identity = (search_key(row["full_name"]), row["birth_year"])
        if refusal is None and identity in seen:
            refusal = [
                labels["full_name"],
                _("The same person is already in row %(row)s.") % {"row": seen[identity]},
            ]
        seen.setdefault(identity, number)
        same_name = people.get(identity[0], [])
        person = next((p for p in same_name if p.birth_year == row["birth_year"]), None)
        if refusal is None and person is not None:
            if person.birth_year and row["joined_on"].year < person.birth_year:
                refusal = [labels["joined_on"], _("The person was not born yet on that date.")]
            elif person.pk in current:
                outcome.update(
                    outcome=ImportOutcome.Outcome.ALREADY,
                    detail=_("A member since %(date)s.")
                    % {"date": current[person.pk].joined_on.strftime("%d.%m.%Y")},
                )
                continue
            elif last_left.get(person.pk) and row["joined_on"] < last_left[person.pk]:
                refusal = [
                    labels["joined_on"],
                    _("The person was a member until %(date)s: rejoining starts after that.")
                    % {"date": last_left[person.pk].strftime("%d.%m.%Y")},
                ]
        is_leader = row["role"] == Membership.Role.LEADER
        if refusal is None and is_leader and (person is None or person.pk != leader_id):
            leaders += 1
            if leaders > 1:
                refusal = [labels["role"], _("A group has one leader at a time.")]
        if refusal is not None:
            refuse(outcome, *refusal)
            continue
        outcome["fields"] = serialised(row)
        if person is None:
            outcome["outcome"] = ImportOutcome.Outcome.NEW
            others = [p.birth_year for p in same_name if p.birth_year]
            if others:
                outcome["detail"] = _(
                    "Someone of the same name, born in %(years)s, is on record: a different "
                    "person, as the year of birth differs."
                ) % {"years": ", ".join(str(y) for y in sorted(set(others)))}
            continue
        reason = _("Same name, year of birth and community as the person on record.")
        on_record(outcome, person, row, reason)
    if progress:
        progress(len(rows), len(rows))
    return outcomes, ""


def _refusal(row, group, labels) -> list | None:
    if group.established_on and row["joined_on"] < group.established_on:
        return [
            labels["joined_on"],
            _("The group was founded on %(date)s.")
            % {"date": group.established_on.strftime("%d.%m.%Y")},
        ]
    if row["birth_year"] and row["joined_on"].year < row["birth_year"]:
        return [labels["joined_on"], _("The person was not born yet on that date.")]
    return None


# A person on record takes from the file what it says and the record does not (or says
# otherwise): contact details, the markers when the cell says yes or no, the consent.
UPDATABLE = ("phone", "email", "is_veteran", "is_idp", "has_disability",
             "consent_given_on", "consent_purpose")  # fmt: skip


def _changes(person, row) -> list[str]:
    changed = []
    for name in UPDATABLE:
        value = row.get(name)
        if value in (None, ""):
            continue
        if getattr(person, name) != value:
            changed.append(name)
    return changed


def serialised(row: dict) -> dict:
    """The cleaned row as JSON keeps it: dates as ISO text, the category by its code."""
    out = {}
    for key, value in row.items():
        if isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, StakeholderCategory):
            value = value.code
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


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


def decoded(fields: dict, *dates: str) -> dict:
    """A checked row's fields as kept in JSON, with its dates made dates again."""
    for name in dates:
        if fields.get(name):
            fields[name] = datetime.date.fromisoformat(fields[name])
    return fields


class PeopleToWrite:
    """The people a save writes: each checked row's person, on record (updated with what the
    file changes) or new; written in bulk with their history, and counted."""

    def __init__(self, outcomes: list[dict], by):
        self.by = by
        self.on_record = Person.objects.in_bulk([o["person"] for o in outcomes if o.get("person")])
        self.created: list[Person] = []
        self.updated: list[Person] = []
        self.matched = 0

    def take(self, outcome: dict, fields: dict, community_id: int) -> Person:
        if outcome.get("person"):
            person = self.on_record[outcome["person"]]
            self.matched += 1
            changed = _changes(person, fields)
            if changed:
                for name in changed:
                    setattr(person, name, fields[name])
                if "consent_given_on" in changed:
                    person.consent_recorded_by = self.by
                self.updated.append(person)
            return person
        person = Person(community_id=community_id)
        for name in PERSON_FIELDS:
            value = fields.get(name)
            setattr(person, name, bool(value) if name in FLAGS else (value or ""))
        person.full_name = clean_line(person.full_name)
        person.birth_year = fields.get("birth_year")
        person.consent_given_on = fields.get("consent_given_on") or None
        if person.consent_given_on:
            person.consent_recorded_by = self.by
        self.created.append(person)
        return person

    def save(self) -> dict:
        from workinggroups.services import people_save_many

        people_save_many(created=self.created, updated=self.updated, by=self.by)
        return {
            "created": len(self.created),
            "matched": self.matched,
            "updated": len(self.updated),
        }


def _organisation_added(name: str, candidates, group) -> Organisation:
    """The organisation a "new" name becomes at saving: the directory's of that name if it has
    one by now (another import, or a colleague, added it since the check), else added, once
    even when two saves add it at the same moment. `.added` says which."""
    found = Organisation.objects.the_one(candidates or [], group.community)
    if found is None:
        found, added = Organisation.objects.get_or_create(
            name_uk=name[:300], kind=Organisation.Kind.OTHER,
            defaults={"name_en": name[:300], "community": group.community},
        )  # fmt: skip
    else:
        added = False
    found.added = added
    return found


def save_members(job, group, by, outcomes: list[dict], progress=None) -> dict:
    """Saves checked rows in the caller's transaction: new people and their memberships in
    bulk (with their history), people on record updated, organisations to add added once.
    Returns the counts said to the coordinator."""
    from workinggroups.services import members_add_many

    categories = {c.code: c for c in StakeholderCategory.objects.all()}
    new_organisations: dict[str, Organisation] = {}
    chosen = [(o.get("fields") or {}).get("organisation") for o in outcomes]
    organisation_ids = {int(c[0]) for c in chosen if c and c[0] != "new"}
    existing = Organisation.objects.in_bulk(organisation_ids)
    adding = any(c and c[0] == "new" for c in chosen)
    named = Organisation.objects.by_name() if adding else {}
    seats = []
    to_seat = [o for o in outcomes if o["outcome"] not in ("refused", "already")]
    people = PeopleToWrite(to_seat, by)
    for outcome in to_seat:
        fields = decoded(outcome["fields"], "joined_on", "consent_given_on")
        organisation = None
        if fields.get("organisation"):
            choice, name = fields["organisation"]
            if choice == "new":
                word = _word(name)
                if word not in new_organisations:
                    new_organisations[word] = _organisation_added(name, named.get(word), group)
                organisation = new_organisations[word]
            else:
                organisation = existing.get(int(choice))
        person = people.take(outcome, fields, group.community_id)
        seats.append((person, categories[fields["category"]], organisation, fields))
    if progress:
        progress(30)
    summary = people.save()
    if progress:
        progress(60)
    members_add_many(
        group=group,
        seats=[
            dict(person=person, category=category, organisation=organisation,
                 role=fields["role"], joined_on=fields["joined_on"])
            for person, category, organisation, fields in seats
        ],
        by=by,
    )  # fmt: skip
    return {
        **summary,
        "added": len(seats),
        "already": sum(o["outcome"] == "already" for o in outcomes),
        "organisations": sum(1 for o in new_organisations.values() if o.added),
    }


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
